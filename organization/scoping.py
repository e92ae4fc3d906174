"""Who may see what: computed once per request and cached on the user object.

Every model's ``for_user`` queryset method asks :func:`scope_of`; no view filters by
department on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from organization.roles import DEPARTMENT_SCOPED, is_company_wide, roles_of


@dataclass(frozen=True)
class Scope:
    company_wide: bool
    department_ids: frozenset[int]
    """The departments the user oversees, sub-departments included (empty if none)."""
    person_id: int | None
    own_department_id: int | None = None

    def covers_department(self, department_id: int | None) -> bool:
        return self.company_wide or (
            department_id is not None and department_id in self.department_ids
        )


NOBODY = Scope(company_wide=False, department_ids=frozenset(), person_id=None)


def descendants(department_ids: set[int]) -> frozenset[int]:
    """The given departments and everything below them, in one query."""
    from organization.models import Department

    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(department_ids)
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.add(pk)
        stack.extend(children.get(pk, ()))
    return frozenset(found)


def scope_of(user) -> Scope:
    if user is None or not user.is_authenticated:
        return NOBODY
    cached = getattr(user, "_coo_scope", None)
    if cached is not None:
        return cached
    from organization.models import Person

    person = Person.objects.filter(user=user).only("pk", "department_id").first()
    person_id = person.pk if person else None
    own = person.department_id if person else None
    if is_company_wide(user):
        scope = Scope(True, frozenset(), person_id, own)
    elif person is not None and roles_of(user) & DEPARTMENT_SCOPED:
        roots = set(person.headed_departments.values_list("pk", flat=True))
        if person.department_id:
            roots.add(person.department_id)
        scope = Scope(False, descendants(roots), person_id, own)
    else:
        scope = Scope(False, frozenset(), person_id, own)
    user._coo_scope = scope
    return scope


def ancestors(department_id: int | None) -> frozenset[int]:
    """The department and every department above it, in one query."""
    from organization.models import Department

    if department_id is None:
        return frozenset()
    parents = dict(Department.objects.values_list("pk", "parent_id"))
    found: set[int] = set()
    current: int | None = department_id
    while current is not None and current not in found:
        found.add(current)
        current = parents.get(current)
    return frozenset(found)


def forget(user) -> None:
    """Drop the cached roles and scope (after changing them in the same request)."""
    for attr in ("_coo_scope", "_coo_roles"):
        if hasattr(user, attr):
            delattr(user, attr)
