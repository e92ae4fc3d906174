"""Who a regulation is for: everyone, or chosen departments and the departments below them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from organization.models import User
from organization.scoping import ancestors, descendants, scope_of


def user_department_chain(user) -> frozenset[int]:
    """The user's department and those above it (cached on the user for the request)."""
    cached = getattr(user, "_coo_department_chain", None)
    if cached is None:
        cached = ancestors(scope_of(user).own_department_id)
        user._coo_department_chain = cached
    return cached


def audience_condition(user, prefix: str = "") -> Q:
    """A filter on regulations (or, with ``prefix``, on rows pointing to one) that keeps those
    whose audience includes ``user``."""
    condition = Q(**{f"{prefix}audience_all": True})
    chain = user_department_chain(user)
    if chain:
        condition |= Q(**{f"{prefix}audience_departments__in": chain})
    return condition


def audience_users(regulation) -> QuerySet[User]:
    """The active people a regulation is for."""
    people = User.objects.filter(is_active=True, person__active=True)
    if regulation.audience_all:
        return people
    roots = set(regulation.audience_departments.values_list("pk", flat=True))
    return people.filter(person__department_id__in=descendants(roots))
