"""The portal's roles: Django groups of the same names, created by a data migration.

Who holds which role is kept in ``auth_group`` membership; this module answers "does this user
hold role X" once per request (the answer is cached on the user object).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CEO = "ceo", _("CEO / general manager")
    COO = "coo", _("COO")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")
    AUDITOR = "auditor", _("Auditor")


#: Roles that see the whole company.
COMPANY_WIDE = frozenset({Role.CEO, Role.COO, Role.AUDITOR})
#: Roles that see their department and its sub-departments.
DEPARTMENT_SCOPED = frozenset({Role.DEPARTMENT_HEAD, Role.MANAGER})


def roles_of(user) -> frozenset[str]:
    """The role names ``user`` holds (empty for anonymous users)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_coo_roles", None)
    if cached is None:
        valid = set(Role.values)
        cached = frozenset(n for n in user.groups.values_list("name", flat=True) if n in valid)
        user._coo_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_company_wide(user) -> bool:
    """CEO, COO, auditor (and superusers, who administer the portal) see the whole company."""
    return bool(
        user and user.is_authenticated and (user.is_superuser or roles_of(user) & COMPANY_WIDE)
    )


# What a role may do is the permissions of its group (see the roles migration); the predicates
# below name the permission each part of the portal asks for, so that views, the API and the
# navigation agree.


def may_manage_organization(user) -> bool:
    """Create and change departments and people: the COO and administrators."""
    return bool(user and user.is_authenticated and user.has_perm("organization.change_person"))
