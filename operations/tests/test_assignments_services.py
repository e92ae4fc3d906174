"""The assignment state machine: every allowed and refused move, role by role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core import jobs
from core.exceptions import ApplicationError, NotAllowed
from operations.models import Assignment, AssignmentUpdate
from operations.services.assignments import (
    allowed_moves,
    assignment_cancel,
    assignment_comment,
    assignment_complete,
    assignment_confirm,
    assignment_create,
    assignment_reopen,
    assignment_start,
    reminders_send,
)
from organization.models import Department, Notification

pytestmark = pytest.mark.django_db

S = Assignment.Status


def soon():
    return timezone.localdate() + timedelta(days=7)


def give(by, *, to=None, department=None, title="Count the pallets"):
    return assignment_create(
        user=by, title=title, due_date=soon(), assignee=to, department=department
    )


def dept(code):
    return Department.objects.get(code=code)


def fresh(assignment):
    return Assignment.objects.get(pk=assignment.pk)


def test_ceo_and_coo_assign_and_the_ceo_is_remembered(cast):
    from_ceo = give(cast["ceo"], to=cast.staff("LOG"))
    from_coo = give(cast["coo"], department=dept("FIN"))
    assert from_ceo.from_ceo and not from_coo.from_ceo
    assert from_ceo.status == S.OPEN
    assert from_ceo.updates.get().to_status == S.OPEN


@pytest.mark.parametrize("who", ["auditor", "head.ops", "manager:OPS", "staff:LOG"])
def test_only_ceo_or_coo_assign(cast, who):
    user = {"manager:OPS": lambda: cast.manager("OPS"), "staff:LOG": lambda: cast.staff("LOG")}
    user = user[who]() if who in user else cast[who]
    with pytest.raises(NotAllowed, match="Only the CEO or the COO"):
        give(user, to=cast.staff("LOG"))
    assert not Assignment.objects.exists()


def test_past_due_date_refused_and_nothing_written(cast):
    with pytest.raises(ApplicationError, match="cannot be in the past") as info:
        assignment_create(
            user=cast["coo"],
            title="Late already",
            due_date=timezone.localdate() - timedelta(days=1),
            assignee=cast.staff("LOG"),
        )
    assert info.value.field == "due_date"
    assert not Assignment.objects.exists() and not AssignmentUpdate.objects.exists()


@pytest.mark.parametrize("both", [True, False])
def test_exactly_one_target(cast, both):
    with pytest.raises(ApplicationError, match="one person or to one department") as info:
        assignment_create(
            user=cast["coo"],
            title="Whose?",
            due_date=soon(),
            assignee=cast.staff("LOG") if both else None,
            department=dept("LOG") if both else None,
        )
    assert info.value.field == "assignee"
    assert not Assignment.objects.exists()


def test_the_whole_way_with_every_change_kept(cast, django_capture_on_commit_callbacks):
    coo, staff = cast["coo"], cast.staff("LOG")
    with django_capture_on_commit_callbacks(execute=True):
        a = give(coo, to=staff)
    assert Notification.objects.filter(recipient=staff).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        a = assignment_start(assignment=a, user=staff)
        assignment_comment(assignment=a, user=staff, text="On it.")
        a = assignment_complete(assignment=a, user=staff)
    assert a.status == S.DONE and a.done_at
    assert Notification.objects.filter(recipient=coo).count() == 3
    assert allowed_moves(staff, a) == {"comment"}
    assert allowed_moves(coo, a) == {"confirm", "reopen", "comment"}
    a = assignment_reopen(assignment=a, user=coo, reason="Missing March.")
    assert a.status == S.IN_PROGRESS and a.reopen_count == 1 and a.done_at is None
    a = assignment_complete(assignment=a, user=staff)
    a = assignment_confirm(assignment=a, user=coo)
    assert a.status == S.CLOSED and a.closed_at
    moves = list(a.updates.values_list("kind", "from_status", "to_status", "author__username"))
    assert moves == [
        ("status", "", S.OPEN, "coo"),
        ("status", S.OPEN, S.IN_PROGRESS, staff.username),
        ("comment", "", "", staff.username),
        ("status", S.IN_PROGRESS, S.DONE, staff.username),
        ("status", S.DONE, S.IN_PROGRESS, "coo"),
        ("status", S.IN_PROGRESS, S.DONE, staff.username),
        ("status", S.DONE, S.CLOSED, "coo"),
    ]
    assert a.updates.get(from_status=S.DONE, to_status=S.IN_PROGRESS).text == "Missing March."


def test_only_the_assigner_confirms_or_reopens(cast):
    staff = cast.staff("LOG")
    a = give(cast["coo"], to=staff)
    assignment_start(assignment=a, user=staff)
    a = assignment_complete(assignment=a, user=staff)
    for user in (staff, cast["ceo"], cast["auditor"], cast["head.log"]):
        with pytest.raises(NotAllowed, match="Only the person who assigned it"):
            assignment_confirm(assignment=a, user=user)
        with pytest.raises(NotAllowed, match="Only the person who assigned it"):
            assignment_reopen(assignment=a, user=user, reason="Again")
    assert fresh(a).status == S.DONE
    assert a.updates.count() == 3


def test_reopen_needs_a_reason(cast):
    staff = cast.staff("LOG")
    a = give(cast["coo"], to=staff)
    a = assignment_complete(assignment=a, user=staff)
    with pytest.raises(ApplicationError, match="Say why") as info:
        assignment_reopen(assignment=a, user=cast["coo"], reason="  ")
    assert info.value.field == "reason"
    assert fresh(a).status == S.DONE and fresh(a).reopen_count == 0


def test_moves_refused_in_the_wrong_state(cast):
    coo, staff = cast["coo"], cast.staff("LOG")
    a = give(coo, to=staff)
    with pytest.raises(ApplicationError, match="open"):
        assignment_confirm(assignment=a, user=coo)
    with pytest.raises(ApplicationError):
        assignment_reopen(assignment=a, user=coo, reason="Why not")
    a = assignment_start(assignment=a, user=staff)
    with pytest.raises(ApplicationError, match="in progress"):
        assignment_start(assignment=a, user=staff)
    a = assignment_cancel(assignment=a, user=coo)
    assert a.status == S.CANCELLED
    for move in (assignment_start, assignment_complete):
        with pytest.raises(ApplicationError, match="cancelled"):
            move(assignment=a, user=staff)
    with pytest.raises(ApplicationError, match="cancelled"):
        assignment_cancel(assignment=a, user=coo)
    b = give(coo, to=staff, title="Other")
    b = assignment_complete(assignment=b, user=staff)
    with pytest.raises(ApplicationError, match="done"):
        assignment_cancel(assignment=b, user=coo)
    b = assignment_confirm(assignment=b, user=coo)
    with pytest.raises(ApplicationError, match="closed"):
        assignment_reopen(assignment=b, user=coo, reason="Again")


def test_only_the_assignee_side_works_on_it(cast):
    a = give(cast["coo"], to=cast.staff("LOG"))
    for user in (cast["coo"], cast["ceo"], cast.staff("FIN"), cast["head.fin"]):
        with pytest.raises(NotAllowed, match="Only the assignee"):
            assignment_start(assignment=a, user=user)
    with pytest.raises(NotAllowed):
        assignment_cancel(assignment=a, user=cast.staff("LOG"))
    with pytest.raises(NotAllowed):
        assignment_comment(assignment=a, user=cast.staff("FIN"), text="Hi")
    assert fresh(a).status == S.OPEN and a.updates.count() == 1


def test_department_assignment_is_worked_by_its_people(cast):
    a = give(cast["ceo"], department=dept("LOG"))
    with pytest.raises(NotAllowed):
        assignment_start(assignment=a, user=cast.staff("FIN"))
    a = assignment_start(assignment=a, user=cast.staff("LOG"))
    a = assignment_complete(assignment=a, user=cast["head.ops"])  # head of the parent
    assert a.status == S.DONE


def test_overdue_reminders_are_sent_once_a_day(cast):
    staff = cast.staff("LOG")
    a = give(cast["coo"], to=staff)
    give(cast["coo"], to=staff, title="Not late")
    Assignment.objects.filter(pk=a.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    today = timezone.localdate()
    assert reminders_send(today=today) == {"overdue": 1}
    assert reminders_send(today=today) == {"overdue": 0}
    assert (
        Notification.objects.filter(recipient=staff, key__startswith="assignment-overdue").count()
        == 1
    )
    assert reminders_send(today=today + timedelta(days=1)) == {"overdue": 1}
    assignment_complete(assignment=a, user=staff)
    assert reminders_send(today=today + timedelta(days=2)) == {"overdue": 0}


def test_daily_job_includes_assignments(cast):
    a = give(cast["coo"], to=cast.staff("LOG"))
    Assignment.objects.filter(pk=a.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    run = jobs.job_run(name="daily_reminders")
    assert "assignments.overdue: 1" in run.outcome


def test_weekly_digest_goes_to_ceo_and_coo_once(cast):
    a = give(cast["coo"], to=cast.staff("LOG"), title="Late one")
    Assignment.objects.filter(pk=a.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    give(cast["ceo"], department=dept("FIN"))
    period = jobs.weekly_period(timezone.now())
    jobs.job_run(name="assignments_digest", period=period)
    jobs.job_run(name="assignments_digest", period=period)
    jobs.job_run(name="assignments_digest", period=period, force=True)
    digests = Notification.objects.filter(key=f"assignments_digest:{period}")
    assert sorted(digests.values_list("recipient__username", flat=True)) == ["ceo", "coo"]
    body = digests.first().body
    assert "Open assignments: 2." in body and "Overdue: 1." in body and "Late one" in body
