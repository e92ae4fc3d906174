"""Home panels for decisions: the CEO's pending decisions, and for the COO the decisions on
which the CEO asked for more information. Each runs a fixed number of queries."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from core.home import HomePanel
from operations.models import DecisionRequest
from operations.services.decisions import may_decide, may_escalate, queue_counts

SHOWN = 5
Status = DecisionRequest.Status


def ceo_pending(request: HttpRequest) -> dict | None:
    """Everything pending for the CEO, with the nearest deadlines first (two queries)."""
    user = request.user
    if not may_decide(user):
        return None
    today = timezone.localdate()
    pending = DecisionRequest.objects.for_user(user).pending()
    totals = queue_counts(user, today=today)
    return {
        "count": totals["total"],
        "overdue": totals["overdue"],
        "info_requested": totals["info_requested"],
        "decisions": list(pending.order_by("deadline", "pk")[:SHOWN]),
        "today": today,
    }


def coo_info_requested(request: HttpRequest) -> dict | None:
    """Decision requests waiting for the COO's answer (one query, two when there are many)."""
    user = request.user
    if not may_escalate(user):
        return None
    waiting = (
        DecisionRequest.objects.for_user(user)
        .filter(status=Status.INFO_REQUESTED)
        .order_by("deadline", "pk")
    )
    decisions = list(waiting[: SHOWN + 1])
    if not decisions:
        return None
    count = len(decisions) if len(decisions) <= SHOWN else waiting.count()
    return {"count": count, "decisions": decisions[:SHOWN], "today": timezone.localdate()}


PANELS = [
    HomePanel("decisions_pending", "operations/panels/decision_pending.html", ceo_pending, order=5),
    HomePanel(
        "decisions_info_requested",
        "operations/panels/decision_info_requested.html",
        coo_info_requested,
        order=6,
    ),
]
