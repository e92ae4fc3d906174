"""Work reports and their action items: schedules, timeliness, writing, review, reminders, grid.

Every write checks who asks and the report's status, records a :class:`WorkReportEvent` and
notifies the other side after commit. Refusals are ApplicationError (400), NotAllowed (403) or
NotFound (404); nothing is written when a write is refused.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import (
    ActionItem,
    ReportKind,
    ReportSchedule,
    WorkReport,
    WorkReportEvent,
    WorkReportKpi,
)
from organization.models import Department, Person, User
from organization.roles import Role, has_role
from organization.scoping import scope_of
from organization.services.notifications import notification_send

Status = WorkReport.Status

# -- schedules and periods ----------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When reports of one kind are due (a :class:`ReportSchedule` row or the defaults)."""

    kind: str
    weekday: int = 0
    day_of_month: int = 3
    due_time: dt.time = dt.time(12, 0)
    active: bool = True


def default_schedule(kind: str) -> Schedule:
    """Weekly reports by Monday 12:00 for the week before; monthly ones by the 3rd at 12:00."""
    return Schedule(kind=kind)


def schedules_by_department(kind: str) -> dict[int, Schedule]:
    """The schedules set for ``kind``, by department id, in one query (others use defaults)."""
    return {
        row.department_id: Schedule(
            kind=kind,
            weekday=row.weekday,
            day_of_month=row.day_of_month,
            due_time=row.due_time,
            active=row.active,
        )
        for row in ReportSchedule.objects.filter(kind=kind)
    }


@transaction.atomic
def schedules_set(*, user: User, rows: Iterable[tuple[Department, dict[str, Schedule]]]) -> int:
    """Set departments' report schedules (the COO only); returns how many rows changed.

    A schedule equal to the current one (or to the defaults, for a department without a row)
    is left alone. New schedules apply to reports started from then on.
    """
    if not has_role(user, Role.COO):
        raise NotAllowed(_("Only the COO sets the report schedules."))
    existing = {(s.department_id, s.kind): s for s in ReportSchedule.objects.select_for_update()}
    changed = 0
    for department, schedules in rows:
        for kind, wanted in schedules.items():
            row = existing.get((department.pk, kind))
            current = default_schedule(kind)
            if row is not None:
                current = Schedule(
                    kind=kind,
                    weekday=row.weekday,
                    day_of_month=row.day_of_month,
                    due_time=row.due_time,
                    active=row.active,
                )
            if current == wanted:
                continue
            ReportSchedule.objects.update_or_create(
                department=department,
                kind=kind,
                defaults={
                    "weekday": wanted.weekday,
                    "day_of_month": wanted.day_of_month,
                    "due_time": wanted.due_time,
                    "active": wanted.active,
                },
            )
            changed += 1
    return changed


def schedule_for(department: Department, kind: str) -> Schedule:
    return schedules_by_department(kind).get(department.pk) or default_schedule(kind)


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of ``kind`` that contains ``day``: a Monday-to-Sunday week or a month."""
    if kind == ReportKind.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def previous_period_start(kind: str, period_start: dt.date) -> dt.date:
    return period_of(kind, period_start - dt.timedelta(days=1))[0]


def next_period_start(kind: str, period_start: dt.date) -> dt.date:
    return period_of(kind, period_start)[1] + dt.timedelta(days=1)


def due_at_for(kind: str, period_start: dt.date, schedule: Schedule | None = None) -> dt.datetime:
    """When the report for the period starting ``period_start`` is due, as an aware datetime.

    Weekly: the schedule's weekday after the week (Monday means the day after it ends).
    Monthly: the schedule's day of the month after. The time is on the site's clocks
    (``TIME_ZONE``), whatever time zone the person asking has chosen.
    """
    schedule = schedule or default_schedule(kind)
    period_end = period_of(kind, period_start)[1]
    if kind == ReportKind.WEEKLY:
        day = period_end + dt.timedelta(days=1 + (schedule.weekday % 7))
    else:
        first_next = period_end + dt.timedelta(days=1)
        day = first_next.replace(day=schedule.day_of_month)
    return timezone.make_aware(
        dt.datetime.combine(day, schedule.due_time), timezone.get_default_timezone()
    )


def recent_period_starts(kind: str, count: int, today: dt.date) -> list[dt.date]:
    """The starts of the ``count`` periods ending with the last finished one, oldest first."""
    if count <= 0:
        return []
    start = previous_period_start(kind, period_of(kind, today)[0])
    starts = [start]
    for _i in range(count - 1):
        start = previous_period_start(kind, start)
        starts.append(start)
    return starts[::-1]


# -- who may do what ----------------------------------------------------------------------------


def may_write_for(user: User, department: Department | None) -> bool:
    """Department reports are written by heads of the department (or of a parent one)."""
    if department is None or not has_role(user, Role.DEPARTMENT_HEAD):
        return False
    return department.pk in scope_of(user).department_ids


def is_author_side(user: User, report: WorkReport) -> bool:
    if report.individual:
        return report.author_id == user.pk
    return report.author_id == user.pk or may_write_for(user, report.department)


def may_review(user: User, report: WorkReport) -> bool:
    """The COO reviews department reports; the manager named as reviewer, individual ones."""
    if report.individual:
        return report.reviewer_id == user.pk
    return has_role(user, Role.COO)


def may_raise_action_item(user: User, report: WorkReport) -> bool:
    return report.status in (Status.SUBMITTED, Status.REVIEWED) and (
        may_review(user, report) or is_author_side(user, report)
    )


def allowed_moves(user: User, report: WorkReport) -> set[str]:
    """What ``user`` may do to ``report`` now (for buttons and the API)."""
    moves: set[str] = set()
    if report.is_editable and is_author_side(user, report):
        moves.update({"edit", "submit"})
    if report.status == Status.SUBMITTED and may_review(user, report):
        moves.update({"return", "review"})
    if may_raise_action_item(user, report):
        moves.add("action_item")
    return moves


def _whole_number(raw) -> int | None:
    """``raw`` as a whole number (an int, an integral float or Decimal, or digits in a string);
    None for anything else, booleans and fractions included."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)


