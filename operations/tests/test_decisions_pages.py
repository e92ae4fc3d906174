"""Decision pages: the queue, the log (filters, export), escalation, the CEO's moves, links both
ways to the records behind a decision, the home panels; every page for every role; query
counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from operations.models import (
    Assignment,
    CoordinationRequest,
    DecisionEvent,
    DecisionOption,
    DecisionRequest,
)
from operations.services.assignments import assignment_create
from operations.services.coordination import request_create
from operations.services.decisions import decision_create, decision_decide, decision_request_info
from operations.services.reports import action_item_create, period_of, report_create, report_submit
from operations.tests.helpers import content_of, csv_rows, xlsx_rows
from organization.models import Department, User

pytestmark = pytest.mark.django_db

S = DecisionRequest.Status
ROLES = ["ceo", "coo", "auditor", "head.ops", "head.log", "head.fin", "manager:OPS", "staff:LOG"]

QUEUE = reverse("operations:decision_queue")
LOG = reverse("operations:decision_log")
CREATE = reverse("operations:decision_create")


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def url(decision: DecisionRequest, move: str = "") -> str:
    name = f"operations:decision_{move}" if move else "operations:decision_detail"
    return reverse(name, args=[decision.pk])


OPTIONS = [
    {"title": "Hire a second shift", "pros": "Faster", "cons": "Costly"},
    {"title": "Rent a warehouse", "pros": "Room", "cons": "Far away"},
]


def escalate(coo: User, title: str, *, deadline: dt.date | None = None, **sources):
    return decision_create(
        user=coo,
        title=title,
        context=f"Context of {title}.",
        options=OPTIONS,
        deadline=deadline or days(10),
        recommendation="The second.",
        **sources,
    )


def written() -> dict[str, int]:
    return {
        "decisions": DecisionRequest.objects.count(),
        "options": DecisionOption.objects.count(),
        "events": DecisionEvent.objects.count(),
        "assignments": Assignment.objects.count(),
    }


def user_of(cast, key: str) -> User:
    kind, _, code = key.partition(":")
    if kind == "manager":
        return cast.manager(code)
    if kind == "staff":
        return cast.staff(code)
    return cast[key]


@pytest.fixture(autouse=True)
def _in_english(cast):
    User.objects.update(language="en")


def coordination(cast) -> CoordinationRequest:
    return request_create(
        user=cast["head.log"],
        to_department=dept("FIN"),
        subject="Pay the carriers on time",
        details="Three invoices are late.",
        needed_by=days(5),
    )


def action_item(cast):
    head = cast["head.log"]
    report = report_create(
        user=head,
        kind="weekly",
        period_start=period_of("weekly", today())[0],
        department=dept("LOG"),
        kpis=[],
        summary="A week.",
        accomplishments="Shipped.",
        problems="The forklift broke down.",
        next_steps="Repair it.",
    )
    report = report_submit(report=report, user=head)
    return action_item_create(
        report=report, user=cast["coo"], title="Forklift down", owner=head, due_date=days(7)
    )


@pytest.fixture
def company(cast):
    """Four decision requests: from a LOG -> FIN coordination request, from a LOG action item,
    from an assignment to OPS, and one from scratch."""
    coo = cast["coo"]
    request = coordination(cast)
    item = action_item(cast)
    task = assignment_create(
        user=coo, title="Reorganise the depot", due_date=days(9), department=dept("OPS")
    )
    return {
        "fin": escalate(coo, "Carrier payments", coordination_request=request),
        "log_item": escalate(coo, "Forklift budget", action_item=item),
        "ops": escalate(coo, "Depot layout", assignment=task),
        "scratch": escalate(coo, "Open a branch"),
    }


SEES = {
    "ceo": {"fin", "log_item", "ops", "scratch"},
    "coo": {"fin", "log_item", "ops", "scratch"},
    "auditor": {"fin", "log_item", "ops", "scratch"},
    "head.ops": {"fin", "log_item", "ops"},  # OPS and LOG below it
    "head.log": {"fin", "log_item"},
    "head.fin": {"fin"},
    "manager:OPS": {"fin", "log_item", "ops"},
    "staff:LOG": set(),
}


# -- every page for every role ------------------------------------------------------------------


@pytest.mark.parametrize("key", ROLES)
def test_every_page_for_every_role(cast, company, client, key):
    user = user_of(cast, key)
    client.force_login(user)
    listed = key != "staff:LOG"
    assert client.get(QUEUE).status_code == (200 if listed else 403)
    assert client.get(LOG).status_code == (200 if listed else 403)
    assert client.get(CREATE).status_code == (200 if key == "coo" else 403)
    for name, decision in company.items():
        expected = 200 if name in SEES[key] else 404
        assert client.get(url(decision)).status_code == expected, name
    if listed:
        queue = client.get(QUEUE).content.decode()
        log = client.get(LOG).content.decode()
        for name, decision in company.items():
            assert (decision.title in queue) == (name in SEES[key]), name
            assert (decision.title in log) == (name in SEES[key]), name


@pytest.mark.parametrize("key", ROLES)
def test_only_the_ceo_decides(cast, company, client, key):
    decision = company["fin"]
    before = written()
    client.force_login(user_of(cast, key))
    response = client.post(url(decision, "decide"), {"option": decision.options.first().pk})
    if key == "ceo":
        assert response.status_code == 302
        assert DecisionRequest.objects.get(pk=decision.pk).status == S.DECIDED
        return
    assert response.status_code == (404 if key == "staff:LOG" else 403)
    assert written() == before
    assert DecisionRequest.objects.get(pk=decision.pk).status == S.OPEN
    for move, data in (
        ("request_info", {"question": "Why?"}),
        ("defer", {"new_deadline": days(30)}),
    ):
        response = client.post(url(decision, move), data)
        assert response.status_code == (404 if key == "staff:LOG" else 403), move
    assert written() == before


@pytest.mark.parametrize("key", ["ceo", "coo", "head.fin"])
def test_who_sees_which_forms(cast, company, client, key):
    decision = company["fin"]
    client.force_login(user_of(cast, key))
    page = client.get(url(decision)).content.decode()
    ceo = key == "ceo"
    assert ('data-testid="decide-form"' in page) == ceo
    assert ('data-testid="move-request-info"' in page) == ceo
    assert ('data-testid="move-defer"' in page) == ceo
    assert 'data-testid="move-provide-info"' not in page


# -- the queue ----------------------------------------------------------------------------------


def test_queue_orders_by_deadline_flags_overdue_and_counts(cast, company, client):
    ceo = cast["ceo"]
    DecisionRequest.objects.filter(pk=company["scratch"].pk).update(deadline=days(-2))
    DecisionRequest.objects.filter(pk=company["ops"].pk).update(deadline=days(3))
    decision_request_info(decision=company["fin"], user=ceo, question="What do carriers say?")
    decision_decide(decision=company["log_item"], user=ceo, option=1)
    client.force_login(ceo)
    page = client.get(QUEUE).content.decode()
    titles = ["Open a branch", "Depot layout", "Carrier payments"]
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)
    assert "Forklift budget" not in page  # decided: in the log, not in the queue
    assert page.count('data-testid="overdue"') == 1
    assert 'data-testid="waiting-on-coo"' in page
    for testid, value in (
        ("count-pending", 3),
        ("count-awaiting-ceo", 2),
        ("count-info-requested", 1),
        ("count-overdue", 1),
    ):
        assert f'data-testid="{testid}">{value}<' in page, testid


# -- escalating ---------------------------------------------------------------------------------


def form_data(**changes) -> dict:
    data = {
        "title": "Close the old depot",
        "context": "It costs more than it earns.",
        "recommendation": "Close it by June.",
        "deadline": days(14).isoformat(),
        "department": "OPS",
        "options-TOTAL_FORMS": "4",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "10",
        "options-0-title": "Close it",
        "options-0-pros": "Saves money",
        "options-0-cons": "Staff to move",
        "options-1-title": "Keep it",
        "options-1-pros": "Nothing changes",
        "options-1-cons": "Losses go on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_coo_escalates_from_scratch(cast, client):
    client.force_login(cast["coo"])
    response = client.post(CREATE, form_data())
    decision = DecisionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url(decision)
    assert decision.requested_by == cast["coo"] and decision.department.code == "OPS"
    assert [o.title for o in decision.options.all()] == ["Close it", "Keep it"]
    assert decision.options.first().pros == "Saves money"
    assert list(decision.events.values_list("action", flat=True)) == ["escalated"]


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"options-0-title": "", "options-0-pros": "", "options-0-cons": "",
             "options-1-title": "", "options-1-pros": "", "options-1-cons": ""},
            "Give the CEO at least one option.",
        ),
        ({"options-1-title": ""}, "Give every option a title."),
        ({"deadline": (today() - dt.timedelta(days=1)).isoformat()}, "The deadline cannot be in the past."),
        ({"title": ""}, "This field is required."),
        ({"context": "  "}, "This field is required."),
    ],
)  # fmt: skip
def test_bad_escalations_are_refused_and_write_nothing(cast, client, changes, message):
    client.force_login(cast["coo"])
    before = written()
    response = client.post(CREATE, form_data(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'data-testid="form-errors"' in page
    assert "Close the old depot" in page or changes.get("title") == ""  # what was typed is kept
    assert written() == before


def test_only_the_coo_posts_an_escalation(cast, client):
    for key in ("ceo", "auditor", "head.ops", "staff:LOG"):
        client.force_login(user_of(cast, key))
        assert client.post(CREATE, form_data()).status_code == 403, key
    assert not DecisionRequest.objects.exists()


@pytest.mark.parametrize("source", ["coordination_request", "action_item", "assignment"])
def test_escalating_from_a_record_suggests_and_links(cast, client, source):
    coo = cast["coo"]
    records = {
        "coordination_request": lambda: coordination(cast),
        "action_item": lambda: action_item(cast),
        "assignment": lambda: assignment_create(
            user=coo, title="Audit the fleet", due_date=days(9), department=dept("LOG")
        ),
    }
    record = records[source]()
    client.force_login(coo)
    page = client.get(CREATE, {source: record.pk}).content.decode()
    assert str(record) in page  # the suggested title, and the source shown
    assert record.get_absolute_url() in page
    response = client.post(f"{CREATE}?{source}={record.pk}", form_data(title="From a record"))
    decision = DecisionRequest.objects.get(title="From a record")
    assert response.status_code == 302
    assert getattr(decision, f"{source}_id") == record.pk
    # links both ways: the detail names the record, the record's include names the decision
    detail = client.get(url(decision)).content.decode()
    assert record.get_absolute_url() in detail
    include = render_include(coo, record, source)
    assert url(decision) in include and "From a record" in include


def test_a_missing_or_bad_source_is_404(cast, client):
    client.force_login(cast["coo"])
    assert client.get(CREATE, {"coordination_request": 999999}).status_code == 404
    assert client.get(CREATE, {"action_item": "x"}).status_code == 404
    assert client.post(f"{CREATE}?assignment=999999", form_data()).status_code == 404
    assert not DecisionRequest.objects.exists()


def render_include(user, record, source: str) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "operations/decisions/includes/linked_decisions.html",
        {"record": record, "source": source},
        request=request,
    )


def test_the_include_escalate_button_is_for_the_coo(cast):
    record = coordination(cast)
    coo_view = render_include(cast["coo"], record, "coordination_request")
    button = f"{CREATE}?coordination_request={record.pk}"
    assert button in coo_view and 'data-testid="linked-decisions-empty"' in coo_view
    for key in ("ceo", "head.log"):
        assert button not in render_include(user_of(cast, key), record, "coordination_request")
    assert button not in render_include(AnonymousUser(), record, "coordination_request")


# -- the CEO's moves ----------------------------------------------------------------------------


def decide_data(option: int, **changes) -> dict:
    data = {
        "option": str(option),
        "instructions": "Start next month.",
        "followups-TOTAL_FORMS": "2",
        "followups-INITIAL_FORMS": "0",
        "followups-MIN_NUM_FORMS": "0",
        "followups-MAX_NUM_FORMS": "10",
    }
    data.update(changes)
    return data


def test_the_ceo_decides_with_a_follow_up_assignment(cast, company, client):
    decision = company["ops"]
    second = list(decision.options.all())[1]
    staff = cast.staff("LOG")
    client.force_login(cast["ceo"])
    response = client.post(
        url(decision, "decide"),
        decide_data(
            second.pk,
            **{
                "followups-0-title": "Sign the lease",
                "followups-0-assignee": staff.username,
                "followups-0-due_date": days(20).isoformat(),
                "followups-0-priority": "high",
            },
        ),
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.DECIDED and decision.chosen_option == second
    assert decision.decided_by == cast["ceo"] and decision.instructions == "Start next month."
    follow_up = Assignment.objects.get(decision=decision)
    assert follow_up.title == "Sign the lease" and follow_up.assignee == staff
    assert follow_up.priority == "high" and follow_up.from_ceo
    page = client.get(url(decision)).content.decode()
    assert 'data-testid="chosen"' in page and 'data-testid="decide-form"' not in page
    assert follow_up.get_absolute_url() in page
    assert "Sign the lease" in page
    # a second decision is refused with a message, nothing changes
    response = client.post(url(decision, "decide"), decide_data(second.pk), follow=True)
    assert "decided" in response.content.decode()
    assert Assignment.objects.filter(decision=decision).count() == 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"option": ""}, "This field is required."),
        ({"option": "999999"}, "Select a valid choice."),
        (
            {"followups-0-title": "Sign", "followups-0-due_date": days(5).isoformat()},
            "not both and not neither",
        ),
        (
            {"followups-0-title": "Sign", "followups-0-department": "FIN",
             "followups-0-due_date": (today() - dt.timedelta(days=1)).isoformat()},
            "The due date cannot be in the past.",
        ),
        ({"followups-0-department": "FIN"}, "Give every follow-up task a title."),
    ],
)  # fmt: skip
def test_bad_decisions_are_refused_and_write_nothing(cast, company, client, changes, message):
    decision = company["ops"]
    client.force_login(cast["ceo"])
    before = written()
    data = decide_data(decision.options.first().pk)
    data.update(changes)
    response = client.post(url(decision, "decide"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert written() == before
    assert DecisionRequest.objects.get(pk=decision.pk).status == S.OPEN


def test_request_info_then_provide_info_then_decide(cast, company, client):
    decision = company["fin"]
    ceo, coo = cast["ceo"], cast["coo"]
    client.force_login(ceo)
    assert client.post(url(decision, "request_info"), {"question": ""}).status_code == 400
    response = client.post(url(decision, "request_info"), {"question": "What do carriers say?"})
    assert response.status_code == 302
    assert DecisionRequest.objects.get(pk=decision.pk).status == S.INFO_REQUESTED
    page = client.get(url(decision)).content.decode()
    assert 'data-testid="move-request-info"' not in page and 'data-testid="decide-form"' in page
    # the CEO may not answer their own question
    assert client.post(url(decision, "provide_info"), {"answer": "x"}).status_code == 403

    client.force_login(coo)
    home = client.get("/").content.decode()
    assert 'data-testid="panel-decisions-info-requested"' in home and decision.title in home
    page = client.get(url(decision)).content.decode()
    assert "What do carriers say?" in page and 'data-testid="move-provide-info"' in page
    assert client.post(url(decision, "provide_info"), {"answer": " "}).status_code == 400
    response = client.post(url(decision, "provide_info"), {"answer": "They wait until Friday."})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.OPEN and "They wait until Friday." in decision.context
    assert 'data-testid="panel-decisions-info-requested"' not in client.get("/").content.decode()

    client.force_login(ceo)
    first = decision.options.order_by("order", "pk").first()
    assert client.post(url(decision, "decide"), decide_data(first.pk)).status_code == 302
    actions = list(decision.events.values_list("action", flat=True))
    assert actions == ["escalated", "info_requested", "info_provided", "decided"]
    page = client.get(url(decision)).content.decode()
    assert page.count('data-testid="event"') == 4


def test_defer(cast, company, client):
    decision = company["ops"]
    client.force_login(cast["ceo"])
    for bad in (today() - dt.timedelta(days=1), today(), decision.deadline):
        response = client.post(url(decision, "defer"), {"new_deadline": bad.isoformat()})
        assert response.status_code == 400, bad
        assert 'data-testid="defer"' in response.content.decode()
    assert DecisionRequest.objects.get(pk=decision.pk).deadline == decision.deadline
    assert not decision.events.filter(action="deferred").exists()
    later = decision.deadline + dt.timedelta(days=7)
    response = client.post(url(decision, "defer"), {"new_deadline": later.isoformat()})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == S.DEFERRED and decision.deadline == later
    assert decision.times_deferred == 1


# -- the log ------------------------------------------------------------------------------------


def test_log_filters_search_and_exports(cast, company, client):
    ceo = cast["ceo"]
    decision_decide(
        decision=company["fin"], user=ceo, option=2, instructions="Pay from the reserve fund."
    )
    client.force_login(cast["auditor"])
    page = client.get(LOG, {"status": "decided"}).content.decode()
    assert "Carrier payments" in page and "Depot layout" not in page
    page = client.get(LOG, {"search": "reserve"}).content.decode()  # instructions
    assert "Carrier payments" in page and "Depot layout" not in page
    page = client.get(LOG, {"search": "Context of Depot"}).content.decode()  # context
    assert "Depot layout" in page and "Carrier payments" not in page
    page = client.get(LOG, {"department": "OPS"}).content.decode()
    assert "Depot layout" in page and "Carrier payments" not in page
    page = client.get(LOG, {"decided_by": "ceo"}).content.decode()
    assert "Carrier payments" in page and "Open a branch" not in page
    page = client.get(LOG, {"escalated_from": days(1).isoformat()}).content.decode()
    assert 'data-testid="empty"' in page
    page = client.get(LOG, {"escalated_to": today().isoformat()}).content.decode()
    assert page.count('data-testid="log-row"') == 4

    rows = csv_rows(client.get(LOG, {"export": "csv", "status": "decided"}))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Title", "Status", "Deadline"]
    assert "Option chosen" in header and "Instructions" in header and "Decided by" in header
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Title"] == "Carrier payments" and row["Status"] == "Decided"
    assert row["Option chosen"] == "Rent a warehouse" and row["Decided by"] == "ceo"
    assert row["Escalated by"] == "coo" and row["Instructions"] == "Pay from the reserve fund."
    assert len(xlsx_rows(client.get(LOG, {"export": "xlsx"}))) == 5

    events = csv_rows(client.get(LOG, {"events": "csv", "search": "Carrier"}))
    assert events[0][:3] == ["Decision request", "When", "Action"]
    assert [r[2] for r in events[1:]] == ["Escalated", "Decided"]
    assert client.get(LOG, {"events": "pdf"}).status_code == 404


def test_a_head_exports_only_what_they_see(cast, company, client):
    client.force_login(cast["head.fin"])
    rows = csv_rows(client.get(LOG, {"export": "csv"}))
    assert [r[0] for r in rows[1:]] == ["Carrier payments"]
    events = csv_rows(client.get(LOG, {"events": "csv"}))
    assert {r[0] for r in events[1:]} == {"Carrier payments"}


# -- home panels --------------------------------------------------------------------------------


def test_the_ceo_home_shows_pending_decisions(cast, company, client):
    DecisionRequest.objects.filter(pk=company["scratch"].pk).update(deadline=days(-1))
    client.force_login(cast["ceo"])
    home = client.get("/").content.decode()
    assert 'data-testid="panel-decisions-pending"' in home
    assert 'data-testid="panel-count">4<' in home and 'data-testid="panel-overdue"' in home
    assert "Open a branch" in home and QUEUE in home
    for key in ("coo", "auditor", "head.ops", "staff:LOG"):
        client.force_login(user_of(cast, key))
        assert 'data-testid="panel-decisions-pending"' not in client.get("/").content.decode()


# -- query counts -------------------------------------------------------------------------------


def grow(cast, count: int) -> None:
    """``count`` more decision requests from varied sources, some decided with follow-ups."""
    coo, ceo = cast["coo"], cast["ceo"]
    for i in range(count):
        sources = {}
        if i % 3 == 0:
            sources["coordination_request"] = coordination(cast)
        elif i % 3 == 1:
            sources["assignment"] = assignment_create(
                user=coo, title=f"Task {i}", due_date=days(9), department=dept("LOG")
            )
        decision = escalate(coo, f"Extra {i}", deadline=days(i + 1), **sources)
        if i % 2:
            decision_decide(decision=decision, user=ceo, option=1)


def queries(client, target: str, **params) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(target, params)
        assert response.status_code == 200, target
        content_of(response)
    return len(context)


@pytest.mark.parametrize("key", ["ceo", "coo", "head.ops"])
def test_query_counts_do_not_grow_with_the_data(cast, company, client, key):
    user = user_of(cast, key)
    client.force_login(user)
    decision = company["fin"]

    def measure() -> dict[str, int]:
        return {
            "queue": queries(client, QUEUE),
            "log": queries(client, LOG),
            "log_filtered": queries(client, LOG, status="open", search="e"),
            "detail": queries(client, url(decision)),
            "export": queries(client, LOG, export="csv"),
            "events": queries(client, LOG, events="csv"),
            "home": queries(client, "/"),
        }

    small = measure()
    grow(cast, 2)
    for _ in range(2):  # more events and follow-ups on the decision shown
        decision_request_info(decision=decision, user=cast["ceo"], question="More?")
        DecisionRequest.objects.filter(pk=decision.pk).update(status=S.OPEN)
    Assignment.objects.filter(
        pk__in=list(Assignment.objects.values_list("pk", flat=True)[:3])
    ).update(decision=decision)
    bigger = measure()
    grow(cast, 6)
    biggest = measure()
    assert small == bigger == biggest, (small, bigger, biggest)
