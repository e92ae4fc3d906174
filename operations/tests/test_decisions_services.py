"""Escalations and the CEO's decisions: who may do what, bad input with nothing written, the
state machine, follow-up assignments in one step, the log, reminders and scoping per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from core import jobs
from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import (
    Assignment,
    AssignmentUpdate,
    CoordinationRequest,
    DecisionEvent,
    DecisionOption,
    DecisionRequest,
)
from operations.services.coordination import request_create
from operations.services.decisions import (
    FollowUp,
    OptionData,
    allowed_moves,
    decision_create,
    decision_decide,
    decision_defer,
    decision_provide_info,
    decision_request_info,
    pending_count,
    reminders_send,
)
from operations.tests.helpers import titled
from organization.models import Department, Notification

pytestmark = pytest.mark.django_db

S = DecisionRequest.Status
E = DecisionEvent.Action

OPTIONS = [
    {"title": "Buy", "pros": "Fast", "cons": "Costly"},
    {"title": "Rent", "pros": "Cheap now", "cons": "Dearer later"},
    {"title": "Wait", "pros": "", "cons": "Backlog grows"},
]


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def escalate(cast, title: str = "New forklifts", *, deadline=None, **extra) -> DecisionRequest:
    return decision_create(
        user=cast["coo"],
        title=title,
        context="The fleet is ten years old.",
        options=extra.pop("options", OPTIONS),
        recommendation="Rent for a year.",
        deadline=deadline or days(7),
        **extra,
    )


def fresh(decision: DecisionRequest) -> DecisionRequest:
    return DecisionRequest.objects.get(pk=decision.pk)


def written() -> dict[str, int]:
    return {
        "decisions": DecisionRequest.objects.count(),
        "options": DecisionOption.objects.count(),
        "events": DecisionEvent.objects.count(),
        "assignments": Assignment.objects.count(),
        "assignment updates": AssignmentUpdate.objects.count(),
    }


def log(decision: DecisionRequest) -> list[tuple[str, str | None]]:
    return list(
        DecisionEvent.objects.filter(decision=decision)
        .order_by("created_at", "pk")
        .values_list("action", "actor__username")
    )


# -- escalating ---------------------------------------------------------------------------------


def test_the_coo_escalates_and_the_ceo_is_told(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        d = escalate(cast, department=dept("FIN"))
    assert d.status == S.OPEN and d.requested_by == cast["coo"] and d.department.code == "FIN"
    options = list(d.options.order_by("order").values_list("order", "title", "pros", "cons"))
    assert options == [
        (1, "Buy", "Fast", "Costly"),
        (2, "Rent", "Cheap now", "Dearer later"),
        (3, "Wait", "", "Backlog grows"),
    ]
    assert log(d) == [(E.ESCALATED, "coo")]
    told = Notification.objects.get(recipient=cast["ceo"])
    assert "New forklifts" in told.title and told.url == d.get_absolute_url()
    assert allowed_moves(cast["ceo"], d) == {"decide", "defer", "request_info"}
    assert allowed_moves(cast["coo"], d) == set()


def test_options_as_dataclasses_and_blank_rows_dropped(cast):
    d = escalate(
        cast, options=[OptionData("Yes", "a", "b"), {"title": " ", "pros": "", "cons": ""}]
    )
    assert list(d.options.values_list("title", flat=True)) == ["Yes"]


@pytest.mark.parametrize("key", ["ceo", "auditor", "head.ops", "manager:OPS", "staff:LOG"])
def test_only_the_coo_escalates(cast, who, key):
    before = written()
    with pytest.raises(NotAllowed, match="Only the COO"):
        decision_create(user=who(key), title="T", context="C", options=OPTIONS, deadline=days(3))
    assert written() == before


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"options": []}, "options", "at least one option"),
        ({"options": [{"title": "", "pros": "", "cons": ""}]}, "options", "at least one option"),
        ({"options": [{"title": "  ", "pros": "Good", "cons": ""}]}, "options", "every option"),
        ({"options": [{"title": "x" * 201}]}, "options", "200 characters"),
        ({"options": [{"title": f"O{n}"} for n in range(11)]}, "options", "Ten options"),
        ({"options": ["Buy"]}, "options", "title, pros and cons"),
        ({"deadline": timezone.localdate() - timedelta(days=1)}, "deadline", "in the past"),
        ({"deadline": None}, "deadline", "in the past"),
        ({"context": "  "}, "context", "context"),
        ({"title": ""}, "title", "title"),
    ],
)
def test_bad_escalations_are_refused_and_nothing_written(cast, change, field, message):
    before = written()
    data = {
        "user": cast["coo"],
        "title": "New forklifts",
        "context": "Old fleet.",
        "options": OPTIONS,
        "deadline": days(7),
        **change,
    }
    with pytest.raises(ApplicationError, match=message) as info:
        decision_create(**data)
    assert info.value.field == field
    assert written() == before


def test_a_deadline_of_today_is_fine(cast):
    assert escalate(cast, deadline=timezone.localdate()).deadline == timezone.localdate()


def test_escalated_from_the_records_behind_it(cast):
    request = request_create(
        user=cast["head.ops"],
        to_department=dept("FIN"),
        subject="Budget for forklifts",
        needed_by=days(5),
    )
    from_request = escalate(cast, coordination_request=request)
    assert from_request.department.code == "FIN"  # the department asked
    assert from_request.sources == [request]
    assignment = Assignment.objects.create(
        title="Fleet study",
        due_date=days(9),
        assigned_by=cast["coo"],
        department=dept("LOG"),
    )
    from_assignment = escalate(cast, assignment=assignment)
    assert from_assignment.department.code == "LOG"
    chosen = escalate(cast, coordination_request=request, department=dept("OPS"))
    assert chosen.department.code == "OPS"  # given explicitly


def test_a_source_that_does_not_exist_is_not_found_and_nothing_written(cast):
    request = request_create(
        user=cast["head.ops"], to_department=dept("FIN"), subject="Gone", needed_by=days(5)
    )
    ghost = CoordinationRequest(pk=request.pk + 1000, subject="ghost")
    before = written()
    with pytest.raises(NotFound):
        escalate(cast, coordination_request=ghost)
    assert written() == before


# -- deciding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["coo", "auditor", "head.fin", "manager:FIN"])
def test_only_the_ceo_decides(cast, who, key):
    d = escalate(cast, department=dept("FIN"))
    before = written()
    user = who(key)
    for call in (
        lambda: decision_decide(decision=d, user=user, option=1, instructions="Go"),
        lambda: decision_defer(decision=d, user=user, new_deadline=days(30)),
        lambda: decision_request_info(decision=d, user=user, question="Costs?"),
    ):
        with pytest.raises(NotAllowed, match="Only the CEO decides"):
            call()
    assert fresh(d).status == S.OPEN and written() == before


def test_staff_cannot_even_see_it(cast):
    d = escalate(cast, department=dept("FIN"))
    with pytest.raises(NotFound):
        decision_decide(decision=d, user=cast.staff("FIN"), option=1)
    with pytest.raises(NotFound):
        decision_decide(decision=d, user=cast["head.log"], option=1)


def test_the_ceo_decides_by_index(cast, django_capture_on_commit_callbacks):
    d = escalate(cast)
    with django_capture_on_commit_callbacks(execute=True):
        d = decision_decide(decision=d, user=cast["ceo"], option=2, instructions=" Rent it. ")
    d = fresh(d)
    assert d.status == S.DECIDED and d.chosen_option.title == "Rent"
    assert d.decided_by == cast["ceo"] and d.decided_at and d.instructions == "Rent it."
    assert log(d) == [(E.ESCALATED, "coo"), (E.DECIDED, "ceo")]
    assert d.events.get(action=E.DECIDED).note == "Rent\nRent it."
    assert Notification.objects.filter(recipient=cast["coo"], title__contains="Rent").exists()


def test_the_ceo_decides_by_id_or_option(cast):
    escalate(cast, "An earlier one")  # so option ids and indexes differ
    d = escalate(cast)
    wait = d.options.get(title="Wait")
    assert wait.pk > 3
    decided = decision_decide(decision=d, user=cast["ceo"], option=str(wait.pk))
    assert decided.chosen_option == wait
    other = escalate(cast, "Another")
    buy = other.options.get(title="Buy")
    assert decision_decide(decision=other, user=cast["ceo"], option=buy).chosen_option == buy


@pytest.mark.parametrize("option", [0, 999999, -1, "two", None, "other"])
def test_a_wrong_option_is_refused(cast, option):
    other = escalate(cast, "Another")
    d = escalate(cast)
    if option == "other":
        option = other.options.get(title="Buy")  # an option of another request
    before = written()
    with pytest.raises(ApplicationError, match="Choose one of the options") as info:
        decision_decide(decision=d, user=cast["ceo"], option=option)
    assert info.value.field == "option"
    assert fresh(d).status == S.OPEN and fresh(d).chosen_option is None
    assert written() == before


def test_follow_ups_are_created_with_the_decision(cast, django_capture_on_commit_callbacks):
    d = escalate(cast)
    staff = cast.staff("LOG")
    with django_capture_on_commit_callbacks(execute=True):
        decision_decide(
            decision=d,
            user=cast["ceo"],
            option=1,
            instructions="Buy two before March.",
            follow_ups=[
                FollowUp(title="Get three quotes", due_date=days(10), assignee=staff),
                FollowUp(
                    title="Budget line",
                    due_date=days(20),
                    department=dept("FIN"),
                    priority="high",
                    description="Add it to the budget.",
                ),
            ],
        )
    follow_ups = list(Assignment.objects.filter(decision=d).order_by("pk"))
    assert [(a.title, a.assignee, a.department) for a in follow_ups] == [
        ("Get three quotes", staff, None),
        ("Budget line", None, dept("FIN")),
    ]
    assert follow_ups[0].description == "Buy two before March."
    assert follow_ups[1].description == "Add it to the budget." and follow_ups[1].priority == "high"
    assert all(a.from_ceo and a.assigned_by == cast["ceo"] for a in follow_ups)
    assert list(d.follow_up_assignments.order_by("pk")) == follow_ups
    assert Notification.objects.filter(recipient=staff, title__contains="three quotes").exists()


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"due_date": timezone.localdate() - timedelta(days=1)}, "due_date"),
        ({"title": " "}, "title"),
        ({"assignee": None}, "assignee"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_a_bad_follow_up_refuses_the_whole_decision(cast, bad, field):
    d = escalate(cast)
    good = FollowUp(title="Get quotes", due_date=days(10), assignee=cast.staff("LOG"))
    data = {"title": "Order", "due_date": days(5), "assignee": cast.staff("LOG"), **bad}
    before = written()
    with pytest.raises(ApplicationError) as info:
        decision_decide(
            decision=d,
            user=cast["ceo"],
            option=1,
            instructions="Buy.",
            follow_ups=[good, FollowUp(**data)],
        )
    assert info.value.field == field
    d = fresh(d)
    assert d.status == S.OPEN and d.chosen_option is None and d.decided_at is None
    assert written() == before  # not even the first, good follow-up


# -- information and deferral --------------------------------------------------------------------


def test_request_info_then_provide_info_then_decide(cast, django_capture_on_commit_callbacks):
    ceo, coo = cast["ceo"], cast["coo"]
    d = escalate(cast, department=dept("OPS"))
    with django_capture_on_commit_callbacks(execute=True):
        d = decision_request_info(decision=d, user=ceo, question=" What does renting cost? ")
    assert d.status == S.INFO_REQUESTED and d.info_request == "What does renting cost?"
    assert Notification.objects.filter(
        recipient=coo, title=titled(coo, "The CEO asks for more on: {title}", title=d.title)
    ).exists()
    assert allowed_moves(ceo, d) == {"decide", "defer"}
    assert allowed_moves(coo, d) == {"provide_info"}
    with pytest.raises(ApplicationError, match="information requested"):
        decision_request_info(decision=d, user=ceo, question="Again?")
    for user in (ceo, cast["auditor"], cast["head.ops"]):
        with pytest.raises(NotAllowed, match="Only the COO answers"):
            decision_provide_info(decision=d, user=user, answer="Cheap.")
    with pytest.raises(ApplicationError, match="Write the answer") as info:
        decision_provide_info(decision=d, user=coo, answer="  ")
    assert info.value.field == "answer"
    with django_capture_on_commit_callbacks(execute=True):
        d = decision_provide_info(decision=d, user=coo, answer="2,000 a month.")
    assert d.status == S.OPEN
    assert d.context.startswith("The fleet is ten years old.")
    assert "What does renting cost?" in d.context and d.context.endswith("2,000 a month.")
    assert Notification.objects.filter(
        recipient=ceo, title=titled(ceo, "More information on: {title}", title=d.title)
    ).exists()
    with pytest.raises(ApplicationError):  # nothing asked now
        decision_provide_info(decision=d, user=coo, answer="More.")
    d = decision_decide(decision=d, user=ceo, option=2)
    assert log(d) == [
        (E.ESCALATED, "coo"),
        (E.INFO_REQUESTED, "ceo"),
        (E.INFO_PROVIDED, "coo"),
        (E.DECIDED, "ceo"),
    ]
    notes = list(d.events.order_by("pk").values_list("note", flat=True))
    assert notes[1:3] == ["What does renting cost?", "2,000 a month."]


def test_a_question_is_needed(cast):
    d = escalate(cast)
    with pytest.raises(ApplicationError, match="information is needed") as info:
        decision_request_info(decision=d, user=cast["ceo"], question="")
    assert info.value.field == "question"
    assert fresh(d).status == S.OPEN and log(d) == [(E.ESCALATED, "coo")]


def test_the_ceo_may_decide_while_information_is_requested(cast):
    d = escalate(cast)
    d = decision_request_info(decision=d, user=cast["ceo"], question="Sure?")
    d = decision_decide(decision=d, user=cast["ceo"], option=3)
    assert d.status == S.DECIDED


def test_defer_to_a_later_date(cast, django_capture_on_commit_callbacks):
    ceo = cast["ceo"]
    d = escalate(cast, deadline=days(3))
    for bad in (timezone.localdate(), days(-1), days(2), days(3), None):
        with pytest.raises(ApplicationError, match="Defer to a date after") as info:
            decision_defer(decision=d, user=ceo, new_deadline=bad)
        assert info.value.field == "new_deadline"
    assert fresh(d).deadline == days(3) and fresh(d).times_deferred == 0
    assert log(d) == [(E.ESCALATED, "coo")]
    with django_capture_on_commit_callbacks(execute=True):
        d = decision_defer(decision=d, user=ceo, new_deadline=days(10), note="After the board.")
    assert d.status == S.DEFERRED and d.deadline == days(10) and d.times_deferred == 1
    assert d.events.get(action=E.DEFERRED).note.endswith("After the board.")
    assert Notification.objects.filter(recipient=cast["coo"], title__startswith="Deferred").exists()
    assert allowed_moves(ceo, d) == {"decide", "defer", "request_info"}
    d = decision_defer(decision=d, user=ceo, new_deadline=days(20))
    assert d.times_deferred == 2
    with pytest.raises(ApplicationError, match="current deadline"):
        decision_defer(decision=d, user=ceo, new_deadline=days(15))
    d = decision_decide(decision=d, user=ceo, option=1)
    assert [a for a, _who in log(d)] == [E.ESCALATED, E.DEFERRED, E.DEFERRED, E.DECIDED]


def test_a_decided_request_refuses_every_move(cast):
    ceo, coo = cast["ceo"], cast["coo"]
    d = escalate(cast)
    d = decision_decide(decision=d, user=ceo, option=1, instructions="Buy.")
    before = written()
    for call in (
        lambda: decision_decide(decision=d, user=ceo, option=2),
        lambda: decision_request_info(decision=d, user=ceo, question="Why?"),
        lambda: decision_defer(decision=d, user=ceo, new_deadline=days(30)),
        lambda: decision_provide_info(decision=d, user=coo, answer="Because."),
    ):
        with pytest.raises(ApplicationError, match="decided") as info:
            call()
        assert not isinstance(info.value, NotAllowed)
    assert allowed_moves(ceo, d) == set() and allowed_moves(coo, d) == set()
    d = fresh(d)
    assert d.chosen_option.title == "Buy" and d.instructions == "Buy."
    assert written() == before


# -- reminders ----------------------------------------------------------------------------------


def test_reminders_before_the_deadline_and_alerts_after(cast):
    today = timezone.localdate()
    horizon = settings.DECISION_REMINDER_DAYS
    d = escalate(cast, deadline=days(horizon))
    far = escalate(cast, "Far off", deadline=days(horizon + 5))
    assert reminders_send(today=today) == {"reminded": 1, "overdue": 0}
    assert reminders_send(today=today) == {"reminded": 0, "overdue": 0}
    assert reminders_send(today=today + timedelta(days=1)) == {"reminded": 0, "overdue": 0}
    due = Notification.objects.filter(key__startswith="decision-due:")
    assert list(due.values_list("recipient__username", flat=True)) == ["ceo"]
    assert "New forklifts" in due.get().title
    # The deadline passes: the CEO and the COO are alerted, once.
    later = d.deadline + timedelta(days=1)
    assert reminders_send(today=later) == {"reminded": 0, "overdue": 2}
    assert reminders_send(today=later) == {"reminded": 0, "overdue": 0}
    assert reminders_send(today=later + timedelta(days=1)) == {"reminded": 0, "overdue": 0}
    alerts = Notification.objects.filter(key__startswith="decision-overdue:")
    assert sorted(alerts.values_list("recipient__username", flat=True)) == ["ceo", "coo"]
    assert [a for a, _who in log(d)] == [E.ESCALATED, E.REMINDED, E.OVERDUE]
    assert log(d)[1][1] is None  # sent by the job, not a person
    assert not DecisionEvent.objects.filter(decision=far).exclude(action=E.ESCALATED).exists()


def test_deferral_re_arms_the_reminders(cast):
    ceo = cast["ceo"]
    today = timezone.localdate()
    d = escalate(cast, deadline=days(1))
    assert reminders_send(today=today)["reminded"] == 1
    d = decision_defer(decision=d, user=ceo, new_deadline=days(2))
    assert reminders_send(today=today)["reminded"] == 1  # a new deadline, a new reminder
    assert reminders_send(today=today)["reminded"] == 0
    assert reminders_send(today=today + timedelta(days=3))["overdue"] == 2


def test_a_decided_request_is_not_reminded(cast):
    today = timezone.localdate()
    d = escalate(cast, deadline=today)
    decision_decide(decision=d, user=cast["ceo"], option=1)
    assert reminders_send(today=today) == {"reminded": 0, "overdue": 0}
    assert reminders_send(today=today + timedelta(days=5)) == {"reminded": 0, "overdue": 0}
    assert not Notification.objects.filter(key__startswith="decision-").exists()


def test_an_info_request_is_still_reminded(cast):
    today = timezone.localdate()
    d = escalate(cast, deadline=today)
    decision_request_info(decision=d, user=cast["ceo"], question="More?")
    assert reminders_send(today=today + timedelta(days=1))["overdue"] == 2


def test_daily_job_includes_decisions(cast):
    escalate(cast, deadline=timezone.localdate())
    run = jobs.job_run(name="daily_reminders")
    assert "decisions.reminded: 1" in run.outcome


# -- scoping and the badge ----------------------------------------------------------------------


@pytest.fixture
def four(cast):
    request = request_create(
        user=cast["head.ops"], to_department=dept("FIN"), subject="Budget", needed_by=days(5)
    )
    escalate(cast, "FIN", department=dept("FIN"))
    escalate(cast, "LOG", department=dept("LOG"))
    escalate(cast, "NONE")
    escalate(cast, "OPS>FIN", coordination_request=request)


EVERYTHING = {"FIN", "LOG", "NONE", "OPS>FIN"}
SCOPES = {
    "ceo": EVERYTHING,
    "coo": EVERYTHING,
    "auditor": EVERYTHING,
    "head.ops": {"LOG", "OPS>FIN"},
    "head.log": {"LOG"},
    "head.fin": {"FIN", "OPS>FIN"},
    "manager:OPS": {"LOG", "OPS>FIN"},
    "manager:FIN": {"FIN", "OPS>FIN"},
    "staff:OPS": set(),
    "staff:LOG": set(),
    "staff:FIN": set(),
}


@pytest.mark.parametrize("key", list(SCOPES))
def test_scoping_per_role(cast, who, four, key):
    seen = set(DecisionRequest.objects.for_user(who(key)).values_list("title", flat=True))
    assert seen == SCOPES[key]


def test_pending_count_is_the_ceos(cast):
    ceo = cast["ceo"]
    a, b, c, d = (escalate(cast, f"D{n}") for n in range(4))
    decision_request_info(decision=b, user=ceo, question="?")  # waiting for the COO
    decision_defer(decision=c, user=ceo, new_deadline=days(30))
    decision_decide(decision=d, user=ceo, option=1)
    assert pending_count(cast["ceo"]) == 2  # a (open) and c (deferred)
    for key in ("coo", "auditor", "head.ops"):
        assert pending_count(cast[key]) == 0
    assert set(DecisionRequest.objects.pending().values_list("title", flat=True)) == {
        "D0",
        "D1",
        "D2",
    }
    assert a.status == S.OPEN