def _reviewers(report: WorkReport) -> list[User]:
    if report.individual:
        return [report.reviewer] if report.reviewer_id else []
    return list(User.objects.filter(is_active=True, groups__name=Role.COO))


# -- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    name: str
    value: Decimal
    unit: str = ""
    target: Decimal | None = None


def _decimal(raw, *, field: str, label: str, required: bool) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ApplicationError(
                _("Give the %(what)s of every KPI row.") % {"what": label}, field="kpis"
            )
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("“%(value)s” is not a number (%(what)s of a KPI row).")
            % {"value": raw, "what": label},
            field="kpis",
        ) from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ApplicationError(
            _("“%(value)s” is not a usable number (%(what)s of a KPI row).")
            % {"value": raw, "what": label},
            field="kpis",
        )
    return value.quantize(Decimal("0.01"))


def clean_kpis(rows: Iterable) -> list[KpiRow]:
    """KPI rows from dicts (``name``, ``value``, ``unit``, ``target``) or :class:`KpiRow`;
    entirely blank rows are dropped, half-filled ones refused with a clear message."""
    cleaned: list[KpiRow] = []
    for row in rows or []:
        if isinstance(row, KpiRow):
            cleaned.append(row)
            continue
        if not isinstance(row, dict):
            raise ApplicationError(
                _("Each KPI row needs a name, a value, a unit and a target."), field="kpis"
            )
        name = str(row.get("name") or "").strip()
        unit = str(row.get("unit") or "").strip()
        if not name and all(
            str(row.get(k) if row.get(k) is not None else "").strip() == ""
            for k in ("value", "unit", "target")
        ):
            continue
        if not name:
            raise ApplicationError(_("Give every KPI row a name."), field="kpis")
        if len(name) > 120 or len(unit) > 30:
            raise ApplicationError(
                _("KPI names are 120 characters at most and units 30."), field="kpis"
            )
        value = _decimal(row.get("value"), field="kpis", label=gettext("value"), required=True)
        target = _decimal(row.get("target"), field="kpis", label=gettext("target"), required=False)
        cleaned.append(KpiRow(name=name, value=value, unit=unit, target=target))
    if len(cleaned) > 30:
        raise ApplicationError(_("A report holds 30 KPI rows at most."), field="kpis")
    return cleaned


def _save_kpis(report: WorkReport, rows: Sequence[KpiRow]) -> None:
    report.kpis.all().delete()
    WorkReportKpi.objects.bulk_create(
        WorkReportKpi(
            report=report, order=i, name=r.name, value=r.value, unit=r.unit, target=r.target
        )
        for i, r in enumerate(rows)
    )


def _sections(values: dict) -> dict[str, str]:
    unknown = set(values) - set(WorkReport.SECTIONS)
    if unknown:
        raise ApplicationError(_("Unknown report sections: %s.") % ", ".join(sorted(unknown)))
    return {k: (v or "").strip() for k, v in values.items()}


