"""The demo coordination requests and decisions: a year of history, every state, built once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from operations import demo_assignments, demo_coordination, demo_decisions
from operations.models import (
    Assignment,
    CoordinationRequest,
    CoordinationUpdate,
    DecisionEvent,
    DecisionRequest,
)
from operations.services.coordination import department_figures
from organization.models import Notification

pytestmark = pytest.mark.django_db


def test_demo_coordination_a_year_of_requests_built_once(cast):
    today = timezone.localdate()
    summary = demo_coordination.build(size="small", seed=5, today=today, log=print)
    count = CoordinationRequest.objects.count()
    assert summary == f"{count} coordination requests"
    assert count == demo_coordination.PER_DEPARTMENT * 3  # the test company's three heads
    statuses = set(CoordinationRequest.objects.values_list("status", flat=True))
    assert {"closed", "declined"} <= statuses
    assert statuses & set(CoordinationRequest.ACTIVE)
    oldest = CoordinationRequest.objects.order_by("created_at").first().created_at
    assert oldest < timezone.now() - dt.timedelta(days=180)
    # Times are consistent: answered after asking, resolved after answering.
    for r in CoordinationRequest.objects.exclude(first_response_at=None):
        assert r.created_at <= r.first_response_at
        assert r.resolved_at is None or r.first_response_at <= r.resolved_at
        assert r.response_due_at > r.created_at
    # Every request has its thread; declined ones say why.
    assert not CoordinationRequest.objects.filter(updates=None).exists()
    assert not CoordinationRequest.objects.filter(status="declined", decline_reason="").exists()
    figures = department_figures(since=today - dt.timedelta(days=366), until=today)
    assert sum(f["received"] for f in figures.values()) == count
    assert all(0 <= f["answered_in_time_pct"] <= 100 for f in figures.values())
    # Notifications about finished requests are read; the waiting ones are not.
    closed_urls = [
        r.get_absolute_url() for r in CoordinationRequest.objects.filter(status="closed")
    ]
    assert not Notification.objects.filter(url__in=closed_urls, read_at=None).exists()

    updates = CoordinationUpdate.objects.count()
    assert demo_coordination.build(size="small", seed=5, today=today, log=print) == "already there"
    assert CoordinationRequest.objects.count() == count
    assert CoordinationUpdate.objects.count() == updates


def test_demo_decisions_every_state_with_links_and_follow_ups(cast):
    today = timezone.localdate()
    demo_assignments.build(size="small", seed=5, today=today, log=print)
    demo_coordination.build(size="small", seed=5, today=today, log=print)
    summary = demo_decisions.build(size="small", seed=5, today=today, log=print)
    assert summary == f"{demo_decisions.COUNT['small']} decision requests"
    statuses = set(DecisionRequest.objects.values_list("status", flat=True))
    assert statuses == set(DecisionRequest.Status.values)
    assert DecisionRequest.objects.pending().filter(deadline__lt=today).count() == 1
    decided = DecisionRequest.objects.filter(status="decided")
    assert not decided.filter(chosen_option=None).exists()
    assert not decided.filter(decided_at=None).exists()
    assert all(d.chosen_option.decision_id == d.pk for d in decided.select_related("chosen_option"))
    assert Assignment.objects.filter(decision__isnull=False).exists()
    assert DecisionRequest.objects.exclude(coordination_request=None, assignment=None).exists()
    # The log holds every step, in order.
    for decision in decided:
        actions = list(
            decision.events.order_by("created_at", "pk").values_list("action", flat=True)
        )
        assert actions[0] == DecisionEvent.Action.ESCALATED
        assert actions[-1] == DecisionEvent.Action.DECIDED
    assert demo_decisions.build(size="small", seed=5, today=today, log=print) == "already there"
    assert DecisionRequest.objects.count() == demo_decisions.COUNT["small"]
