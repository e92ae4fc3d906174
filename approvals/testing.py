"""The approval workflow's test matrix, run against every approvable model.

Each approvable model's tests subclass :class:`ApprovalMatrix` (with a name starting with
``Test``) and implement ``make_item``. The cast comes from the root conftest: company-wide items
are written by the COO and approved by the CEO; department items of OPS are written by
``head.ops`` and approved by the COO or the CEO.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from approvals.models import Action, ApprovalEvent, State
from approvals.selectors import inbox_count, inbox_for
from approvals.services import available_actions, transition
from core.exceptions import ApplicationError, NotAllowed, NotFound
from organization.models import Notification


class ApprovalMatrix:
    """Mix into a ``Test...`` class and implement :meth:`make_item`."""

    def make_item(self, cast, *, author, department_code: str | None):
        """Return a new draft object written by ``author`` for the department (or company)."""
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------
    def author(self, cast, department_code):
        return cast["coo"] if department_code is None else cast[f"head.{department_code.lower()}"]

    def item(self, cast, department_code="OPS"):
        return self.make_item(
            cast, author=self.author(cast, department_code), department_code=department_code
        )

    @staticmethod
    def events(obj):
        return ApprovalEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        )

    @staticmethod
    def reload(obj):
        return type(obj).objects.get(pk=obj.pk)

    # -- the matrix --------------------------------------------------------------------------
    @pytest.mark.parametrize(("department_code", "approver"), [(None, "ceo"), ("OPS", "coo")])
    def test_draft_to_archive(
        self, cast, department_code, approver, django_capture_on_commit_callbacks
    ):
        obj = self.item(cast, department_code)
        author = self.author(cast, department_code)
        assert obj.status == State.DRAFT
        with django_capture_on_commit_callbacks(execute=True):
            obj = transition(obj=obj, action=Action.SUBMIT, user=author)
        assert (obj.status, obj.submitted_by) == (State.SUBMITTED, author)
        # The approvers hear of it; the author does not notify themselves.
        notified = set(Notification.objects.values_list("recipient__username", flat=True))
        assert approver in notified and author.username not in notified
        obj = transition(obj=obj, action=Action.APPROVE, user=cast[approver], note="Fine.")
        assert (obj.status, obj.decided_by, obj.decision_note) == (
            State.APPROVED,
            cast[approver],
            "Fine.",
        )
        obj = transition(obj=obj, action=Action.PUBLISH, user=cast[approver])
        assert obj.status == State.PUBLISHED and obj.published_at is not None
        obj = transition(obj=obj, action=Action.ARCHIVE, user=cast[approver])
        assert obj.status == State.ARCHIVED
        moves = list(
            self.events(obj).values_list("action", "from_state", "to_state", "actor__username")
        )
        assert moves == [
            (Action.SUBMIT, State.DRAFT, State.SUBMITTED, author.username),
            (Action.APPROVE, State.SUBMITTED, State.APPROVED, approver),
            (Action.PUBLISH, State.APPROVED, State.PUBLISHED, approver),
            (Action.ARCHIVE, State.PUBLISHED, State.ARCHIVED, approver),
        ]

    def test_return_needs_a_reason_and_can_be_resubmitted(self, cast):
        obj = self.item(cast)
        author = self.author(cast, "OPS")
        obj = transition(obj=obj, action=Action.SUBMIT, user=author)
        with pytest.raises(ApplicationError) as refused:
            transition(obj=obj, action=Action.RETURN, user=cast["coo"], note="  ")
        assert refused.value.field == "note"
        assert self.reload(obj).status == State.SUBMITTED
        obj = transition(obj=obj, action=Action.RETURN, user=cast["coo"], note="Add the scope.")
        assert (obj.status, obj.decision_note) == (State.RETURNED, "Add the scope.")
        obj = transition(obj=obj, action=Action.SUBMIT, user=author)
        assert obj.status == State.SUBMITTED and obj.decision_note == ""

    @pytest.mark.parametrize(
        ("department_code", "who"),
        [
            (None, "coo"),  # company-wide items are the CEO's to approve
            (None, "auditor"),
            (None, "head.ops"),
            ("OPS", "head.ops"),  # a head does not approve their own department's items
            ("OPS", "auditor"),
        ],
    )
    def test_who_may_not_approve(self, cast, department_code, who):
        obj = self.item(cast, department_code)
        obj = transition(obj=obj, action=Action.SUBMIT, user=self.author(cast, department_code))
        before = self.events(obj).count()
        with pytest.raises((NotAllowed, NotFound)):
            transition(obj=obj, action=Action.APPROVE, user=cast[who])
        assert self.reload(obj).status == State.SUBMITTED
        assert self.events(obj).count() == before

    def test_nobody_approves_their_own_submission(self, cast):
        # The CEO may write company-wide items too, but may not approve what they submitted.
        obj = self.make_item(cast, author=cast["ceo"], department_code=None)
        obj = transition(obj=obj, action=Action.SUBMIT, user=cast["ceo"])
        with pytest.raises(NotAllowed) as refused:
            transition(obj=obj, action=Action.APPROVE, user=cast["ceo"])
        assert "own submission" in str(refused.value.message)
        assert self.reload(obj).status == State.SUBMITTED

    @pytest.mark.parametrize(
        ("action", "state_moves"),
        [
            (Action.APPROVE, []),  # a draft is not approved before it is submitted
            (Action.PUBLISH, [Action.SUBMIT]),  # nor published before it is approved
            (Action.SUBMIT, [Action.SUBMIT]),  # nor submitted twice
            (Action.RETURN, []),
        ],
    )
    def test_moves_from_the_wrong_state_are_refused(self, cast, action, state_moves):
        obj = self.item(cast)
        for move in state_moves:
            obj = transition(obj=obj, action=move, user=self.author(cast, "OPS"))
        status, before = obj.status, self.events(obj).count()
        with pytest.raises(ApplicationError) as refused:
            transition(obj=obj, action=action, user=cast["ceo"], note="x")
        assert "cannot be moved" in str(refused.value.message)
        assert self.reload(obj).status == status
        assert self.events(obj).count() == before

    def test_out_of_scope_is_not_found(self, cast):
        obj = self.item(cast, "OPS")
        with pytest.raises(NotFound):
            transition(obj=obj, action=Action.SUBMIT, user=cast["head.fin"])

    def test_inbox_and_available_actions(self, cast):
        company = self.item(cast, None)
        department = self.item(cast, "OPS")
        transition(obj=company, action=Action.SUBMIT, user=self.author(cast, None))
        department = transition(obj=department, action=Action.SUBMIT, user=self.author(cast, "OPS"))
        ceo_items = [
            i.pk for s in inbox_for(cast["ceo"]) for i in s.items if isinstance(i, type(company))
        ]
        coo_items = [
            i.pk for s in inbox_for(cast["coo"]) for i in s.items if isinstance(i, type(company))
        ]
        assert set(ceo_items) == {company.pk, department.pk}
        # The COO submitted the company-wide item and may not decide on it anyway.
        assert coo_items == [department.pk]
        assert inbox_count(cast["head.ops"]) == 0
        assert set(available_actions(obj=department, user=cast["coo"])) == {
            Action.APPROVE,
            Action.RETURN,
        }
        assert available_actions(obj=department, user=cast.staff("LOG")) == []
