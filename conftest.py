"""Fixtures shared by every test: the demo cast, clients, and service requirements."""

from __future__ import annotations

import os

import pytest
from rest_framework.test import APIClient

from organization.demo import build_cast
from organization.models import User
from organization.roles import Role

#: The test company: a slice of the demo company (a parent with a child, and a sibling).
TEST_DEPARTMENTS = [
    ("OPS", "Operations", None),
    ("LOG", "Logistics", "OPS"),
    ("FIN", "Finance", None),
]


class Cast:
    """The named users of the test company, built by the demo-data code itself.

    ``cast["ceo"]``, ``cast["coo"]``, ``cast["auditor"]``, ``cast["head.ops"]``,
    ``cast["head.log"]``, ``cast["head.fin"]``; ``cast.manager("OPS")`` and
    ``cast.staff("LOG")`` give the department's manager and staff member.
    """

    def __init__(self, result):
        self.members = result.cast
        self._users = {u.username: u for u in User.objects.select_related("person")}

    def __getitem__(self, username: str) -> User:
        return User.objects.get(pk=self._users[username].pk)

    def _first(self, role: str, department: str) -> User:
        for member in self.members:
            if member.role == role and member.department == department:
                return self[member.username]
        raise LookupError(f"No {role} in {department}")

    def manager(self, department: str) -> User:
        return self._first(Role.MANAGER, department)

    def staff(self, department: str) -> User:
        return self._first(Role.STAFF, department)


@pytest.fixture
def cast(db) -> Cast:
    result = build_cast(departments=TEST_DEPARTMENTS, per_department=3, seed=7)
    return Cast(result)


def _clear_own_cache_keys() -> None:
    """Empty this run's part of the cache. On Redis, only the keys with this run's prefix go:
    ``cache.clear()`` would flush the whole Redis database, broker queues included."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            client.delete(*keys)
    else:
        backend.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttling, lockouts and job locks live in the cache: start every test with it empty."""
    _clear_own_cache_keys()
    yield
    _clear_own_cache_keys()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(api_client):
    """``api_as(user)``: an API client logged in (by session) as ``user``."""

    def login(user: User) -> APIClient:
        api_client.force_authenticate(user=None)
        api_client.force_login(user)
        return api_client

    return login


def require_service(name: str, available: bool, why: str = "") -> None:
    """Skip when a service is not configured; fail instead when REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    message = f"{name} is not configured{': ' + why if why else ''}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)
