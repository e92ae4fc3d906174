"""The decisions API: escalation by the COO, the CEO's moves, follow-ups in one step, role by
role scoping, 404 outside it, 403 for anyone but the CEO deciding, 400 with field errors,
filters and query counts that do not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import (
    Assignment,
    AssignmentUpdate,
    DecisionEvent,
    DecisionOption,
    DecisionRequest,
)
from operations.services.coordination import request_create
from operations.services.decisions import decision_create, decision_decide, decision_defer
from operations.tests.helpers import said, state_name
from organization.models import Department

# Until coo_portal/api_urls.py registers the viewsets, the tests mount them themselves.
pytestmark = pytest.mark.django_db

URL = "/api/v1/decisions/"
S = DecisionRequest.Status

OPTIONS = [
    {"title": "Buy", "pros": "Fast", "cons": "Costly"},
    {"title": "Rent", "pros": "Cheap now", "cons": "Dearer later"},
]


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def escalate(cast, title: str = "New forklifts", **extra) -> DecisionRequest:
    return decision_create(
        user=cast["coo"],
        title=title,
        context=extra.pop("context", "The fleet is old."),
        options=OPTIONS,
        deadline=extra.pop("deadline", days(7)),
        **extra,
    )


def written() -> dict[str, int]:
    return {
        "decisions": DecisionRequest.objects.count(),
        "options": DecisionOption.objects.count(),
        "events": DecisionEvent.objects.count(),
        "assignments": Assignment.objects.count(),
        "assignment updates": AssignmentUpdate.objects.count(),
    }


def post(api, pk: int, move: str, data: dict | None = None):
    return api.post(f"{URL}{pk}/{move}/", data or {}, format="json")


def only_the_ceo(user) -> dict:
    return {"detail": said(user, "Only the CEO decides.")}


# -- the flows ------------------------------------------------------------------------------------


def test_the_coo_escalates_and_the_ceo_decides_with_follow_ups(cast, api_as):
    request = request_create(
        user=cast["head.ops"], to_department=dept("FIN"), subject="Budget", needed_by=days(5)
    )
    coo = api_as(cast["coo"])
    response = coo.post(
        URL,
        {
            "title": "New forklifts",
            "context": "The fleet is ten years old.",
            "options": [*OPTIONS, {"title": "Wait"}],
            "recommendation": "Rent.",
            "deadline": days(7).isoformat(),
            "coordination_request": request.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["status"] == "open" and item["requested_by"] == "coo"
    assert item["department"] == "FIN"  # from the coordination request
    assert item["deadline"] == days(7).isoformat() and item["overdue"] is False
    assert item["sources"] == {
        "coordination_request": request.pk,
        "action_item": None,
        "assignment": None,
    }
    assert [(o["index"], o["title"], o["pros"], o["cons"]) for o in item["options"]] == [
        (1, "Buy", "Fast", "Costly"),
        (2, "Rent", "Cheap now", "Dearer later"),
        (3, "Wait", "", ""),
    ]
    assert [(e["action"], e["actor"]) for e in item["events"]] == [("escalated", "coo")]
    assert item["decided_by"] is None and item["chosen_option"] is None
    assert item["follow_up_assignments"] == [] and item["times_deferred"] == 0
    pk, rent = item["id"], item["options"][1]["id"]

    staff = cast.staff("LOG")
    ceo = api_as(cast["ceo"])
    response = post(
        ceo,
        pk,
        "decide",
        {
            "option": 2,
            "instructions": "Rent two for a year.",
            "follow_ups": [
                {"title": "Sign the lease", "assignee": staff.username, "due_date": days(9)},
                {
                    "title": "Budget line",
                    "department": "FIN",
                    "due_date": days(20),
                    "priority": "high",
                },
            ],
        },
    )
    assert response.status_code == 200, response.json()
    item = response.json()
    assert item["status"] == "decided" and item["chosen_option"] == rent
    assert item["decided_by"] == "ceo" and item["decided_at"]
    assert item["instructions"] == "Rent two for a year."
    follow_ups = list(Assignment.objects.filter(decision_id=pk).order_by("pk"))
    assert item["follow_up_assignments"] == [a.pk for a in follow_ups]
    assert [(a.title, a.assignee, a.department, a.priority) for a in follow_ups] == [
        ("Sign the lease", staff, None, "normal"),
        ("Budget line", None, dept("FIN"), "high"),
    ]
    assert [(e["action"], e["actor"]) for e in item["events"]] == [
        ("escalated", "coo"),
        ("decided", "ceo"),
    ]
    response = post(ceo, pk, "decide", {"option": 1})
    assert response.status_code == 400
    assert state_name(cast["ceo"], S.DECIDED) in response.json()["detail"]


def test_request_info_provide_info_then_decide_by_id(cast, api_as):
    pk = escalate(cast).pk
    ceo = api_as(cast["ceo"])
    response = post(ceo, pk, "request-info", {})
    assert response.status_code == 400 and "question" in response.json()
    item = post(ceo, pk, "request-info", {"question": "What does renting cost?"}).json()
    assert item["status"] == "info_requested" and item["info_request"] == "What does renting cost?"
    assert post(ceo, pk, "provide-info", {"answer": "2,000."}).status_code == 403
    coo = api_as(cast["coo"])
    assert post(coo, pk, "request-info", {"question": "?"}).json() == only_the_ceo(cast["coo"])
    response = post(coo, pk, "provide-info", {"answer": ""})
    assert response.status_code == 400 and "answer" in response.json()
    item = post(coo, pk, "provide-info", {"answer": "2,000 a month."}).json()
    assert item["status"] == "open" and item["context"].endswith("2,000 a month.")
    buy = item["options"][0]["id"]
    ceo = api_as(cast["ceo"])
    item = post(ceo, pk, "decide", {"option": buy, "instructions": ""}).json()
    assert item["status"] == "decided" and item["chosen_option"] == buy
    assert [(e["action"], e["actor"], e["note"]) for e in item["events"]] == [
        ("escalated", "coo", ""),
        ("info_requested", "ceo", "What does renting cost?"),
        ("info_provided", "coo", "2,000 a month."),
        ("decided", "ceo", "Buy"),
    ]
    assert all(e["created_at"] for e in item["events"])


def test_defer(cast, api_as):
    pk = escalate(cast, deadline=days(3)).pk
    ceo = api_as(cast["ceo"])
    for bad in ({}, {"new_deadline": "later"}):
        response = post(ceo, pk, "defer", bad)
        assert response.status_code == 400 and "new_deadline" in response.json()
    for date in (timezone.localdate(), days(2), days(3)):
        response = post(ceo, pk, "defer", {"new_deadline": date.isoformat()})
        assert response.status_code == 400 and "new_deadline" in response.json()
    item = post(ceo, pk, "defer", {"new_deadline": days(10), "note": "After the board."}).json()
    assert item["status"] == "deferred" and item["deadline"] == days(10).isoformat()
    assert item["times_deferred"] == 1
    assert item["events"][-1]["action"] == "deferred"
    assert item["events"][-1]["note"].endswith("After the board.")
    item = post(ceo, pk, "defer", {"new_deadline": days(11)}).json()
    assert item["times_deferred"] == 2


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["coo", "auditor", "head.fin", "manager:FIN"])
def test_only_the_ceo_moves(cast, who, api_as, key):
    pk = escalate(cast, department=dept("FIN")).pk
    before = written()
    user = who(key)
    api = api_as(user)
    for move, data in [
        ("decide", {"option": 1, "instructions": "Go"}),
        ("decide", {}),  # 403 before any field error
        ("defer", {"new_deadline": days(30)}),
        ("defer", {}),
        ("request-info", {"question": "Costs?"}),
    ]:
        response = post(api, pk, move, data)
        assert response.status_code == 403, (move, data)
        assert response.json() == only_the_ceo(user)
    assert DecisionRequest.objects.get(pk=pk).status == S.OPEN and written() == before


@pytest.mark.parametrize("key", ["ceo", "auditor", "head.ops", "manager:OPS", "staff:LOG"])
def test_only_the_coo_escalates(cast, who, api_as, key):
    user = who(key)
    response = api_as(user).post(URL, {"title": ""}, format="json")  # 403 before the fields
    assert response.status_code == 403
    assert response.json() == {"detail": said(user, "Only the COO escalates problems to the CEO.")}
    assert written()["decisions"] == 0


def test_bad_escalations_give_the_fields_and_write_nothing(cast, api_as):
    api = api_as(cast["coo"])
    good = {
        "title": "New forklifts",
        "context": "Old fleet.",
        "options": OPTIONS,
        "deadline": days(7).isoformat(),
    }
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    cases = [
        ({"options": []}, "options"),
        ({"options": [{"title": "", "pros": "", "cons": ""}]}, "options"),
        ({"options": [{"title": " ", "pros": "Good"}]}, "options"),
        ({"options": "Buy"}, "options"),
        ({"deadline": yesterday}, "deadline"),
        ({"deadline": "soon"}, "deadline"),
        ({"context": ""}, "context"),
        ({"title": ""}, "title"),
        ({"department": "NOPE"}, "department"),
        ({"coordination_request": 999999}, "coordination_request"),
        ({"action_item": 999999}, "action_item"),
        ({"assignment": 999999}, "assignment"),
    ]
    for change, field in cases:
        response = api.post(URL, {**good, **change}, format="json")
        assert response.status_code == 400, change
        assert field in response.json(), (change, response.json())
    response = api.post(URL, {}, format="json")
    assert set(response.json()) == {"title", "context", "options", "deadline"}
    assert written() == dict.fromkeys(written(), 0)


def test_bad_decisions_give_the_fields_and_write_nothing(cast, api_as):
    pk = escalate(cast).pk
    ceo = api_as(cast["ceo"])
    staff = cast.staff("LOG")
    before = written()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    lease = {"title": "Sign the lease", "assignee": staff.username, "due_date": days(9)}
    cases = [
        ({}, "option"),
        ({"option": "first"}, "option"),
        ({"option": 0}, "option"),
        ({"option": 999999}, "option"),
        ({"option": 1, "follow_ups": [lease, {**lease, "due_date": yesterday}]}, "follow_ups"),
        ({"option": 1, "follow_ups": [{**lease, "assignee": "nobody"}]}, "follow_ups"),
        ({"option": 1, "follow_ups": [{**lease, "department": "FIN"}]}, "follow_ups"),
        ({"option": 1, "follow_ups": [{"title": "No one", "due_date": days(9)}]}, "follow_ups"),
        ({"option": 1, "follow_ups": [{**lease, "priority": "whenever"}]}, "follow_ups"),
    ]
    for data, field in cases:
        response = post(ceo, pk, "decide", data)
        assert response.status_code == 400, data
        assert field in response.json(), (data, response.json())
    decision = DecisionRequest.objects.get(pk=pk)
    assert decision.status == S.OPEN and decision.chosen_option is None
    assert written() == before


def test_a_follow_up_due_in_the_past_names_the_problem(cast, api_as):
    pk = escalate(cast).pk
    ceo = api_as(cast["ceo"])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post(
        ceo,
        pk,
        "decide",
        {
            "option": 1,
            "follow_ups": [{"title": "Late", "department": "FIN", "due_date": yesterday}],
        },
    )
    assert response.json() == {
        "follow_ups": [said(cast["ceo"], "The due date cannot be in the past.")]
    }
    assert not Assignment.objects.exists()


def test_a_decided_request_refuses_every_move(cast, api_as):
    decision = escalate(cast)
    decision_decide(decision=decision, user=cast["ceo"], option=1)
    before = written()
    ceo = api_as(cast["ceo"])
    for move, data in [
        ("decide", {"option": 2}),
        ("request-info", {"question": "Why?"}),
        ("defer", {"new_deadline": days(30)}),
    ]:
        response = post(ceo, decision.pk, move, data)
        assert response.status_code == 400, move
        assert state_name(cast["ceo"], S.DECIDED) in response.json()["detail"]
    coo = api_as(cast["coo"])
    assert post(coo, decision.pk, "provide-info", {"answer": "x"}).status_code == 400
    assert written() == before


# -- scoping and filters --------------------------------------------------------------------------


@pytest.fixture
def four(cast):
    request = request_create(
        user=cast["head.ops"], to_department=dept("FIN"), subject="Budget", needed_by=days(5)
    )
    return {
        "FIN": escalate(cast, "FIN", department=dept("FIN")).pk,
        "LOG": escalate(cast, "LOG", department=dept("LOG")).pk,
        "NONE": escalate(cast, "NONE").pk,
        "OPS>FIN": escalate(cast, "OPS>FIN", coordination_request=request).pk,
    }


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
}


@pytest.mark.parametrize("key", list(SCOPES))
def test_list_is_scoped_per_role(cast, who, api_as, four, key):
    api = api_as(who(key))
    body = api.get(URL).json()
    assert body["count"] == len(SCOPES[key])
    assert {item["title"] for item in body["results"]} == SCOPES[key]
    for title in EVERYTHING - SCOPES[key]:
        assert api.get(f"{URL}{four[title]}/").status_code == 404
        assert post(api, four[title], "decide", {"option": 1}).status_code == 404
        assert post(api, four[title], "provide-info", {"answer": "x"}).status_code == 404
    for title in SCOPES[key]:
        assert api.get(f"{URL}{four[title]}/").status_code == 200


def titles(api, **params) -> list[str]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return [item["title"] for item in response.json()["results"]]


def test_filters_and_the_queue_order(cast, api_as):
    ceo_user = cast["ceo"]
    escalate(cast, "Later", deadline=days(9))
    escalate(cast, "Sooner", deadline=days(2), context="Warehouse roof leaks.")
    decided = escalate(cast, "Decided", deadline=days(1))
    decision_decide(decision=decided, user=ceo_user, option=1, instructions="Fix the roof.")
    deferred = escalate(cast, "Deferred", deadline=days(3))
    decision_defer(decision=deferred, user=ceo_user, new_deadline=days(5))
    api = api_as(cast["ceo"])
    assert titles(api) == ["Decided", "Sooner", "Deferred", "Later"]  # by deadline
    assert titles(api, pending="true") == ["Sooner", "Deferred", "Later"]
    assert titles(api, pending="false") == ["Decided"]
    assert titles(api, status="deferred") == ["Deferred"]
    assert titles(api, status="open") == ["Sooner", "Later"]
    assert titles(api, search="roof") == ["Decided", "Sooner"]  # instructions and context
    assert titles(api, search="ROOF leaks") == ["Sooner"]
    assert api.get(URL, {"status": "maybe"}).status_code == 400


# -- query counts ---------------------------------------------------------------------------------


def grow(cast, count: int) -> None:
    ceo = cast["ceo"]
    for n in range(count):
        d = escalate(cast, f"D{n}", department=dept("LOG" if n % 2 else "OPS"))
        if n % 3 == 1:
            decision_decide(decision=d, user=ceo, option=2)
        elif n % 3 == 2:
            decision_defer(decision=d, user=ceo, new_deadline=days(30 + n))


def queries(api, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = api.get(url, params or {})
        assert response.status_code == 200, url
    return len(context)


def measure(cast, api_as) -> dict[str, int]:
    first = DecisionRequest.objects.filter(department__code="LOG").order_by("pk").first()
    counts = {}
    for key, user in [("ceo", cast["ceo"]), ("head.ops", cast["head.ops"])]:
        api = api_as(user)
        counts[f"list {key}"] = queries(api, URL)
        counts[f"pending {key}"] = queries(api, URL, {"pending": "true", "search": "D"})
        counts[f"detail {key}"] = queries(api, f"{URL}{first.pk}/")
    return counts


def test_query_counts_do_not_grow(cast, api_as):
    from operations.services.decisions import FollowUp

    grow(cast, 3)
    small = measure(cast, api_as)
    grow(cast, 20)
    for d in DecisionRequest.objects.filter(status=S.DECIDED)[:3]:
        Assignment.objects.create(
            title="Follow-up",
            due_date=days(5),
            assigned_by=cast["ceo"],
            department=dept("FIN"),
            decision=d,
        )
    d = escalate(cast, "With follow-ups", department=dept("LOG"))
    decision_decide(
        decision=d,
        user=cast["ceo"],
        option=1,
        follow_ups=[FollowUp(title="Do it", due_date=days(5), department=dept("LOG"))],
    )
    large = measure(cast, api_as)
    assert small == large
    assert max(large.values()) <= 12, large
