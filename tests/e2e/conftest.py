"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

No tool can download Playwright's own browsers on these machines, so the tests launch the
system Chromium (``apt-get install -y --no-install-recommends chromium``). Without it they skip
locally and fail in CI (``REQUIRE_SERVICES=1``), through ``require_service``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

from conftest import require_service

# Playwright's sync API runs an event loop in the test's thread; Django refuses ORM calls from
# a thread with a running loop unless told that this is safe (it is: the loop is Playwright's).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: A desktop viewport: on narrow ones the navbar (language switcher, user menu) collapses.
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, tmp_path_factory):
    require_service(
        "Chromium",
        CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
        f"no browser at {CHROMIUM}; apt-get install -y --no-install-recommends chromium",
    )
    home = tmp_path_factory.mktemp("chromium")
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_CACHE_HOME"] = str(home / "cache")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
        "env": env,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "en-GB"}


@pytest.fixture(scope="session")
def _serialized_database_contents(django_db_setup):
    """What the migrations wrote, as Django serialized it when it created the test database.

    Taken before Playwright starts (see below): it lives on the connection object of the
    plain, synchronous context.
    """
    return {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }


@pytest.fixture(scope="session", autouse=True)
def _django_connections_under_playwright(_serialized_database_contents, playwright):
    """Give Django's connections in Playwright's context what the test runner gave the others.

    Between its calls, Playwright's sync API marks an event loop as running in the test's
    thread. Django's connection handler (an asgiref ``Local``) then keeps the connections in
    context-local storage instead of the thread's, so the tests see new connection objects,
    without the serialized contents that ``serialized_rollback`` reloads after each
    transactional test's flush (the role groups written by data migrations). Copy them over.
    The parameters' order matters: the contents are read before Playwright starts.
    """
    for alias, contents in _serialized_database_contents.items():
        if contents is not None and not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


@pytest.fixture
def site(live_server, transactional_db, django_db_serialized_rollback, cast):
    """The live server's address, with the test company (real, hashed passwords) in place.

    The live server needs a transactional database, which is emptied after each test; the
    serialized rollback puts back what the migrations wrote (the role groups, the schedules)
    for the next transactional test.
    """
    return live_server.url
