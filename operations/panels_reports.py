"""Home panels of work reports: what is due or returned, what awaits review, open action items.

Each panel's context runs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.home import HomePanel
from operations.models import ActionItem, ReportKind, WorkReport
from operations.services import reports as services
from organization.models import Department
from organization.roles import Role, has_role

SHOWN = 5
#: A report of the running period shows as due when it is due within this many days.
DUE_SOON = dt.timedelta(days=3)

Status = WorkReport.Status


@dataclass
class DueReport:
    department: Department
    kind: str
    period_start: dt.date
    due_at: dt.datetime
    late: bool
    report: WorkReport | None

    @property
    def kind_label(self) -> str:
        return ReportKind(self.kind).label

    @property
    def url(self) -> str:
        if self.report is not None:
            return self.report.get_absolute_url()
        return (
            reverse("operations:report_create")
            + f"?kind={self.kind}&period_start={self.period_start.isoformat()}"
        )


def due_reports(user, *, now: dt.datetime) -> list[DueReport]:
    """Reports of the departments ``user`` heads that are late or due soon and not yet sent
    (five queries: departments, two schedules, reports)."""
    departments = list(Department.objects.filter(head__user=user, active=True).order_by("name"))
    if not departments:
        return []
    today = timezone.localdate(now)
    wanted: dict[str, list[dt.date]] = {}
    for kind in ReportKind.values:
        current = services.period_of(kind, today)[0]
        wanted[kind] = [services.previous_period_start(kind, current), current]
    existing = {
        (r.department_id, r.kind, r.period_start): r
        for r in WorkReport.objects.departmental().filter(
            department__in=departments,
            kind__in=list(wanted),
            period_start__in=sorted({s for starts in wanted.values() for s in starts}),
        )
    }
    due: list[DueReport] = []
    for kind, starts in wanted.items():
        schedules = services.schedules_by_department(kind)
        for department in departments:
            schedule = schedules.get(department.pk) or services.default_schedule(kind)
            if not schedule.active:
                continue
            for start in starts:
                report = existing.get((department.pk, kind, start))
                if report is not None and report.first_submitted_at is not None:
                    continue
                due_at = report.due_at if report else services.due_at_for(kind, start, schedule)
                if due_at < now or due_at - now <= DUE_SOON:
                    due.append(DueReport(department, kind, start, due_at, due_at < now, report))
    due.sort(key=lambda d: d.due_at)
    return due


def my_reports(request) -> dict | None:
    """For heads: their departments' reports late or due soon; for everyone: their reports
    returned for revision."""
    user = request.user
    now = timezone.now()
    due = due_reports(user, now=now) if has_role(user, Role.DEPARTMENT_HEAD) else []
    returned = list(
        WorkReport.objects.filter(status=Status.RETURNED)
        .filter(Q(author=user) | Q(individual=False, department__head__user=user))
        .select_related("department", "author")
        .order_by("due_at", "pk")[:SHOWN]
    )
    if not due and not returned:
        return None
    return {
        "due": due[:SHOWN],
        "due_count": len(due),
        "late_count": sum(1 for d in due if d.late),
        "returned": returned,
    }


def reports_to_review(request) -> dict | None:
    """For the COO: department reports awaiting review, oldest first, and the grid."""
    user = request.user
    if not has_role(user, Role.COO):
        return None
    waiting = (
        WorkReport.objects.departmental()
        .filter(status=Status.SUBMITTED)
        .select_related("department")
        .order_by("submitted_at", "pk")
    )
    reports = list(waiting[:SHOWN])
    count = waiting.count() if reports else 0
    return {"count": count, "reports": reports, "now": timezone.now()}


def individual_to_review(request) -> dict | None:
    """For managers: their direct reports' individual reports awaiting their review."""
    waiting = (
        WorkReport.objects.individual_reports()
        .filter(status=Status.SUBMITTED, reviewer=request.user)
        .select_related("author")
        .order_by("submitted_at", "pk")
    )
    reports = list(waiting[:SHOWN])
    if not reports:
        return None
    return {"count": waiting.count(), "reports": reports}


def my_action_items(request) -> dict | None:
    """Open or in-progress action items the user owns (two queries)."""
    today = timezone.localdate()
    mine = ActionItem.objects.filter(owner=request.user).open()
    totals = mine.aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    if not totals["count"]:
        return None
    return {
        "count": totals["count"],
        "overdue": totals["overdue"],
        "items": list(mine.select_related("department").order_by("due_date", "pk")[:SHOWN]),
        "today": today,
    }


PANELS = [
    HomePanel("reports_mine", "operations/panels/report_mine.html", my_reports, order=21),
    HomePanel(
        "reports_to_review", "operations/panels/report_to_review.html", reports_to_review, order=22
    ),
    HomePanel(
        "reports_individual_to_review",
        "operations/panels/report_individual_to_review.html",
        individual_to_review,
        order=23,
    ),
    HomePanel(
        "action_items_mine", "operations/panels/report_action_items.html", my_action_items, order=24
    ),
]
