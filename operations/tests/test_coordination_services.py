"""Coordination requests: the state machine move by move, sides and the COO, service levels and
breaches, the figures per department, the matrix, reminders and scoping per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core import jobs
from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import (
    CoordinationAttachment,
    CoordinationRequest,
    CoordinationUpdate,
    ServiceLevel,
)
from operations.services.coordination import (
    allowed_moves,
    attachment_add,
    department_figures,
    open_matrix,
    reminders_send,
    request_comment,
    request_create,
    request_move,
    request_reassign,
    service_level_set,
    service_levels,
)
from operations.tests.helpers import PDF_BYTES, titled, upload
from organization.models import Department, Notification

pytestmark = pytest.mark.django_db

S = CoordinationRequest.Status


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def soon(days: int = 7):
    return timezone.localdate() + timedelta(days=days)


def ask(by, to: str = "FIN", *, frm: str | None = None, priority: str = "normal", subject="Stock"):
    return request_create(
        user=by,
        to_department=dept(to),
        from_department=dept(frm) if frm else None,
        subject=subject,
        details="Numbers for the audit.",
        needed_by=soon(),
        priority=priority,
    )


def fresh(request: CoordinationRequest) -> CoordinationRequest:
    return CoordinationRequest.objects.get(pk=request.pk)


def thread(request: CoordinationRequest) -> list[tuple[str, str, str | None, str]]:
    return list(
        CoordinationUpdate.objects.filter(request=request)
        .order_by("created_at", "pk")
        .values_list("from_status", "to_status", "author__username", "text")
    )


# -- creating -----------------------------------------------------------------------------------


def test_a_head_asks_for_their_department_and_the_receiver_is_told(
    cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = ask(cast["head.ops"], "FIN", priority="high")
    assert r.status == S.OPEN
    assert r.from_department.code == "OPS" and r.to_department.code == "FIN"
    assert r.requested_by == cast["head.ops"] and r.handler is None
    assert thread(r) == [("", S.OPEN, "head.ops", "")]
    told = Notification.objects.get(recipient=cast["head.fin"])
    assert "Operations" in told.title and "Stock" in told.title
    assert told.url == r.get_absolute_url() and told.level == "warning"


def test_a_manager_asks_for_a_sub_department_they_oversee(cast):
    r = ask(cast.manager("OPS"), "FIN", frm="LOG")
    assert r.from_department.code == "LOG"


@pytest.mark.parametrize(
    "key, frm",
    [
        ("staff:LOG", None),  # staff do not ask on behalf of a department
        ("head.fin", "OPS"),  # not their department
        ("head.log", "OPS"),  # the parent is not theirs
        ("auditor", "OPS"),
        ("ceo", "OPS"),
    ],
)
def test_who_may_not_ask(cast, who, key, frm):
    with pytest.raises(NotAllowed, match="Only heads and managers"):
        ask(who(key), "FIN" if frm != "FIN" else "OPS", frm=frm)
    assert not CoordinationRequest.objects.exists()
    assert not CoordinationUpdate.objects.exists()


def test_the_coo_asks_for_any_department_but_must_name_it(cast):
    with pytest.raises(ApplicationError, match="department asking") as info:
        ask(cast["coo"], "FIN")
    assert info.value.field == "from_department"
    r = ask(cast["coo"], "FIN", frm="LOG")
    assert r.from_department.code == "LOG" and r.requested_by == cast["coo"]


def test_bad_input_is_refused_and_nothing_written(cast):
    head = cast["head.ops"]
    cases = [
        ({"to_department": dept("OPS")}, "to_department", "to itself"),
        ({"to_department": None}, "to_department", "department asked"),
        ({"subject": "   "}, "subject", "subject"),
        ({"needed_by": timezone.localdate() - timedelta(days=1)}, "needed_by", "in the past"),
        ({"priority": "whenever"}, "priority", "priority"),
    ]
    for change, field, message in cases:
        data = {
            "user": head,
            "to_department": dept("FIN"),
            "subject": "Stock",
            "needed_by": soon(),
            "priority": "normal",
            **change,
        }
        with pytest.raises(ApplicationError, match=message) as info:
            request_create(**data)
        assert info.value.field == field
    Department.objects.filter(code="FIN").update(active=False)
    with pytest.raises(ApplicationError, match="no longer active") as info:
        ask(head, "FIN")
    assert info.value.field == "to_department"
    assert not CoordinationRequest.objects.exists()
    assert not CoordinationUpdate.objects.exists()


def test_needed_by_today_is_fine(cast):
    r = request_create(
        user=cast["head.ops"],
        to_department=dept("FIN"),
        subject="Today",
        needed_by=timezone.localdate(),
    )
    assert r.needed_by == timezone.localdate()


# -- the state machine --------------------------------------------------------------------------


def test_the_whole_way_move_by_move(cast, django_capture_on_commit_callbacks):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    assert allowed_moves(fin, r) == {"accept", "decline", "start", "comment", "attach"}
    assert allowed_moves(ops, r) == {"comment", "attach"}
    with django_capture_on_commit_callbacks(execute=True):
        r = request_move(request=r, user=fin, move="accept")
    assert r.status == S.ACCEPTED and r.handler == fin and r.first_response_at is not None
    assert Notification.objects.filter(
        recipient=ops, title=titled(ops, "Accepted: {subject}", subject=r.subject)
    ).exists()
    r = request_move(request=r, user=fin, move="start")
    assert r.status == S.IN_PROGRESS
    assert allowed_moves(fin, r) == {"resolve", "comment", "attach"}
    with django_capture_on_commit_callbacks(execute=True):
        r = request_move(request=r, user=fin, move="resolve", text=" Sent by e-mail. ")
    assert r.status == S.RESOLVED and r.resolution == "Sent by e-mail." and r.resolved_at
    assert Notification.objects.filter(
        recipient=ops, title=titled(ops, "Resolved, please confirm: {subject}", subject=r.subject)
    ).exists()
    assert allowed_moves(ops, r) == {"close", "reopen", "comment", "attach"}
    assert allowed_moves(fin, r) == {"comment", "attach"}
    with django_capture_on_commit_callbacks(execute=True):
        r = request_move(request=r, user=ops, move="close")
    assert r.status == S.CLOSED and r.closed_at
    assert Notification.objects.filter(
        recipient=fin, title=titled(fin, "Closed by the requester: {subject}", subject=r.subject)
    ).exists()
    assert allowed_moves(ops, r) == set() and allowed_moves(cast["coo"], r) == set()
    assert thread(r) == [
        ("", S.OPEN, "head.ops", ""),
        (S.OPEN, S.ACCEPTED, "head.fin", ""),
        (S.ACCEPTED, S.IN_PROGRESS, "head.fin", ""),
        (S.IN_PROGRESS, S.RESOLVED, "head.fin", "Sent by e-mail."),
        (S.RESOLVED, S.CLOSED, "head.ops", ""),
    ]


def test_decline_and_reopen(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    r = request_move(request=r, user=fin, move="decline", text="Not ours.")
    assert r.status == S.DECLINED and r.decline_reason == "Not ours."
    r = request_move(request=r, user=ops, move="reopen", text="It is yours: the ledger.")
    assert r.status == S.OPEN and r.reopen_count == 1 and r.decline_reason == ""
    r = request_move(request=r, user=fin, move="start")
    r = request_move(request=r, user=fin, move="resolve", text="Done.")
    r = request_move(request=r, user=ops, move="reopen", text="Half of it.")
    # A resolved request reopened resumes where it stopped; a declined one starts again.
    assert r.status == S.IN_PROGRESS and r.reopen_count == 2 and r.resolved_at is None
    assert r.resolution == "Done."  # the earlier answer stays readable
    assert thread(r)[-1] == (S.RESOLVED, S.IN_PROGRESS, "head.ops", "Half of it.")
    r = request_move(request=r, user=fin, move="resolve", text="All of it.")
    assert r.status == S.RESOLVED and r.resolution == "All of it."


@pytest.mark.parametrize(
    "moves, refused",
    [
        ([], ["resolve", "close", "reopen"]),
        (["accept"], ["accept", "close", "reopen"]),
        (["start"], ["accept", "decline", "start", "close", "reopen"]),
        (["decline"], ["accept", "decline", "start", "resolve", "close"]),
        (["start", "resolve"], ["accept", "decline", "start", "resolve"]),
        (["start", "resolve", "close"], ["accept", "decline", "start", "resolve", "close"]),
    ],
)
def test_moves_from_the_wrong_state_are_refused(cast, moves, refused):
    """Made by the COO (who may make any move) so the state alone refuses them."""
    coo = cast["coo"]
    r = ask(cast["head.ops"], "FIN")
    for move in moves:
        r = request_move(request=r, user=coo, move=move, text="Because.")
    status, written = r.status, CoordinationUpdate.objects.count()
    for move in refused + (["reopen"] if r.status == S.CLOSED else []):
        with pytest.raises(ApplicationError, match="cannot be done") as info:
            request_move(request=r, user=coo, move=move, text="Because.")
        assert not isinstance(info.value, NotAllowed)
    assert fresh(r).status == status and CoordinationUpdate.objects.count() == written


def test_an_unknown_move_is_refused(cast):
    r = ask(cast["head.ops"], "FIN")
    with pytest.raises(ApplicationError, match="Unknown action"):
        request_move(request=r, user=cast["coo"], move="approve")


def test_the_wrong_side_is_refused(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    outsiders = [ops, cast["ceo"], cast["auditor"], cast.staff("FIN"), cast.staff("OPS")]
    for user in outsiders:
        with pytest.raises(NotAllowed, match="Only the department asked"):
            request_move(request=r, user=user, move="accept")
    r = request_move(request=r, user=fin, move="start")
    r = request_move(request=r, user=fin, move="resolve", text="Done.")
    for user in [fin, cast.manager("FIN"), cast["ceo"], cast["auditor"], cast.staff("OPS")]:
        with pytest.raises(NotAllowed, match="Only the department that asked"):
            request_move(request=r, user=user, move="close")
        with pytest.raises(NotAllowed):
            request_move(request=r, user=user, move="reopen", text="Again")
    assert fresh(r).status == S.RESOLVED
    assert CoordinationUpdate.objects.filter(request=r).count() == 3


def test_someone_who_cannot_see_it_gets_not_found(cast):
    r = ask(cast["head.ops"], "FIN")
    staff = cast.staff("LOG")  # sees only LOG's requests
    for call in (
        lambda: request_move(request=r, user=staff, move="accept"),
        lambda: request_comment(request=r, user=staff, text="Hi"),
        lambda: request_reassign(request=r, user=staff, to_department=dept("LOG")),
    ):
        with pytest.raises(NotFound):
            call()
    assert CoordinationUpdate.objects.filter(request=r).count() == 1


def test_the_managers_of_each_side_act_for_it(cast):
    r = ask(cast.manager("OPS"), "FIN")
    r = request_move(request=r, user=cast.manager("FIN"), move="accept")
    assert r.handler == cast.manager("FIN")
    r = request_move(request=r, user=cast["head.fin"], move="resolve", text="Done.")
    r = request_move(request=r, user=cast["head.ops"], move="close")
    assert r.status == S.CLOSED


def test_a_named_handler_works_on_it_whatever_their_role(cast):
    """Staff cannot act for a department, but the handler the COO names can."""
    r = ask(cast["coo"], "FIN", frm="OPS")
    r = request_reassign(request=r, user=cast["coo"], handler=cast.staff("FIN"))
    staff = cast.staff("FIN")
    assert "start" in allowed_moves(staff, r)
    r = request_move(request=r, user=staff, move="start")
    r = request_move(request=r, user=staff, move="resolve", text="Done.")
    assert r.handler == staff
    assert allowed_moves(cast.staff("OPS"), r) == set()


def test_the_coo_steps_in_on_either_side(cast):
    coo = cast["coo"]
    r = ask(cast["head.ops"], "FIN")
    assert {"accept", "decline", "start", "reassign"} <= allowed_moves(coo, r)
    r = request_move(request=r, user=coo, move="accept")
    assert r.handler is None  # the COO does not become the handler
    r = request_move(request=r, user=coo, move="resolve", text="Settled at the meeting.")
    r = request_move(request=r, user=coo, move="close")
    assert r.status == S.CLOSED
    authors = {a for _f, _t, a, _x in thread(r)[1:]}
    assert authors == {"coo"}


def test_moves_that_need_a_text(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    written = CoordinationUpdate.objects.count()
    with pytest.raises(ApplicationError, match="reason for declining") as info:
        request_move(request=r, user=fin, move="decline", text="  ")
    assert info.value.field == "reason"
    r = request_move(request=r, user=fin, move="start")
    written = CoordinationUpdate.objects.count()
    with pytest.raises(ApplicationError, match="how it was resolved") as info:
        request_move(request=r, user=fin, move="resolve")
    assert info.value.field == "resolution"
    assert fresh(r).status == S.IN_PROGRESS and fresh(r).resolved_at is None
    r = request_move(request=r, user=fin, move="resolve", text="Done.")
    written = CoordinationUpdate.objects.count()
    with pytest.raises(ApplicationError, match="why it is reopened") as info:
        request_move(request=r, user=ops, move="reopen", text="")
    assert info.value.field == "reason"
    assert fresh(r).status == S.RESOLVED and fresh(r).reopen_count == 0
    assert CoordinationUpdate.objects.count() == written


def test_first_response_is_stamped_by_the_first_receiver_move_only(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    assert r.first_response_at is None
    r = request_move(request=r, user=fin, move="accept")
    first = r.first_response_at
    assert first is not None
    for move, by, text in [
        ("start", fin, ""),
        ("resolve", fin, "Done."),
        ("reopen", ops, "Again."),
        ("resolve", fin, "Done."),
        ("close", ops, ""),
    ]:
        r = request_move(request=r, user=by, move=move, text=text)
        assert r.first_response_at == first, move


def test_a_requester_move_is_not_a_response(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    r = request_move(request=r, user=fin, move="decline", text="No.")
    CoordinationRequest.objects.filter(pk=r.pk).update(first_response_at=None)
    r = request_move(request=fresh(r), user=ops, move="reopen", text="Please.")
    assert r.first_response_at is None


# -- comments, attachments, reassignment ----------------------------------------------------------


def test_comments_tell_the_other_side(cast, django_capture_on_commit_callbacks):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    with django_capture_on_commit_callbacks(execute=True):
        update = request_comment(request=r, user=ops, text=" Any news? ")
    assert update.is_comment and update.text == "Any news?"

    def commented(user):
        return titled(
            user, "{name} commented on {subject}", name=ops.display_name, subject=r.subject
        )

    assert Notification.objects.filter(recipient=fin, title=commented(fin)).count() == 1
    assert not Notification.objects.filter(recipient=ops, title=commented(ops)).exists()
    with pytest.raises(ApplicationError, match="Write the comment") as info:
        request_comment(request=r, user=fin, text=" ")
    assert info.value.field == "text"
    with pytest.raises(NotAllowed, match="may comment"):
        request_comment(request=r, user=cast["auditor"], text="Hello")
    assert CoordinationUpdate.objects.filter(request=r).count() == 2


def test_a_closed_request_refuses_comments_and_attachments(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    attachment_add(request=r, user=fin, upload=upload("ledger.pdf", PDF_BYTES, "application/pdf"))
    assert CoordinationAttachment.objects.filter(request=r).count() == 1
    r = request_move(request=r, user=fin, move="start")
    r = request_move(request=r, user=fin, move="resolve", text="Done.")
    r = request_move(request=r, user=ops, move="close")
    written = CoordinationUpdate.objects.count()
    for user in (ops, fin, cast["coo"]):
        with pytest.raises(ApplicationError, match="closed request cannot be changed"):
            request_comment(request=r, user=user, text="One more thing")
        with pytest.raises(ApplicationError, match="closed request cannot be changed"):
            attachment_add(
                request=r, user=user, upload=upload("more.pdf", PDF_BYTES, "application/pdf")
            )
    with pytest.raises(ApplicationError):
        request_reassign(request=r, user=cast["coo"], to_department=dept("LOG"))
    assert CoordinationUpdate.objects.count() == written
    assert CoordinationAttachment.objects.filter(request=r).count() == 1


def test_the_coo_reassigns(cast, django_capture_on_commit_callbacks):
    coo = cast["coo"]
    r = ask(cast["head.ops"], "FIN")
    r = request_move(request=r, user=cast["head.fin"], move="accept")
    with pytest.raises(NotAllowed, match="Only the COO"):
        request_reassign(request=r, user=cast["head.fin"], to_department=dept("LOG"))
    with pytest.raises(ApplicationError, match="to itself") as info:
        request_reassign(request=r, user=coo, to_department=dept("OPS"))
    assert info.value.field == "to_department"
    with pytest.raises(ApplicationError, match="department or a person"):
        request_reassign(request=r, user=coo)
    with pytest.raises(ApplicationError, match="Nothing changes"):
        request_reassign(request=r, user=coo, to_department=dept("FIN"))
    assert fresh(r).to_department.code == "FIN" and fresh(r).handler == cast["head.fin"]
    with django_capture_on_commit_callbacks(execute=True):
        r = request_reassign(request=r, user=coo, to_department=dept("LOG"), note="Their stock.")
    assert r.to_department.code == "LOG" and r.handler is None and r.status == S.ACCEPTED
    assert thread(r)[-1][3] == "Sent to Logistics instead of Finance. Their stock."
    assert Notification.objects.filter(
        recipient=cast["head.log"],
        title=titled(cast["head.log"], "Request assigned to you: {subject}", subject=r.subject),
    ).exists()
    staff = cast.staff("LOG")
    r = request_reassign(request=r, user=coo, handler=staff)
    assert r.handler == staff
    assert r in CoordinationRequest.objects.for_user(staff)


# -- service levels and breaches ----------------------------------------------------------------


def test_due_times_follow_the_default_service_levels(cast):
    for priority, (hours, days) in ServiceLevel.DEFAULTS.items():
        before = timezone.now()
        r = ask(cast["head.ops"], "FIN", priority=priority)
        after = timezone.now()
        assert (
            before + timedelta(hours=hours) <= r.response_due_at <= after + timedelta(hours=hours)
        )
        assert before + timedelta(days=days) <= r.resolution_due_at <= after + timedelta(days=days)


def test_due_times_follow_the_coos_settings(cast):
    service_level_set(user=cast["coo"], priority="urgent", response_hours=1, resolution_days=1)
    level = service_level_set(
        user=cast["coo"], priority="urgent", response_hours="2", resolution_days="3"
    )
    assert ServiceLevel.objects.count() == 1 and level.response_hours == 2
    targets = service_levels()
    assert (targets["urgent"].response_hours, targets["urgent"].resolution_days) == (2, 3)
    assert (targets["normal"].response_hours, targets["normal"].resolution_days) == (24, 10)
    r = ask(cast["head.ops"], "FIN", priority="urgent")
    assert abs((r.response_due_at - r.created_at) - timedelta(hours=2)) < timedelta(seconds=5)
    assert abs((r.resolution_due_at - r.created_at) - timedelta(days=3)) < timedelta(seconds=5)
    earlier = ask(cast["head.ops"], "FIN", priority="normal", subject="Before the change")
    service_level_set(user=cast["coo"], priority="normal", response_hours=1, resolution_days=1)
    assert fresh(earlier).response_due_at == earlier.response_due_at  # fixed when made


@pytest.mark.parametrize(
    "priority, hours, days, field, message",
    [
        ("whenever", 4, 2, "priority", "priority"),
        ("urgent", 0, 2, "response_hours", "between 1 and 720"),
        ("urgent", 721, 40, "response_hours", "between 1 and 720"),
        ("urgent", 4, 0, "resolution_days", "between 1 and 365"),
        ("urgent", 4, 366, "resolution_days", "between 1 and 365"),
        ("urgent", 49, 2, "response_hours", "after the resolution"),
        ("urgent", "four", 2, None, "whole numbers"),
    ],
)
def test_service_level_validation(cast, priority, hours, days, field, message):
    with pytest.raises(ApplicationError, match=message) as info:
        service_level_set(
            user=cast["coo"], priority=priority, response_hours=hours, resolution_days=days
        )
    assert info.value.field == field
    assert not ServiceLevel.objects.exists()


@pytest.mark.parametrize("key", ["ceo", "auditor", "head.ops", "manager:OPS", "staff:LOG"])
def test_only_the_coo_sets_service_levels(cast, who, key):
    with pytest.raises(NotAllowed, match="Only the COO"):
        service_level_set(user=who(key), priority="urgent", response_hours=1, resolution_days=1)
    assert not ServiceLevel.objects.exists()


def test_breach_flags(cast):
    now = timezone.now()
    ops, fin = cast["head.ops"], cast["head.fin"]
    r = ask(ops, "FIN")
    assert not r.response_breached and not r.resolution_breached
    CoordinationRequest.objects.filter(pk=r.pk).update(response_due_at=now - timedelta(hours=1))
    assert fresh(r).response_breached and not fresh(r).resolution_breached
    r = request_move(request=fresh(r), user=fin, move="accept")  # answered late: stays breached
    assert fresh(r).response_breached
    CoordinationRequest.objects.filter(pk=r.pk).update(response_due_at=now + timedelta(hours=1))
    assert not fresh(r).response_breached  # answered before the target
    CoordinationRequest.objects.filter(pk=r.pk).update(resolution_due_at=now - timedelta(hours=1))
    assert fresh(r).resolution_breached  # active and past the target
    r = request_move(request=fresh(r), user=fin, move="resolve", text="Done.")
    assert fresh(r).resolution_breached  # resolved after the target
    CoordinationRequest.objects.filter(pk=r.pk).update(resolution_due_at=now + timedelta(days=1))
    assert not fresh(r).resolution_breached
    declined = ask(ops, "FIN", subject="Declined")
    declined = request_move(request=declined, user=fin, move="decline", text="No.")
    CoordinationRequest.objects.filter(pk=declined.pk).update(
        resolution_due_at=now - timedelta(days=1), first_response_at=now - timedelta(days=2)
    )
    assert not fresh(declined).resolution_breached  # declined is not waiting
    assert not fresh(declined).response_breached


# -- figures and the matrix ---------------------------------------------------------------------


def test_department_figures(cast):
    now = timezone.now()
    ops = cast["head.ops"]
    today = timezone.localdate()
    day = timedelta(days=1)

    def made(to: str, *, created, due, answered=None, resolved=None, subject="x"):
        r = ask(ops, to, subject=subject)
        CoordinationRequest.objects.filter(pk=r.pk).update(
            created_at=created,
            response_due_at=due,
            first_response_at=answered,
            resolved_at=resolved,
        )
        return r

    start = now - 10 * day
    # Finance: answered in time and resolved in 2 days; answered late and resolved in 4 days;
    # not answered and past its target; not answered, target still ahead (not counted in %).
    made("FIN", created=start, due=start + day, answered=start + day / 2, resolved=start + 2 * day)
    made("FIN", created=start, due=start + day, answered=start + 2 * day, resolved=start + 4 * day)
    made("FIN", created=start, due=start + day)
    made("FIN", created=now - timedelta(hours=1), due=now + day)
    # Logistics: one answered in time, not resolved.
    made("LOG", created=start, due=start + day, answered=start + day / 4)
    # Outside the period.
    made("FIN", created=now - 40 * day, due=now - 39 * day, answered=now - 38 * day)

    figures = department_figures(since=today - 20 * day, until=today)
    fin, log = figures[dept("FIN").pk], figures[dept("LOG").pk]
    assert fin["received"] == 4 and fin["answered"] == 2 and fin["answered_in_time"] == 1
    assert fin["answered_in_time_pct"] == 33.3
    assert fin["resolved"] == 2
    assert abs(fin["average_resolution"] - timedelta(days=3)) < timedelta(seconds=1)
    assert log == {
        "received": 1,
        "answered": 1,
        "answered_in_time": 1,
        "answered_in_time_pct": 100.0,
        "resolved": 0,
        "average_resolution": None,
    }
    assert dept("OPS").pk not in figures
    only_log = department_figures(
        since=today - 20 * day, until=today, department_ids=[dept("LOG").pk]
    )
    assert set(only_log) == {dept("LOG").pk}
    wider = department_figures(since=today - 60 * day, until=today)
    assert wider[dept("FIN").pk]["received"] == 5
    assert wider[dept("FIN").pk]["answered_in_time_pct"] == 25.0


def test_department_figures_with_nothing_measurable(cast):
    ask(cast["head.ops"], "FIN")
    today = timezone.localdate()
    figures = department_figures(since=today, until=today)
    assert figures[dept("FIN").pk]["answered_in_time_pct"] is None
    assert (
        department_figures(since=today - timedelta(days=9), until=today - timedelta(days=1)) == {}
    )


def test_open_matrix_counts_active_requests(cast):
    ops, fin, log = cast["head.ops"], cast["head.fin"], cast["head.log"]
    ask(ops, "FIN")
    accepted = ask(ops, "FIN")
    request_move(request=accepted, user=fin, move="accept")
    done = ask(ops, "FIN")
    request_move(request=done, user=fin, move="start")
    request_move(request=done, user=fin, move="resolve", text="Done.")
    declined = ask(log, "FIN")
    request_move(request=declined, user=fin, move="decline", text="No.")
    ask(log, "FIN")
    ask(fin, "LOG")
    departments, counts = open_matrix()
    ids = {code: dept(code).pk for code in ("OPS", "LOG", "FIN")}
    assert counts == {
        (ids["OPS"], ids["FIN"]): 2,
        (ids["LOG"], ids["FIN"]): 1,
        (ids["FIN"], ids["LOG"]): 1,
    }
    assert {d.code for d in departments} >= {"OPS", "LOG", "FIN"}
    _departments, scoped = open_matrix(CoordinationRequest.objects.for_user(cast.staff("OPS")))
    assert scoped == {(ids["OPS"], ids["FIN"]): 2}


# -- reminders ----------------------------------------------------------------------------------


def test_reminders_are_sent_once_a_day_and_only_for_breaches(cast):
    ops, fin = cast["head.ops"], cast["head.fin"]
    today = timezone.localdate()
    late = ask(ops, "FIN", subject="Late")
    ask(ops, "FIN", subject="Within its targets")
    CoordinationRequest.objects.filter(pk=late.pk).update(
        response_due_at=timezone.now() - timedelta(hours=1)
    )
    assert reminders_send(today=today) == {"response_breached": 1, "resolution_breached": 0}
    assert reminders_send(today=today) == {"response_breached": 0, "resolution_breached": 0}
    reminded = Notification.objects.filter(key__startswith="coordination-breach:")
    assert list(reminded.values_list("recipient__username", flat=True)) == ["head.fin"]
    assert "Late" in reminded.get().title
    requester = Notification.objects.filter(recipient=ops, key__startswith="coordination-breach-")
    assert requester.count() == 1
    assert reminders_send(today=today + timedelta(days=1))["response_breached"] == 1
    assert requester.count() == 1  # the requester hears of a breach once
    # Answered: now the resolution target is what counts.
    late = request_move(request=fresh(late), user=fin, move="accept")
    assert reminders_send(today=today + timedelta(days=2))["response_breached"] == 0
    CoordinationRequest.objects.filter(pk=late.pk).update(
        resolution_due_at=timezone.now() - timedelta(hours=1)
    )
    assert reminders_send(today=today + timedelta(days=3)) == {
        "response_breached": 0,
        "resolution_breached": 1,
    }
    assert requester.count() == 2
    late = request_move(request=fresh(late), user=fin, move="resolve", text="Done.")
    assert reminders_send(today=today + timedelta(days=4)) == {
        "response_breached": 0,
        "resolution_breached": 0,
    }


def test_a_request_past_its_needed_by_date_is_reminded(cast):
    r = ask(cast["head.ops"], "FIN")
    r = request_reassign(request=r, user=cast["coo"], handler=cast.staff("FIN"))
    CoordinationRequest.objects.filter(pk=r.pk).update(
        needed_by=timezone.localdate() - timedelta(days=1)
    )
    assert reminders_send(today=timezone.localdate())["resolution_breached"] == 1
    assert Notification.objects.filter(
        recipient=cast.staff("FIN"), key__startswith="coordination-breach:"
    ).exists()  # the handler, not the head


def test_daily_job_includes_coordination(cast):
    r = ask(cast["head.ops"], "FIN")
    CoordinationRequest.objects.filter(pk=r.pk).update(
        response_due_at=timezone.now() - timedelta(hours=1)
    )
    run = jobs.job_run(name="daily_reminders")
    assert "coordination.response_breached: 1" in run.outcome


# -- scoping --------------------------------------------------------------------------------------


@pytest.fixture
def four(cast):
    return {
        "OPS>FIN": ask(cast["head.ops"], "FIN", subject="OPS>FIN").pk,
        "LOG>FIN": ask(cast["head.log"], "FIN", subject="LOG>FIN").pk,
        "FIN>LOG": ask(cast["head.fin"], "LOG", subject="FIN>LOG").pk,
        "OPS>LOG": ask(cast["head.ops"], "LOG", subject="OPS>LOG").pk,
    }


EVERYTHING = {"OPS>FIN", "LOG>FIN", "FIN>LOG", "OPS>LOG"}
SCOPES = {
    "ceo": EVERYTHING,
    "coo": EVERYTHING,
    "auditor": EVERYTHING,
    "head.ops": EVERYTHING,
    "head.log": {"LOG>FIN", "FIN>LOG", "OPS>LOG"},
    "head.fin": {"OPS>FIN", "LOG>FIN", "FIN>LOG"},
    "manager:OPS": EVERYTHING,
    "manager:LOG": {"LOG>FIN", "FIN>LOG", "OPS>LOG"},
    "manager:FIN": {"OPS>FIN", "LOG>FIN", "FIN>LOG"},
    "staff:OPS": {"OPS>FIN", "OPS>LOG"},
    "staff:LOG": {"LOG>FIN", "FIN>LOG", "OPS>LOG"},
    "staff:FIN": {"OPS>FIN", "LOG>FIN", "FIN>LOG"},
}


@pytest.mark.parametrize("key", list(SCOPES))
def test_scoping_per_role(cast, who, four, key):
    seen = set(CoordinationRequest.objects.for_user(who(key)).values_list("subject", flat=True))
    assert seen == SCOPES[key]


def test_handler_sees_a_request_outside_their_department(cast, four):
    staff = cast.staff("OPS")
    r = CoordinationRequest.objects.get(pk=four["LOG>FIN"])
    assert r not in CoordinationRequest.objects.for_user(staff)
    request_reassign(request=r, user=cast["coo"], handler=staff)
    assert r in CoordinationRequest.objects.for_user(staff)


def test_anonymous_sees_nothing(cast, four):
    from django.contrib.auth.models import AnonymousUser

    assert not CoordinationRequest.objects.for_user(AnonymousUser()).exists()
