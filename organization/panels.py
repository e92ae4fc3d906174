"""The organization app's panels on the home page."""

from __future__ import annotations

from django.db.models import Count, Q

from core.home import HomePanel
from core.models import JobRun
from organization.models import Department, Notification, Person
from organization.roles import is_company_wide, roles_of


def my_department(request) -> dict | None:
    person = (
        Person.objects.filter(user=request.user)
        .select_related("department__head__user", "department__parent", "manager__user")
        .first()
    )
    if person is None:
        return None
    department = person.department
    colleagues = 0
    if department is not None:
        colleagues = department.members.filter(active=True).exclude(pk=person.pk).count()
    return {
        "person": person,
        "department": department,
        "colleagues": colleagues,
        "reports": person.reports.filter(active=True).count(),
        "roles": sorted(roles_of(request.user)),
    }


def my_notifications(request) -> dict | None:
    latest = list(Notification.objects.for_user(request.user).unread()[:5])
    return {"notifications": latest}


def company_overview(request) -> dict | None:
    if not is_company_wide(request.user):
        return None
    departments = Department.objects.active().aggregate(
        total=Count("pk"), headless=Count("pk", filter=Q(head__isnull=True))
    )
    people = {
        "total": Person.objects.active().count(),
        "unplaced": Person.objects.unplaced().count(),
    }
    top = list(
        Department.objects.active()
        .filter(parent__isnull=True)
        .with_headcount()
        .select_related("head__user")
        .order_by("code")
    )
    return {"departments": departments, "people": people, "top_departments": top}


def recent_job_runs(request) -> dict | None:
    if not request.user.has_perm("core.view_jobrun"):
        return None
    return {"runs": list(JobRun.objects.exclude(status=JobRun.Status.SKIPPED)[:5])}


PANELS = [
    HomePanel("my_department", "organization/panels/my_department.html", my_department, order=10),
    HomePanel(
        "notifications", "organization/panels/notifications.html", my_notifications, order=20
    ),
    HomePanel(
        "company", "organization/panels/company.html", company_overview, order=30, width="col-lg-12"
    ),
    HomePanel("job_runs", "organization/panels/job_runs.html", recent_job_runs, order=90),
]