def _record(report: WorkReport, *, user: User | None, source: str, note: str = "") -> None:
    WorkReportEvent.objects.create(
        report=report, actor=user, from_status=source, to_status=report.status, note=note
    )


def _notify(report: WorkReport, recipients: Iterable[User], title, *, body="", level="info"):
    recipients = [u for u in recipients if u is not None]
    url = report.get_absolute_url()
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients, title=title, body=body, url=url, level=level
        )
    )


@transaction.atomic
def report_create(
    *,
    user: User,
    kind: str,
    period_start: dt.date,
    department: Department | None = None,
    individual: bool = False,
    kpis: Iterable = (),
    **sections: str,
) -> WorkReport:
    """Start a report for one period as a draft.

    A department report is written by the head of ``department``; an individual report by
    anyone with a manager, for that manager to review. The period must have started.
    """
    if kind not in ReportKind.values:
        raise ApplicationError(_("Choose weekly or monthly."), field="kind")
    if not isinstance(period_start, dt.date):
        raise ApplicationError(_("Give the first day of the period."), field="period_start")
    start, end = period_of(kind, period_start)
    if start != period_start:
        message = (
            _("A weekly report starts on a Monday.")
            if kind == ReportKind.WEEKLY
            else _("A monthly report starts on the first day of the month.")
        )
        raise ApplicationError(message, field="period_start")
    if start > timezone.localdate():
        raise ApplicationError(
            _("A report cannot be written for a period that has not started."),
            field="period_start",
        )
    reviewer = None
    person = Person.objects.filter(user=user).select_related("manager__user").first()
    if individual:
        if person is None or person.manager_id is None or not person.manager.user.is_active:
            raise NotAllowed(_("Individual reports go to your manager, and you have none."))
        if person.department_id is None:
            raise ApplicationError(_("You belong to no department."), field="department")
        department = person.department
        reviewer = person.manager.user
        duplicate = WorkReport.objects.filter(
            individual=True, author=user, kind=kind, period_start=start
        )
    else:
        if department is None and person is not None and person.department_id:
            department = person.department
        if not may_write_for(user, department):
            raise NotAllowed(_("Department reports are written by the department's head."))
        duplicate = WorkReport.objects.filter(
            individual=False, department=department, kind=kind, period_start=start
        )
    if duplicate.exists():
        raise ApplicationError(
            _("There is already a %(kind)s report for the period starting %(date)s.")
            % {"kind": ReportKind(kind).label.lower(), "date": date_format(start)},
            field="period_start",
        )
    rows = clean_kpis(kpis)
    schedule = schedule_for(department, kind)
    report = WorkReport.objects.create(
        kind=kind,
        period_start=start,
        period_end=end,
        individual=individual,
        department=department,
        author=user,
        reviewer=reviewer,
        due_at=due_at_for(kind, start, schedule),
        **_sections(sections),
    )
    _save_kpis(report, rows)
    _record(report, user=user, source="")
    return report


def _lock(report: WorkReport, user: User) -> WorkReport:
    if not WorkReport.objects.for_user(user).filter(pk=report.pk).exists():
        raise NotFound(_("Not found."))
    return (
        WorkReport.objects.select_for_update(of=("self",))
        .select_related("department", "author", "reviewer")
        .get(pk=report.pk)
    )


@transaction.atomic
def report_update(
    *, report: WorkReport, user: User, kpis: Iterable | None = None, **sections: str
) -> WorkReport:
    """Change a draft or returned report's sections (and, when given, its KPI rows)."""
    report = _lock(report, user)
    if not is_author_side(user, report):
        raise NotAllowed(_("Only the report's author may change it."))
    if not report.is_editable:
        raise ApplicationError(
            _("A report that is %(status)s cannot be changed.")
            % {"status": report.get_status_display().lower()}
        )
    for name, value in _sections(sections).items():
        setattr(report, name, value)
    report.save()
    if kpis is not None:
        _save_kpis(report, clean_kpis(kpis))
    return report


def check_submittable(report: WorkReport) -> None:
    missing = [name for name in WorkReport.REQUIRED_SECTIONS if not getattr(report, name).strip()]
    if missing:
        labels = ", ".join(str(WorkReport._meta.get_field(n).verbose_name) for n in missing)
        raise ApplicationError(
            _("Fill in these sections before submitting: %(sections)s.") % {"sections": labels},
            field=missing[0],
        )


