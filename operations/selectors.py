"""Reads of regulations that need care: what awaits a user, and acknowledgement compliance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet

from approvals.models import State
from operations.audience import audience_condition, audience_users
from operations.models import Acknowledgement, Regulation, RegulationVersion
from organization.models import Department, Person, User
from organization.scoping import descendants


def pending_acknowledgements(user: User) -> QuerySet[Regulation]:
    """Regulations in force, addressed to ``user``, whose version in force they have not
    acknowledged yet."""
    return (
        Regulation.objects.for_user(user)
        .filter(current_version__isnull=False, current_version__status=State.PUBLISHED)
        .filter(audience_condition(user))
        .exclude(
            Exists(
                Acknowledgement.objects.filter(version_id=OuterRef("current_version_id"), user=user)
            )
        )
        .select_related("current_version", "department")
        .order_by("current_version__published_at")
        .distinct()
    )


def reviews_due(user: User, *, today: date) -> QuerySet[Regulation]:
    """Regulations in force that ``user`` owns whose review falls due soon (or is overdue)."""
    return Regulation.objects.due_for_review(today).filter(owner=user).order_by("next_review_date")


def not_acknowledged(version: RegulationVersion) -> QuerySet[User]:
    """The people of a version's audience who have not acknowledged it."""
    return (
        audience_users(version.regulation)
        .exclude(Exists(Acknowledgement.objects.filter(version=version, user=OuterRef("pk"))))
        .select_related("person__department")
        .order_by("person__department__code", "last_name", "first_name")
    )


@dataclass
class ComplianceRow:
    department: Department | None
    required: int
    done: int

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.required if self.required else 100.0


def compliance_by_department(
    versions: list[RegulationVersion], *, departments: QuerySet[Department] | None = None
) -> tuple[list[ComplianceRow], ComplianceRow]:
    """Acknowledgements due and done, per department and overall, for the given versions in
    force (overall includes people without a department, unless ``departments`` limits it). A fixed number of queries, whatever the number of versions and people."""
    if not versions:
        return [], ComplianceRow(None, 0, 0)
    department_list = list(
        (departments if departments is not None else Department.objects.all()).order_by("code")
    )
    headcount = dict(
        Person.objects.filter(active=True, user__is_active=True, department__isnull=False)
        .values_list("department_id")
        .annotate(n=Count("pk"))
    )
    # Which departments each version is for.
    audience: dict[int, set[int] | None] = {}
    regulation_ids = {v.regulation_id for v in versions}
    chosen: dict[int, set[int]] = {}
    for regulation_id, department_id in Regulation.audience_departments.through.objects.filter(
        regulation_id__in=regulation_ids
    ).values_list("regulation_id", "department_id"):
        chosen.setdefault(regulation_id, set()).add(department_id)
    regulations = {
        r.pk: r for r in Regulation.objects.filter(pk__in=regulation_ids).only("audience_all")
    }
    for version in versions:
        if regulations[version.regulation_id].audience_all:
            audience[version.pk] = None
        else:
            audience[version.pk] = set(descendants(chosen.get(version.regulation_id, set())))
    done: dict[int, int] = {}
    for department_id, count in (
        Acknowledgement.objects.filter(
            version__in=versions, user__is_active=True, user__person__active=True
        )
        .values_list("user__person__department_id")
        .annotate(n=Count("pk"))
    ):
        done[department_id] = count
    rows = []
    for department in department_list:
        required = sum(
            headcount.get(department.pk, 0)
            for version in versions
            if audience[version.pk] is None or department.pk in audience[version.pk]
        )
        if required:
            rows.append(
                ComplianceRow(department, required, min(done.get(department.pk, 0), required))
            )
    required = sum(r.required for r in rows)
    acknowledged = sum(r.done for r in rows)
    if departments is None:
        # People without a department (the CEO, the COO, the auditor) are asked too, by every
        # version addressed to everyone: they count in the company's total.
        unplaced = Person.objects.filter(
            active=True, user__is_active=True, department__isnull=True
        ).count()
        everyone = sum(1 for version in versions if audience[version.pk] is None)
        required += unplaced * everyone
        acknowledged += min(done.get(None, 0), unplaced * everyone)
    return rows, ComplianceRow(None, required, acknowledged)


def versions_in_force(user: User) -> list[RegulationVersion]:
    """The versions in force of the regulations ``user`` sees (published ones are in force:
    a successor's publication marks its predecessor superseded)."""
    return list(
        RegulationVersion.objects.filter(
            status=State.PUBLISHED,
            regulation__in=Regulation.objects.for_user(user).values("pk"),
        )
    )


def may_oversee(user: User, regulation: Regulation) -> bool:
    """Who may see who has acknowledged a regulation: CEO, COO and auditor; heads and
    managers for the regulations of their departments."""
    from organization.roles import DEPARTMENT_SCOPED, roles_of
    from organization.scoping import scope_of

    scope = scope_of(user)
    if scope.company_wide:
        return True
    return bool(roles_of(user) & DEPARTMENT_SCOPED) and (
        regulation.department_id is not None and regulation.department_id in scope.department_ids
    )


def pending_acknowledgement_count(user: User) -> int:
    """For the navigation badge: one query per request (cached on the user object)."""
    if not user.is_authenticated:
        return 0
    cached = getattr(user, "_coo_pending_acks", None)
    if cached is None:
        cached = pending_acknowledgements(user).count()
        user._coo_pending_acks = cached
    return cached
