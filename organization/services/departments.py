"""Departments: creating them and changing them without breaking the tree."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from organization.models import Department, Person
from organization.scoping import descendants

EDITABLE_FIELDS = ("code", "name", "description", "parent", "head", "active")


def _check_head(head: Person | None) -> None:
    if head is not None and not head.active:
        raise ApplicationError(
            _("The head of a department must be an active person."), field="head"
        )


def department_create(
    *,
    code: str,
    name: str,
    parent: Department | None = None,
    head: Person | None = None,
    description: str = "",
    active: bool = True,
) -> Department:
    """Create a department; the code is stored in capitals."""
    _check_head(head)
    department = Department(
        code=code.strip().upper(),
        name=name.strip(),
        parent=parent,
        head=head,
        description=description,
        active=active,
    )
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def department_update(*, department: Department, **changes) -> Department:
    """Change the given fields of a department.

    Refuses a parent that would make a loop (the department itself or one below it), and
    deactivating a department that still has active members or active sub-departments.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"department_update() got unknown fields: {', '.join(sorted(unknown))}")
    department = Department.objects.select_for_update().get(pk=department.pk)
    if "code" in changes:
        changes["code"] = changes["code"].strip().upper()
    parent = changes.get("parent", department.parent)
    if parent is not None and parent.pk in descendants({department.pk}):
        raise ApplicationError(
            _("A department cannot be placed under itself or one of its sub-departments."),
            field="parent",
        )
    if "head" in changes:
        _check_head(changes["head"])
    if changes.get("active") is False and department.active:
        if department.members.filter(active=True).exists():
            raise ApplicationError(
                _("Move or deactivate this department's people before deactivating it."),
                field="active",
            )
        if department.children.filter(active=True).exists():
            raise ApplicationError(
                _("Deactivate or move the sub-departments before deactivating this one."),
                field="active",
            )
    for field, value in changes.items():
        setattr(department, field, value)
    department.full_clean()
    department.save()
    return department
