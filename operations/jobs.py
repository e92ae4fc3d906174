"""The operations app's part of the periodic jobs."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from core import jobs
from operations.services import assignments, coordination, decisions, plans, reports
from operations.services.regulations import reminders_send
from organization.models import User
from organization.roles import Role
from organization.services.notifications import notification_send

jobs.register_reminders("regulations", reminders_send)
jobs.register_reminders("assignments", assignments.reminders_send)
jobs.register_reminders("work_reports", reports.reminders_send)
jobs.register_reminders("milestones", plans.milestones_mark_late)
jobs.register_reminders("coordination", coordination.reminders_send)
jobs.register_reminders("decisions", decisions.reminders_send)


@jobs.register(
    name="assignments_digest",
    description=gettext_lazy("Sends the CEO and the COO the open and overdue assignments."),
    period=jobs.weekly_period,
    crontab={"minute": "0", "hour": "7", "day_of_week": "1"},
)
def assignments_digest(*, period: str) -> str:
    """The weekly list of open and overdue assignments, for the CEO and the COO."""
    today = timezone.localdate()
    recipients = list(
        User.objects.filter(is_active=True, groups__name__in=[Role.CEO, Role.COO]).distinct()
    )
    sent = notification_send(
        recipients=recipients,
        title=gettext_lazy("Weekly assignments digest"),
        body=lambda: "\n".join(assignments.digest_lines(today=today)),
        url=reverse("operations:assignment_list") + "?scope=all",
        key=f"assignments_digest:{period}",
    )
    return f"Assignments digest for {period} sent to {len(sent)} people."
