"""The demo regulations: every state, acknowledgements partly done, and a second run adds
nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.db.models import Count

from approvals.models import State
from operations import demo
from operations.audience import audience_users
from operations.models import Acknowledgement, Regulation, RegulationVersion
from operations.tests.helpers import written
from organization.demo import DEPARTMENTS, build_cast


@pytest.fixture(scope="module")
def _demo_built_once(django_db_setup, django_db_blocker):
    """The small demo company's departments (those the demo regulations name), three people
    under each head to stay quick, then the demo regulations: built once for the module, in a
    transaction rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            build_cast(departments=DEPARTMENTS[:8], per_department=3, seed=7)
            outcome = demo.build(size="small", seed=7, today=date.today(), log=lambda message: None)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield outcome
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def demo_company(_demo_built_once, db):
    return _demo_built_once


def test_the_demo_has_regulations_in_every_state(demo_company):
    assert demo_company == f"{len(demo.REGULATIONS)} regulations created"
    states = set(RegulationVersion.objects.values_list("status", flat=True))
    assert states >= {
        State.DRAFT,
        State.SUBMITTED,
        State.APPROVED,
        State.RETURNED,
        State.PUBLISHED,
        State.SUPERSEDED,
        State.ARCHIVED,
    }
    kinds = set(Regulation.objects.values_list("kind", flat=True))
    assert kinds == set(Regulation.Kind.values)
    assert Regulation.objects.filter(department__isnull=True).exists()
    assert Regulation.objects.filter(department__isnull=False).exists()
    # Both languages.
    titles = set(Regulation.objects.values_list("title", flat=True))
    assert {"Código de conducta", "Travel and expenses policy"} <= titles
    # Procedures have their steps, returned items their reason.
    for version in RegulationVersion.objects.filter(regulation__kind=Regulation.Kind.PROCEDURE):
        assert version.steps.exists()
    assert all(
        RegulationVersion.objects.filter(status=State.RETURNED).values_list(
            "decision_note", flat=True
        )
    )
    # Every regulation in force has a review date.
    assert not Regulation.objects.filter(
        current_version__isnull=False, next_review_date__isnull=True
    ).exists()


def test_the_demo_acknowledgements_are_partly_done(demo_company):
    partly = []
    for version in RegulationVersion.objects.filter(status=State.PUBLISHED).annotate(
        acks=Count("acknowledgements")
    ):
        audience = audience_users(version.regulation).count()
        assert version.acks <= audience
        if 0 < version.acks < audience:
            partly.append(version)
    assert len(partly) >= 2
    # Nobody acknowledged a version outside its audience.
    for ack in Acknowledgement.objects.select_related("version__regulation", "user"):
        assert audience_users(ack.version.regulation).filter(pk=ack.user_id).exists()
    # Some versions in force are old enough to be reminded of.
    assert RegulationVersion.objects.filter(
        status=State.PUBLISHED, published_at__date__lt=date.today()
    ).exists()


def test_the_demo_is_built_once(demo_company):
    before = written()
    again = demo.build(size="small", seed=7, today=date.today(), log=lambda message: None)
    assert again == "0 regulations created"
    assert written() == before
