"""Home panels for coordination: requests awaiting the department's first answer, the user's
requests resolved and awaiting confirmation, and for the COO the requests past their targets.

The two department panels share one aggregate query, and each lists its few requests only
when it has some; the COO's panel is one aggregate query.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from core.home import HomePanel
from operations.filtersets_coordination import (
    breached_q,
    inbox_q,
    outbox_q,
    resolution_breached_q,
    response_breached_q,
)
from operations.models import CoordinationRequest
from organization.roles import Role, has_role

Status = CoordinationRequest.Status
SHOWN = 5


def _speaks_for_a_department(user) -> bool:
    return has_role(user, Role.DEPARTMENT_HEAD, Role.MANAGER)


def _totals(request: HttpRequest) -> dict[str, int]:
    """The counts of both department panels, in one query shared by the two (kept on the
    request)."""
    cached = getattr(request, "_coordination_panel_totals", None)
    if cached is not None:
        return cached
    user = request.user
    now = timezone.now()
    waiting = inbox_q(user) & Q(status=Status.OPEN)
    totals = CoordinationRequest.objects.for_user(user).aggregate(
        to_answer=Count("pk", filter=waiting),
        to_answer_breached=Count("pk", filter=waiting & Q(response_due_at__lt=now)),
        to_confirm=Count("pk", filter=outbox_q(user) & Q(status=Status.RESOLVED)),
    )
    request._coordination_panel_totals = totals
    return totals


def to_answer(request: HttpRequest) -> dict | None:
    """Open requests to the user's departments (or handled by them), newest first."""
    user = request.user
    if not _speaks_for_a_department(user):
        return None
    totals = _totals(request)
    if not totals["to_answer"]:
        return None
    waiting = CoordinationRequest.objects.for_user(user).filter(inbox_q(user), status=Status.OPEN)
    return {
        "count": totals["to_answer"],
        "breached": totals["to_answer_breached"],
        "requests": list(
            waiting.select_related("from_department").order_by("-created_at", "-pk")[:SHOWN]
        ),
    }


def to_confirm(request: HttpRequest) -> dict | None:
    """The user's (or their departments') requests resolved and awaiting their confirmation."""
    user = request.user
    if not _speaks_for_a_department(user):
        return None
    count = _totals(request)["to_confirm"]
    if not count:
        return None
    resolved = CoordinationRequest.objects.for_user(user).filter(
        outbox_q(user), status=Status.RESOLVED
    )
    return {
        "count": count,
        "requests": list(
            resolved.select_related("to_department").order_by("resolved_at", "pk")[:SHOWN]
        ),
    }


def breached(request: HttpRequest) -> dict | None:
    """For the COO: requests still waiting and past a target (one aggregate query)."""
    if not has_role(request.user, Role.COO):
        return None
    now = timezone.now()
    totals = CoordinationRequest.objects.active().aggregate(
        count=Count("pk", filter=breached_q(now)),
        response=Count("pk", filter=response_breached_q(now)),
        resolution=Count("pk", filter=resolution_breached_q(now)),
    )
    return totals


PANELS = [
    HomePanel(
        "coordination_to_answer",
        "operations/panels/coordination_to_answer.html",
        to_answer,
        order=21,
    ),
    HomePanel(
        "coordination_to_confirm",
        "operations/panels/coordination_to_confirm.html",
        to_confirm,
        order=22,
    ),
    HomePanel(
        "coordination_breached",
        "operations/panels/coordination_breached.html",
        breached,
        order=23,
    ),
]