@transaction.atomic
def report_submit(*, report: WorkReport, user: User) -> WorkReport:
    """Send the report for review; the first submission fixes whether it was on time."""
    report = _lock(report, user)
    if not is_author_side(user, report):
        raise NotAllowed(_("Only the report's author may submit it."))
    if not report.is_editable:
        raise ApplicationError(
            _("A report that is %(status)s cannot be submitted.")
            % {"status": report.get_status_display().lower()}
        )
    check_submittable(report)
    now = timezone.now()
    source = report.status
    report.status = Status.SUBMITTED
    report.submitted_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.on_time = now <= report.due_at
    report.save()
    _record(report, user=user, source=source)
    _notify(
        report,
        [u for u in _reviewers(report) if u.pk != user.pk],
        lambda: gettext("Work report to review: {report}").format(report=report),
        level="warning",
    )
    return report


@transaction.atomic
def report_return(*, report: WorkReport, user: User, comment: str) -> WorkReport:
    """The reviewer sends a submitted report back for revision, saying why."""
    report = _lock(report, user)
    if not may_review(user, report):
        raise NotAllowed(_("Only the report's reviewer may return it."))
    if report.status != Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted report can be returned."))
    if not (comment or "").strip():
        raise ApplicationError(_("Say what needs revising."), field="comment")
    report.status = Status.RETURNED
    report.return_comment = comment.strip()
    report.save()
    _record(report, user=user, source=Status.SUBMITTED, note=report.return_comment)
    _notify(
        report,
        [report.author],
        lambda: gettext("Returned for revision: {report}").format(report=report),
        body=report.return_comment,
        level="warning",
    )
    return report


@transaction.atomic
def report_review(*, report: WorkReport, user: User, rating, comment: str = "") -> WorkReport:
    """The reviewer rates a submitted report's efficiency from 1 to 5; the time taken is kept."""
    report = _lock(report, user)
    if not may_review(user, report):
        raise NotAllowed(_("Only the report's reviewer may review it."))
    if report.status != Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted report can be reviewed."))
    rating = _whole_number(rating)
    if rating is None or not 1 <= rating <= 5:
        raise ApplicationError(_("The rating is a whole number from 1 to 5."), field="rating")
    now = timezone.now()
    report.status = Status.REVIEWED
    report.rating = rating
    report.review_comment = (comment or "").strip()
    report.reviewed_by = user
    report.reviewed_at = now
    report.review_duration = now - report.submitted_at
    report.save()
    _record(report, user=user, source=Status.SUBMITTED, note=report.review_comment)
    _notify(
        report,
        [report.author],
        lambda: gettext("Reviewed ({rating}/5): {report}").format(rating=rating, report=report),
        body=report.review_comment,
    )
    return report


# -- action items -------------------------------------------------------------------------------


def _check_owner(owner: User | None) -> None:
    if owner is None or not owner.is_active:
        raise ApplicationError(_("Choose an active person as the owner."), field="owner")


@transaction.atomic
def action_item_create(
    *,
    report: WorkReport,
    user: User,
    title: str,
    owner: User,
    due_date: dt.date,
    description: str = "",
) -> ActionItem:
    """Turn a problem of a submitted or reviewed report into a tracked action item."""
    report = _lock(report, user)
    if not may_raise_action_item(user, report):
        if report.status in (Status.SUBMITTED, Status.REVIEWED):
            raise NotAllowed(_("Only the report's author or reviewer may raise action items."))
        raise ApplicationError(_("Action items are raised from submitted reports."))
    if not (title or "").strip():
        raise ApplicationError(_("Name the problem."), field="title")
    _check_owner(owner)
    if due_date is None or due_date < timezone.localdate():
        raise ApplicationError(_("The due date cannot be in the past."), field="due_date")
    item = ActionItem.objects.create(
        report=report,
        department=report.department,
        title=title.strip(),
        description=(description or "").strip(),
        owner=owner,
        due_date=due_date,
        created_by=user,
    )
    if owner.pk != user.pk:
        url = item.get_absolute_url()
        transaction.on_commit(
            lambda: notification_send(
                recipients=[owner],
                title=lambda: gettext("New action item for you: {title}").format(title=item.title),
                url=url,
            )
        )
    return item


def may_manage_action_item(user: User, item: ActionItem) -> bool:
    """The owner, whoever raised it, the COO, and heads of its department."""
    return (
        item.owner_id == user.pk
        or item.created_by_id == user.pk
        or has_role(user, Role.COO)
        or may_write_for(user, item.department)
    )


