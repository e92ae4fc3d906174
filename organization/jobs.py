"""Periodic jobs of the organization app (registered in ``core.jobs``)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import jobs
from organization.models import Department, Person, User
from organization.roles import Role
from organization.services.notifications import notification_purge, notification_send


@jobs.register(
    name="housekeeping",
    description=gettext_lazy(
        "Removes expired sessions, old read notifications and old job-run records."
    ),
    period=jobs.daily_period,
    crontab={"minute": "30", "hour": "3"},
)
def housekeeping(*, period: str) -> str:
    sessions, _deleted = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    notifications = notification_purge(older_than_days=settings.NOTIFICATION_RETENTION_DAYS)
    runs = jobs.job_run_purge(
        older_than=timezone.localdate() - timedelta(days=settings.JOB_RUN_RETENTION_DAYS)
    )
    return (
        f"Removed {sessions} expired sessions, {notifications} read notifications "
        f"and {runs} old job runs."
    )


def week_bounds(period: str) -> tuple[date, date]:
    """The Monday and Sunday of the week before the ISO week ``period`` (``2026-W48``)."""
    year, week = period.split("-W")
    monday = date.fromisocalendar(int(year), int(week), 1)
    return monday - timedelta(days=7), monday - timedelta(days=1)


def digest_recipients() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name__in=[Role.CEO, Role.COO]).distinct()
    )


@jobs.register(
    name="weekly_digest",
    description=gettext_lazy("Sends the CEO and the COO the weekly operations digest."),
    period=jobs.weekly_period,
    crontab={"minute": "0", "hour": "7", "day_of_week": "1"},
)
def weekly_digest(*, period: str) -> str:
    """The week's organisational changes and gaps, for the CEO and the COO."""
    start, end = week_bounds(period)
    joined = list(
        Person.objects.filter(
            Q(hire_date__range=(start, end))
            | Q(hire_date__isnull=True, created_at__date__range=(start, end))
        )
        .select_related("user", "department")
        .order_by("department__code", "user__last_name")
    )
    headless = list(Department.objects.active().filter(head__isnull=True).order_by("code"))
    unplaced_count = Person.objects.unplaced().count()
    headcount = Person.objects.active().count()

    def body() -> str:
        lines = [
            _("Week from %(start)s to %(end)s.")
            % {"start": start.isoformat(), "end": end.isoformat()},
            _("Active people: %(count)d.") % {"count": headcount},
            "",
            _("Joined this week: %(count)d") % {"count": len(joined)},
        ]
        lines += [
            f"  - {p.full_name} ({p.department.code if p.department else '-'}, {p.position})"
            for p in joined
        ]
        lines += ["", _("Departments without a head: %(count)d") % {"count": len(headless)}]
        lines += [f"  - {d.code} {d.name}" for d in headless]
        lines += [
            "",
            _("People without a department: %(count)d") % {"count": unplaced_count},
        ]
        return "\n".join(lines)

    sent = notification_send(
        recipients=digest_recipients(),
        title=gettext_lazy("Weekly operations digest"),
        body=body,
        url=reverse("organization:department_list"),
        key=f"weekly_digest:{period}",
    )
    return f"Digest for {start}..{end} sent to {len(sent)} people."
