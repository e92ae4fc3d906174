"""Fixtures of the organization tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from conftest import TEST_DEPARTMENTS
from organization.demo import build_cast


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """Start every test in the site's language and time zone.

    A request leaves the language and time zone it activated (the user's) on the thread, as
    it does in a server; without this, messages a test reads could depend on the test before.
    """
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(scope="module")
def _company_built_once(django_db_setup, django_db_blocker):
    """The test company, built once per test module in a transaction undone after the module.

    The project's ``cast`` fixture still calls ``build_cast`` for every test, with the same
    arguments; finding everything in place (``build_cast`` is idempotent, see test_demo.py) it
    only reads the company back, which is what keeps this suite fast. Every test runs in its own
    transaction nested in this one (pytest-django's ``db``), so what one test writes never
    reaches the next; the module's transaction is rolled back at the end, so the next module
    (test_demo.py among them) starts from an empty database.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            build_cast(departments=TEST_DEPARTMENTS, per_department=3, seed=7)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def cast(_company_built_once, cast):
    """The project's ``cast`` (conftest.py at the root), on the company built for the module."""
    return cast


@pytest.fixture
def who(cast):
    """``who("head.ops")``, ``who("manager:OPS")``, ``who("staff:LOG")``: a fresh User."""

    def resolve(key: str):
        kind, _, department = key.partition(":")
        if kind == "manager":
            return cast.manager(department)
        if kind == "staff":
            return cast.staff(department)
        return cast[key]

    return resolve