ACTION_MOVES = {
    "start": ((ActionItem.Status.OPEN,), ActionItem.Status.IN_PROGRESS),
    "close": (ActionItem.ACTIVE, ActionItem.Status.CLOSED),
    "cancel": (ActionItem.ACTIVE, ActionItem.Status.CANCELLED),
    "reopen": ((ActionItem.Status.CLOSED, ActionItem.Status.CANCELLED), ActionItem.Status.OPEN),
}


def action_item_moves(user: User, item: ActionItem) -> list[str]:
    if not may_manage_action_item(user, item):
        return []
    return [m for m, (sources, _target) in ACTION_MOVES.items() if item.status in sources]


@transaction.atomic
def action_item_move(
    *, item: ActionItem, user: User, move: str, resolution: str = ""
) -> ActionItem:
    """Start, close (with the resolution), cancel or reopen an action item."""
    if not ActionItem.objects.for_user(user).filter(pk=item.pk).exists():
        raise NotFound(_("Not found."))
    item = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("department", "owner", "created_by")
        .get(pk=item.pk)
    )
    if move not in ACTION_MOVES:
        raise ApplicationError(_("Unknown action: %(action)s.") % {"action": move})
    if not may_manage_action_item(user, item):
        raise NotAllowed(_("Only the owner, whoever raised it or the COO may change it."))
    sources, target = ACTION_MOVES[move]
    if item.status not in sources:
        raise ApplicationError(
            _("This cannot be done to an action item that is %(status)s.")
            % {"status": item.get_status_display().lower()}
        )
    resolution = (resolution or "").strip()
    if move == "close" and not resolution:
        raise ApplicationError(_("Say how it was resolved."), field="resolution")
    if move in ("cancel", "reopen") and not resolution:
        raise ApplicationError(_("Give the reason."), field="resolution")
    item.status = target
    item.closed_at = timezone.now() if target == ActionItem.Status.CLOSED else None
    if move in ("close", "cancel"):
        item.resolution = resolution
    elif move == "reopen":
        item.resolution = ""
    item._change_reason = resolution
    item.save()
    others = {u for u in (item.owner, item.created_by) if u.pk != user.pk}
    if others:
        url = item.get_absolute_url()
        label = ActionItem.Status(target).label
        transaction.on_commit(
            lambda: notification_send(
                recipients=list(others),
                title=lambda: gettext("Action item {status}: {title}").format(
                    status=str(label).lower(), title=item.title
                ),
                body=resolution,
                url=url,
            )
        )
    return item


# -- reminders ----------------------------------------------------------------------------------


def _expected_departments() -> list[Department]:
    return list(
        Department.objects.filter(active=True, head__isnull=False, head__user__is_active=True)
        .select_related("head__user")
        .order_by("pk")
    )


def reminders_send(*, today: dt.date) -> dict[str, int]:
    """Daily: heads whose report is due tomorrow, or late and still not submitted; owners of
    overdue action items. Each reminder goes once per report (due) or once a day (late)."""
    departments = _expected_departments()
    counts = {"due": 0, "late": 0, "action_items": 0}
    tomorrow = today + dt.timedelta(days=1)
    site_zone = timezone.get_default_timezone()
    # Late means late by the end of ``today``, even when the job is run again for a past day.
    end_of_today = dt.datetime.combine(tomorrow, dt.time.min, tzinfo=site_zone)
    now = min(timezone.now(), end_of_today)
    for kind in ReportKind.values:
        schedules = schedules_by_department(kind)
        current = period_of(kind, today)[0]
        starts = [previous_period_start(kind, current), current]
        submitted = set(
            WorkReport.objects.departmental()
            .filter(kind=kind, period_start__in=starts, first_submitted_at__isnull=False)
            .values_list("department_id", "period_start")
        )
        for department in departments:
            schedule = schedules.get(department.pk) or default_schedule(kind)
            if not schedule.active:
                continue
            for start in starts:
                if (department.pk, start) in submitted:
                    continue
                due = due_at_for(kind, start, schedule)
                due_day = timezone.localtime(due, site_zone).date()
                label = ReportKind(kind).label
                if due_day == tomorrow:
                    key = f"report-due:{department.pk}:{kind}:{start.isoformat()}"
                    title = gettext_noop("{kind} report for {department} due tomorrow ({due})")
                    bucket, level = "due", "info"
                elif due < now:
                    key = f"report-late:{department.pk}:{kind}:{start.isoformat()}:{today}"
                    title = gettext_noop("{kind} report for {department} is late (was due {due})")
                    bucket, level = "late", "warning"
                else:
                    continue
                counts[bucket] += len(
                    notification_send(
                        recipients=[department.head.user],
                        title=lambda t=title, k=label, d=department, due=due: gettext(t).format(
                            kind=k,
                            department=d.name,
                            due=date_format(timezone.localtime(due), "SHORT_DATETIME_FORMAT"),
                        ),
                        url=_new_report_url(kind, start),
                        level=level,
                        key=key,
                    )
                )
    for item in ActionItem.objects.overdue(today).select_related("owner"):
        counts["action_items"] += len(
            notification_send(
                recipients=[item.owner],
                title=lambda i=item: gettext("Action item overdue since {date}: {title}").format(
                    date=date_format(i.due_date), title=i.title
                ),
                url=item.get_absolute_url(),
                level="warning",
                key=f"action-item-overdue:{item.pk}:{today.isoformat()}",
            )
        )
    return counts


