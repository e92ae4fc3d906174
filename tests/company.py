"""Fixtures shared by the organization, operations and approvals tests (imported by their
conftests).

The test company is built once per test module, in a transaction rolled back after the module:
the project's ``cast`` fixture still runs ``build_cast`` for every test, finds everything in
place and only reads the company back, which keeps the suites fast.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from conftest import TEST_DEPARTMENTS, Cast
from organization.demo import build_cast


@pytest.fixture(autouse=True)
def _default_language_and_time_zone():
    """Every test starts in the site's language and time zone (a request leaves the user's
    language active on the thread, as it does in a server)."""
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()


@pytest.fixture(scope="module")
def _company_built_once(django_db_setup, django_db_blocker):
    """The company, in a transaction rolled back after the module; yields a ``Cast`` for
    module-scoped fixtures (see :func:`built_once`)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            result = build_cast(departments=TEST_DEPARTMENTS, per_department=3, seed=7)
            module_cast = Cast(result)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield module_cast
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def built_once(django_db_blocker, module_cast, build):
    """Run ``build(cast)`` once for a module, in the module's transaction: every test of the
    module finds what it wrote, and each test's own transaction undoes what the test changes.
    ``build`` should return primary keys; tests read fresh objects from them."""
    with django_db_blocker.unblock(), translation.override(settings.LANGUAGE_CODE):
        return build(module_cast)


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
