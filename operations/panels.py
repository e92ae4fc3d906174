"""The operations app's panels on the home page: what awaits the user about regulations.

Each panel's context runs a fixed number of queries, whatever the amount of data.
"""

from __future__ import annotations

from django.utils import timezone

from approvals.selectors import inbox_count, inbox_for
from core.home import HomePanel
from operations.selectors import pending_acknowledgements, reviews_due
from organization.roles import Role, has_role

SHOWN = 5


def to_acknowledge(request) -> dict | None:
    pending = pending_acknowledgements(request.user)
    count = pending.count()
    if not count:
        return None
    return {"count": count, "regulations": list(pending[:SHOWN])}


def awaiting_decision(request) -> dict | None:
    user = request.user
    count = inbox_count(user)
    if not count and not (user.is_superuser or has_role(user, Role.CEO, Role.COO)):
        return None
    items = []
    if count:
        for section in inbox_for(user):
            items += list(section.items[: SHOWN - len(items)])
            if len(items) >= SHOWN:
                break
    return {"count": count, "items": items}


def my_reviews_due(request) -> dict | None:
    today = timezone.localdate()
    due = reviews_due(request.user, today=today).select_related("department")
    regulations = list(due[: SHOWN + 1])
    if not regulations:
        return None
    count = len(regulations) if len(regulations) <= SHOWN else due.count()
    return {"count": count, "regulations": regulations[:SHOWN], "today": today}


def my_assignments(request) -> dict | None:
    """Open or in-progress assignments for the user or their department (two queries)."""
    from django.db.models import Count, Q

    from operations.models import Assignment

    today = timezone.localdate()
    active = Assignment.objects.mine(request.user).active()
    totals = active.aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    if not totals["count"]:
        return None
    return {
        "count": totals["count"],
        "overdue": totals["overdue"],
        "assignments": list(active.order_by("due_date", "pk")[:SHOWN]),
        "today": today,
    }


PANELS = [
    HomePanel(
        "regulations_to_acknowledge",
        "operations/panels/to_acknowledge.html",
        to_acknowledge,
        order=15,
    ),
    HomePanel(
        "approvals_awaiting_decision",
        "operations/panels/awaiting_decision.html",
        awaiting_decision,
        order=16,
    ),
    HomePanel(
        "regulations_reviews_due", "operations/panels/reviews_due.html", my_reviews_due, order=25
    ),
    HomePanel(
        "assignments_mine", "operations/panels/my_assignments.html", my_assignments, order=20
    ),
]
