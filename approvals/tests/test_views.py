"""The approval workflow's pages: the transition view, the inbox and its badge in the
navigation. They are exercised on regulation versions, the approvable model there is."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from approvals.models import Action, State
from approvals.registry import registration_for
from approvals.selectors import inbox_count
from operations.models import Regulation
from operations.tests.helpers import (
    count_queries,
    events_of,
    make,
    move,
    reload,
    said,
    state_name,
)
from organization.models import Notification

INBOX = reverse("approvals:inbox")


def transition_url(version, action: str) -> str:
    label = registration_for(version).label
    return reverse("approvals:transition", args=[label, version.pk, action])


@pytest.fixture
def submitted_rule(cast):
    """An OPS rule written and submitted by its head: the COO or the CEO decides."""
    regulation = make(
        cast["head.ops"], "Dock rule", kind=Regulation.Kind.DEPARTMENT_RULE, department_code="OPS"
    )
    return move(cast, regulation, Action.SUBMIT)


def test_an_allowed_move_is_made_and_said(
    cast, client, submitted_rule, django_capture_on_commit_callbacks
):
    coo = cast["coo"]
    client.force_login(coo)
    detail = submitted_rule.get_absolute_url()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            transition_url(submitted_rule, Action.APPROVE), {"note": "Fine.", "next": detail}
        )

    assert response.status_code == 302 and response["Location"] == detail
    version = reload(submitted_rule)
    assert (version.status, version.decided_by, version.decision_note) == (
        State.APPROVED,
        coo,
        "Fine.",
    )
    assert events_of(version)[-1] == (Action.APPROVE, State.SUBMITTED, State.APPROVED)
    # The author hears of it.
    assert Notification.objects.filter(
        recipient=cast["head.ops"], url=detail, body="Fine."
    ).exists()
    page = client.get(detail).content.decode()
    assert said(coo, "Approved.") in page
    assert 'data-testid="action-publish"' in page


def _refused(client, user, version, action: str, data=None):
    """POST a move that must be refused: the page says why, nothing changes."""
    before_status, before_events = reload(version).status, events_of(version)
    before_notifications = Notification.objects.count()
    client.force_login(user)
    response = client.post(transition_url(version, action), data or {}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == version.get_absolute_url()
    assert reload(version).status == before_status
    assert events_of(version) == before_events
    assert Notification.objects.count() == before_notifications
    return response.content.decode()


def test_a_forbidden_move_shows_why_and_changes_nothing(cast, client, submitted_rule):
    head = cast["head.ops"]
    page = _refused(client, head, submitted_rule, Action.APPROVE)
    assert said(head, "Only the COO or the CEO may approve or return department items.") in page


def test_the_auditor_may_not_decide(cast, client, submitted_rule):
    auditor = cast["auditor"]
    page = _refused(client, auditor, submitted_rule, Action.RETURN, {"note": "No."})
    assert said(auditor, "Only the COO or the CEO may approve or return department items.") in page


def test_nobody_approves_their_own_submission_on_the_page(cast, client):
    ceo = cast["ceo"]
    version = move(cast, make(ceo, "The CEO's own policy"), Action.SUBMIT)
    page = _refused(client, ceo, version, Action.APPROVE)
    assert said(ceo, "Nobody may approve or return their own submission.") in page


def test_a_move_from_the_wrong_state_shows_why(cast, client):
    coo = cast["coo"]
    version = make(cast["head.ops"], "Draft rule", department_code="OPS").latest_version
    page = _refused(client, coo, version, Action.APPROVE)
    with_names = said(
        coo,
        "This item is %(state)s: it cannot be moved by “%(action)s”.",
        state=state_name(coo, State.DRAFT),
        action=Action.APPROVE.label,
    )
    assert with_names in page


def test_returning_needs_a_reason(cast, client, submitted_rule):
    coo = cast["coo"]
    page = _refused(client, coo, submitted_rule, Action.RETURN, {"note": "   "})
    assert said(coo, "Give the reason for returning it.") in page
    client.post(transition_url(submitted_rule, Action.RETURN), {"note": "Say who drives."})
    version = reload(submitted_rule)
    assert (version.status, version.decision_note) == (State.RETURNED, "Say who drives.")
    page = client.get(version.get_absolute_url()).content.decode()
    assert "Say who drives." in page  # on the approval panel


def test_an_unknown_action_changes_nothing(cast, client, submitted_rule):
    coo = cast["coo"]
    page = _refused(client, coo, submitted_rule, "delete")
    assert said(coo, "Unknown action: %(action)s.", action="delete") in page


@pytest.mark.parametrize("role", ["head.fin", "staff:OPS", "manager:LOG"])
def test_what_one_may_not_see_is_not_found(who, client, submitted_rule, role):
    client.force_login(who(role))
    before = events_of(submitted_rule)
    response = client.post(transition_url(submitted_rule, Action.APPROVE))
    assert response.status_code == 404
    assert reload(submitted_rule).status == State.SUBMITTED
    assert events_of(submitted_rule) == before


def test_unknown_kinds_and_other_methods(cast, client, submitted_rule):
    client.force_login(cast["coo"])
    url = reverse("approvals:transition", args=["auth.user", submitted_rule.pk, "approve"])
    assert client.post(url).status_code == 404
    assert client.get(transition_url(submitted_rule, Action.APPROVE)).status_code == 405
    assert reload(submitted_rule).status == State.SUBMITTED


def test_the_anonymous_are_sent_to_log_in(client, submitted_rule):
    response = client.post(transition_url(submitted_rule, Action.APPROVE))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert reload(submitted_rule).status == State.SUBMITTED


def test_it_goes_back_only_to_our_own_pages(cast, client, submitted_rule):
    client.force_login(cast["coo"])
    response = client.post(
        transition_url(submitted_rule, Action.APPROVE), {"next": "https://evil.example/"}
    )
    assert response["Location"] == submitted_rule.get_absolute_url()


# -- the inbox and its badge --------------------------------------------------------------------


def _badge(response) -> int | None:
    for item in response.context["nav_items"]:
        if item["url"] == INBOX:
            return item["badge"]
    return None


@pytest.fixture
def awaiting(cast, submitted_rule):
    """The OPS rule (decided by the COO or the CEO) and a company-wide policy written by the
    COO (decided by the CEO only)."""
    policy = move(cast, make(cast["coo"], "Travel policy"), Action.SUBMIT)
    return submitted_rule, policy


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("ceo", ["Dock rule (v1)", "Travel policy (v1)"]),
        ("coo", ["Dock rule (v1)"]),  # and not their own submission
    ],
)
def test_the_inbox_and_the_badge_of_the_approvers(cast, client, awaiting, role, expected):
    user = cast[role]
    client.force_login(user)

    response = client.get(INBOX)

    assert response.status_code == 200
    items = [str(item) for section in response.context["sections"] for item in section["items"]]
    assert items == expected
    assert response.context["total"] == len(expected)
    assert _badge(response) == len(expected) == inbox_count(cast[role])
    page = response.content.decode()
    assert f'<span class="badge text-bg-warning">{len(expected)}</span>' in page
    for title in expected:
        assert title in page


def test_the_badge_follows_the_decisions(cast, client, awaiting):
    rule, _policy = awaiting
    client.force_login(cast["coo"])
    client.post(transition_url(rule, Action.APPROVE))
    assert _badge(client.get(INBOX)) == 0
    assert "Dock rule (v1)" not in client.get(INBOX).content.decode()
    client.force_login(cast["ceo"])
    assert _badge(client.get("/")) == 1


@pytest.mark.parametrize("role", ["auditor", "head.ops", "manager:OPS", "staff:LOG"])
def test_others_have_nothing_awaiting_them(who, client, awaiting, role):
    client.force_login(who(role))
    response = client.get(INBOX)
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert _badge(response) is None  # no Approvals item in their navigation
    assert 'data-testid="inbox"' not in response.content.decode()


def test_the_inbox_runs_the_same_queries_with_more_items(cast, client):
    def submit(count: int, start: int) -> None:
        for n in range(start, start + count):
            author = cast["coo"] if n % 2 else cast["head.ops"]
            regulation = make(author, f"Item {n:02d}", department_code=None if n % 2 else "OPS")
            move(cast, regulation, Action.SUBMIT)

    client.force_login(cast["ceo"])
    submit(3, 0)
    small = count_queries(client, INBOX)
    submit(12, 3)
    large = count_queries(client, INBOX)
    assert len(client.get(INBOX).context["sections"][0]["items"]) == 15
    assert large == small


# -- the buttons of the approval panel ----------------------------------------------------------


def button_targets(page: str) -> dict[str, str]:
    """The address each workflow button of a page posts to, by the button's action."""
    targets = {}
    for address, body in re.findall(
        r'<form method="post" action="([^"]*)"[^>]*>(.*?)</form>', page, re.S
    ):
        for action in re.findall(r'data-testid="action-(\w+)"', body):
            targets[action] = html.unescape(address)
    return targets


def test_the_buttons_post_to_the_transition_view(cast, client, submitted_rule):
    client.force_login(cast["coo"])
    page = client.get(submitted_rule.get_absolute_url()).content.decode()

    targets = button_targets(page)

    assert targets == {
        Action.APPROVE: transition_url(submitted_rule, Action.APPROVE),
        Action.RETURN: transition_url(submitted_rule, Action.RETURN),
    }
    response = client.post(targets[Action.APPROVE])
    assert response.status_code == 302
    assert reload(submitted_rule).status == State.APPROVED


def test_the_author_s_submit_button_submits(cast, client):
    version = make(cast["coo"], "Travel policy").latest_version
    client.force_login(cast["coo"])
    targets = button_targets(client.get(version.get_absolute_url()).content.decode())
    assert targets == {
        Action.SUBMIT: transition_url(version, Action.SUBMIT),
        Action.ARCHIVE: transition_url(version, Action.ARCHIVE),
    }
    assert client.post(targets[Action.SUBMIT]).status_code == 302
    assert reload(version).status == State.SUBMITTED
