"""The demo assignments: every state, some overdue, deterministic and built once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from operations import demo_assignments
from operations.models import Assignment

pytestmark = pytest.mark.django_db


def test_demo_assignments_every_state_and_idempotent(cast):
    today = timezone.localdate()
    summary = demo_assignments.build(size="small", seed=3, today=today, log=print)
    assert summary == f"{len(demo_assignments.TITLES)} assignments created"
    statuses = set(Assignment.objects.values_list("status", flat=True))
    assert statuses == set(Assignment.Status.values)
    assert Assignment.objects.overdue(today).exists()
    assert Assignment.objects.filter(reopen_count=1).exists()
    assert Assignment.objects.filter(department__isnull=False).exists()
    assert Assignment.objects.filter(from_ceo=True).exists()
    assert Assignment.objects.filter(from_ceo=False).exists()
    before = list(Assignment.objects.order_by("pk").values_list("title", "status", "priority"))
    assert demo_assignments.build(size="small", seed=3, today=today, log=print) == (
        "0 assignments created"
    )
    assert list(Assignment.objects.order_by("pk").values_list("title", "status", "priority")) == (
        before
    )