def _new_report_url(kind: str, start: dt.date) -> str:
    from django.urls import reverse

    return reverse("operations:report_create") + f"?kind={kind}&period_start={start.isoformat()}"


# -- the COO's grid and figures -----------------------------------------------------------------


class Timeliness:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"


def timeliness(report: WorkReport | None, due: dt.datetime, now: dt.datetime) -> str:
    if report is not None and report.first_submitted_at is not None:
        return Timeliness.ON_TIME if report.on_time else Timeliness.LATE
    return Timeliness.MISSING if due < now else Timeliness.NOT_DUE


@dataclass
class GridCell:
    period_start: dt.date
    due_at: dt.datetime
    state: str
    report: WorkReport | None = None


@dataclass
class GridRow:
    department: Department
    cells: list[GridCell]

    @property
    def counts(self) -> dict[str, int]:
        out = {Timeliness.ON_TIME: 0, Timeliness.LATE: 0, Timeliness.MISSING: 0}
        for cell in self.cells:
            if cell.state in out:
                out[cell.state] += 1
        return out

    @property
    def average_rating(self) -> float | None:
        ratings = [c.report.rating for c in self.cells if c.report and c.report.rating]
        return sum(ratings) / len(ratings) if ratings else None


def timeliness_grid(
    *, kind: str, periods: int, today: dt.date, departments: Sequence[Department] | None = None
) -> tuple[list[dt.date], list[GridRow]]:
    """Department x period: on time, late, missing or not yet due, with each report's rating.

    Three queries whatever the number of departments and periods.
    """
    starts = recent_period_starts(kind, periods, today)
    if departments is None:
        departments = list(Department.objects.filter(active=True).order_by("name"))
    schedules = schedules_by_department(kind)
    reports = {
        (r.department_id, r.period_start): r
        for r in WorkReport.objects.departmental()
        .filter(kind=kind, period_start__in=starts, department__in=[d.pk for d in departments])
        .only(
            "pk",
            "department_id",
            "period_start",
            "status",
            "first_submitted_at",
            "on_time",
            "rating",
            "due_at",
        )
    }
    now = timezone.now()
    rows = []
    for department in departments:
        schedule = schedules.get(department.pk) or default_schedule(kind)
        if not schedule.active:
            continue
        cells = []
        for start in starts:
            report = reports.get((department.pk, start))
            due = report.due_at if report else due_at_for(kind, start, schedule)
            cells.append(GridCell(start, due, timeliness(report, due, now), report))
        rows.append(GridRow(department, cells))
    return starts, rows


def department_figures(
    *, department_ids: Iterable[int] | None = None, since: dt.date, until: dt.date
) -> dict[int, dict]:
    """Per department, department reports of the period: submitted, on time, average rating
    and average time to review, in one aggregate query (for dashboards and evaluations)."""
    queryset = WorkReport.objects.departmental().filter(
        period_start__gte=since, period_start__lte=until
    )
    if department_ids is not None:
        queryset = queryset.filter(department_id__in=list(department_ids))
    rows = queryset.values("department_id").annotate(
        reports=Count("pk"),
        submitted=Count("pk", filter=Q(first_submitted_at__isnull=False)),
        on_time=Count("pk", filter=Q(on_time=True)),
        average_rating=Avg("rating"),
        average_review=Avg("review_duration"),
    )
    return {row.pop("department_id"): row for row in rows}
