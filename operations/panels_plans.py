"""Home panels of the annual plans: the user's pending milestones, and for the CEO and the COO
the company's plan progress this year. Each runs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from core.home import HomePanel
from operations.models import AnnualPlan, Milestone
from operations.services import plans as services
from organization.roles import Role, has_role

SHOWN = 5
OPEN = (*Milestone.PENDING, Milestone.Status.LATE)


def my_milestones(request) -> dict | None:
    """Milestones the user owns on plans in force that are not finished (two queries)."""
    user = request.user
    today = timezone.localdate()
    mine = Milestone.objects.for_user(user).in_force().filter(owner=user, status__in=OPEN)
    late = Q(status=Milestone.Status.LATE) | Q(due_date__lt=today)
    totals = mine.aggregate(count=Count("pk"), late=Count("pk", filter=late))
    if not totals["count"]:
        return None
    return {
        "count": totals["count"],
        "late": totals["late"],
        "milestones": list(
            mine.select_related("objective__revision__plan__department").order_by("due_date", "pk")[
                :SHOWN
            ]
        ),
        "today": today,
    }


def company_plan(request) -> dict | None:
    """For the CEO and the COO: this year's company figure, the company plan's own progress
    and the number of late milestones of the plans in force (two queries)."""
    user = request.user
    if not has_role(user, Role.CEO, Role.COO):
        return None
    year = timezone.localdate().year
    late = Q(current_revision__objectives__milestones__status=Milestone.Status.LATE)
    plans = list(
        AnnualPlan.objects.for_user(user)
        .filter(year=year)
        .annotate(late=Count("current_revision__objectives__milestones", filter=late))
        .values("pk", "department_id", "current_revision_id", "late")
    )
    in_force = [p["current_revision_id"] for p in plans if p["current_revision_id"]]
    figures = services.progress_by_revision(in_force)
    company = next((p for p in plans if p["department_id"] is None), None)
    plan_progress = None
    if company is not None and company["current_revision_id"]:
        plan_progress = figures.get(company["current_revision_id"], 0)
    return {
        "year": year,
        "plan_pk": company["pk"] if company else None,
        "plan_progress": plan_progress,
        # services.plans.company_progress, from the rows read above: every plan in force
        # counts equally.
        "company_figure": (
            round(sum(figures.get(pk, 0) for pk in in_force) / len(in_force)) if in_force else None
        ),
        "late": sum(p["late"] for p in plans),
    }


PANELS = [
    HomePanel(
        "plans_my_milestones", "operations/panels/plan_my_milestones.html", my_milestones, 22
    ),
    HomePanel("plans_company", "operations/panels/plan_company.html", company_plan, order=12),
]
