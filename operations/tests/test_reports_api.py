"""The work reports and action items API: scoping role by role (404), moves by role (403), the
report state machine, timeliness, bad input that writes nothing, query counts and the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import ActionItem, WorkReport, WorkReportEvent, WorkReportKpi
from operations.services.reports import (
    action_item_create,
    period_of,
    report_create,
    report_review,
    report_submit,
)
from organization.models import Department, User

pytestmark = pytest.mark.django_db

REPORTS = "/api/v1/work-reports/"
ITEMS = "/api/v1/action-items/"
ROLES = [
    "ceo",
    "coo",
    "auditor",
    "head.ops",
    "head.log",
    "head.fin",
    "manager:OPS",
    "manager:LOG",
    "staff:LOG",
]
SECTIONS = {
    "summary": "A steady week.",
    "accomplishments": "Shipped every order.",
    "problems": "One truck broke down.",
    "next_steps": "Service the fleet.",
}


@pytest.fixture(autouse=True)
def _in_english(cast):
    """Messages are read in English."""
    User.objects.update(language="en")


def today() -> dt.date:
    return timezone.localdate()


def this_week() -> dt.date:
    return period_of("weekly", today())[0]


def weeks_ago(n: int) -> dt.date:
    return this_week() - dt.timedelta(weeks=n)


def report_url(report, move: str = "") -> str:
    pk = report if isinstance(report, int) else report.pk
    return f"{REPORTS}{pk}/" + (f"{move}/" if move else "")


def item_url(item, move: str = "") -> str:
    pk = item if isinstance(item, int) else item.pk
    return f"{ITEMS}{pk}/" + (f"{move}/" if move else "")


def written() -> dict[str, int]:
    """Rows of every work report table (to show a refusal wrote nothing)."""
    return {
        "reports": WorkReport.objects.count(),
        "kpis": WorkReportKpi.objects.count(),
        "events": WorkReportEvent.objects.count(),
        "action_items": ActionItem.objects.count(),
    }


def department_report(head: User, code: str, start: dt.date | None = None, **sections):
    return report_create(
        user=head,
        kind="weekly",
        period_start=start or this_week(),
        department=Department.objects.get(code=code),
        kpis=[{"name": "Orders shipped", "value": "120", "unit": "orders", "target": "100"}],
        **{**SECTIONS, **sections},
    )


@pytest.fixture
def reports(cast):
    """A department report of OPS, LOG and FIN; individual reports of a LOG staff member (to
    the LOG manager) and of the OPS manager (to head.ops)."""
    return {
        "ops": department_report(cast["head.ops"], "OPS"),
        "log": department_report(cast["head.log"], "LOG"),
        "fin": department_report(cast["head.fin"], "FIN"),
        "staff_log": report_create(
            user=cast.staff("LOG"),
            kind="weekly",
            period_start=this_week(),
            individual=True,
            **SECTIONS,
        ),
        "manager_ops": report_create(
            user=cast.manager("OPS"),
            kind="weekly",
            period_start=this_week(),
            individual=True,
            **SECTIONS,
        ),
    }


EVERYTHING = {"ops", "log", "fin", "staff_log", "manager_ops"}
SEES = {
    "ceo": EVERYTHING,
    "coo": EVERYTHING,
    "auditor": EVERYTHING,
    "head.ops": {"ops", "log", "staff_log", "manager_ops"},  # OPS and LOG below it
    "head.log": {"log", "staff_log"},
    "head.fin": {"fin"},
    "manager:OPS": {"ops", "log", "staff_log", "manager_ops"},
    "manager:LOG": {"log", "staff_log"},
    "staff:LOG": {"staff_log"},  # only the individual report they wrote
}


# -- scoping ----------------------------------------------------------------------------------


def test_the_anonymous_are_refused(reports, api_client):
    before = written()
    assert api_client.get(REPORTS).status_code in (401, 403)
    assert api_client.get(report_url(reports["ops"])).status_code in (401, 403)
    assert api_client.post(REPORTS, {"kind": "weekly"}, format="json").status_code in (401, 403)
    assert api_client.get(ITEMS).status_code in (401, 403)
    assert written() == before


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_reports(cast, who, api_as, reports, role):
    api = api_as(who(role))

    body = api.get(REPORTS).json()

    assert {item["id"] for item in body["results"]} == {reports[k].pk for k in SEES[role]}
    assert body["count"] == len(SEES[role])
    for key, report in reports.items():
        expected = 200 if key in SEES[role] else 404
        assert api.get(report_url(report)).status_code == expected, key
        if expected == 404:
            assert api.post(report_url(report, "submit")).status_code == 404
            assert api.patch(report_url(report), {"summary": "x"}, format="json").status_code == 404


def test_an_item_shows_the_report(cast, api_as, reports):
    body = api_as(cast["coo"]).get(report_url(reports["log"])).json()

    assert body["kind"] == "weekly" and body["individual"] is False
    assert (body["department"], body["author"], body["reviewer"]) == ("LOG", "head.log", None)
    assert body["status"] == "draft"
    assert body["period_start"] == this_week().isoformat()
    assert body["period_end"] == (this_week() + dt.timedelta(days=6)).isoformat()
    assert body["summary"] == SECTIONS["summary"] and body["support_needed"] == ""
    assert body["kpis"] == [
        {
            "name": "Orders shipped",
            "value": "120.00",
            "unit": "orders",
            "target": "100.00",
            "met": True,
        }
    ]
    due = dt.datetime.fromisoformat(body["due_at"].replace("Z", "+00:00"))
    assert due == reports["log"].due_at
    assert body["submitted_at"] is None and body["on_time"] is None
    assert body["rating"] is None and body["review_duration"] is None
    individual = api_as(cast["coo"]).get(report_url(reports["staff_log"])).json()
    assert individual["individual"] is True and individual["department"] == "LOG"
    assert individual["reviewer"] == cast.manager("LOG").username


# -- creating ---------------------------------------------------------------------------------

CREATE_LOG_REPORT = {
    "ceo": 403,
    "coo": 403,  # the COO reviews department reports, the head writes them
    "auditor": 403,
    "head.ops": 201,  # LOG is below OPS
    "head.log": 201,
    "head.fin": 403,
    "manager:OPS": 403,
    "manager:LOG": 403,
    "staff:LOG": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_create_a_department_report(cast, who, api_as, role):
    before = written()

    response = api_as(who(role)).post(
        REPORTS,
        {
            "kind": "monthly",
            "period_start": today().replace(day=1).isoformat(),
            "department": "LOG",
            **SECTIONS,
        },
        format="json",
    )

    assert response.status_code == CREATE_LOG_REPORT[role], response.json()
    if response.status_code == 201:
        body = response.json()
        assert (body["kind"], body["department"], body["status"]) == ("monthly", "LOG", "draft")
        assert body["author"] == who(role).username
        assert WorkReport.objects.get(pk=body["id"]).events.count() == 1
    else:
        assert (
            "Department reports are written by the department's head."
            in (response.json()["detail"])
        )
        assert written() == before


def test_a_staff_member_writes_an_individual_report_to_their_manager(cast, api_as):
    staff = cast.staff("LOG")
    api = api_as(staff)

    response = api.post(
        REPORTS,
        {"kind": "weekly", "period_start": this_week().isoformat(), "individual": True},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["individual"] is True and body["department"] == "LOG"
    assert body["reviewer"] == cast.manager("LOG").username
    refused = api.post(
        REPORTS,
        {"kind": "weekly", "period_start": weeks_ago(1).isoformat(), "department": "LOG"},
        format="json",
    )
    assert refused.status_code == 403
    assert WorkReport.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "daily"}, "kind"),
        ({"period_start": "last week"}, "period_start"),
        ({"period_start": (this_week() + dt.timedelta(days=1)).isoformat()}, "period_start"),
        ({"period_start": (this_week() + dt.timedelta(weeks=1)).isoformat()}, "period_start"),
        ({"department": "NOPE"}, "department"),
        ({"kpis": [{"name": "Orders", "value": "many"}]}, "kpis"),
        ({"kpis": [{"value": "3"}]}, "kpis"),
        ({"kpis": "none"}, "kpis"),
    ],
)
def test_bad_input_says_which_field_and_writes_nothing(cast, api_as, change, field):
    data = {"kind": "weekly", "period_start": this_week().isoformat(), "department": "LOG"}
    data.update(change)

    response = api_as(cast["head.log"]).post(REPORTS, data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert written() == {"reports": 0, "kpis": 0, "events": 0, "action_items": 0}


def test_a_second_report_for_the_period_is_refused(cast, api_as, reports):
    before = written()

    response = api_as(cast["head.ops"]).post(
        REPORTS,
        {"kind": "weekly", "period_start": this_week().isoformat(), "department": "OPS"},
        format="json",
    )

    assert response.status_code == 400
    assert "already a weekly report" in response.json()["period_start"][0]
    assert written() == before


# -- the state machine ------------------------------------------------------------------------


def test_the_whole_way_through_the_api(cast, api_as, django_capture_on_commit_callbacks):
    head = api_as(cast["head.log"])
    response = head.post(
        REPORTS,
        {
            "kind": "weekly",
            "period_start": this_week().isoformat(),
            "department": "LOG",
            "summary": "Draft summary.",
            "kpis": [{"name": "On-time deliveries", "value": "93.5", "unit": "%", "target": "95"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]

    response = head.patch(
        report_url(pk),
        {
            "summary": "A good week.",
            "accomplishments": "All trucks out.",
            "next_steps": "Keep going.",
            "kpis": [
                {"name": "On-time deliveries", "value": "96", "unit": "%", "target": "95"},
                {"name": "Damaged parcels", "value": "2"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["summary"] == "A good week." and body["status"] == "draft"
    assert [(k["name"], k["value"], k["met"]) for k in body["kpis"]] == [
        ("On-time deliveries", "96.00", True),
        ("Damaged parcels", "2.00", None),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = head.post(report_url(pk, "submit"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["on_time"] is True
    first_submitted = body["first_submitted_at"]
    assert body["submitted_at"] == first_submitted

    # A head does not review, and the author may not change a submitted report.
    response = api_as(cast["head.ops"]).post(report_url(pk, "review"), {"rating": 4}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the report's reviewer may review it."
    assert (
        api_as(cast["auditor"]).post(report_url(pk, "return"), {"comment": "x"}).status_code == 403
    )
    response = api_as(cast["head.log"]).patch(report_url(pk), {"summary": "x"}, format="json")
    assert response.status_code == 400 and "submitted" in response.json()["detail"]

    coo = api_as(cast["coo"])
    response = coo.post(report_url(pk, "return"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"comment": ["Say what needs revising."]}
    response = coo.post(report_url(pk, "return"), {"comment": "Add the fleet costs."})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "returned" and body["return_comment"] == "Add the fleet costs."

    head = api_as(cast["head.log"])
    assert head.patch(report_url(pk), {"problems": "Fleet costs up 5%."}).status_code == 200
    response = head.post(report_url(pk, "submit"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["on_time"] is True
    assert body["first_submitted_at"] == first_submitted

    coo = api_as(cast["coo"])
    for rating in (0, 6, "x", None):
        before = written()
        response = coo.post(
            report_url(pk, "review"), {"rating": rating, "comment": "No."}, format="json"
        )
        assert response.status_code == 400, rating
        assert "rating" in response.json()
        assert written() == before
        report = WorkReport.objects.get(pk=pk)
        assert (report.status, report.rating, report.review_comment) == ("submitted", None, "")
    response = coo.post(
        report_url(pk, "review"), {"rating": 4, "comment": "Efficient."}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["rating"], body["review_comment"]) == ("reviewed", 4, "Efficient.")
    assert body["reviewed_by"] == "coo" and isinstance(body["review_duration"], int)
    assert body["review_duration"] >= 0
    report = WorkReport.objects.get(pk=pk)
    assert body["review_duration"] == round(report.review_duration.total_seconds())
    assert list(report.events.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "returned",
        "submitted",
        "reviewed",
    ]

    # A reviewed report is settled.
    before = written()
    response = api_as(cast["head.log"]).patch(report_url(pk), {"summary": "Late edit."})
    assert response.status_code == 400 and "reviewed" in response.json()["detail"]
    assert api_as(cast["head.log"]).post(report_url(pk, "submit")).status_code == 400
    assert api_as(cast["coo"]).post(report_url(pk, "review"), {"rating": 5}).status_code == 400
    assert written() == before
    assert WorkReport.objects.get(pk=pk).summary == "A good week."


def test_submitting_with_empty_required_sections_is_refused(cast, api_as):
    report = department_report(cast["head.log"], "LOG", summary="", next_steps="  ")
    before = written()

    response = api_as(cast["head.log"]).post(report_url(report, "submit"))

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["summary"]
    assert "summary" in body["summary"][0] and "plan for the next period" in body["summary"][0]
    assert written() == before
    assert WorkReport.objects.get(pk=report.pk).status == "draft"


def test_on_time_comes_from_the_due_time(cast, api_as):
    api = api_as(cast["head.ops"])
    late = department_report(cast["head.ops"], "OPS", start=weeks_ago(3))
    in_time = department_report(cast["head.ops"], "OPS")
    assert late.due_at < timezone.now() < in_time.due_at

    late_body = api.post(report_url(late, "submit")).json()
    in_time_body = api.post(report_url(in_time, "submit")).json()

    assert (late_body["status"], late_body["on_time"]) == ("submitted", False)
    assert (in_time_body["status"], in_time_body["on_time"]) == ("submitted", True)
    on_time = api.get(REPORTS, {"department": "OPS"}).json()["results"]
    assert {(item["id"], item["on_time"]) for item in on_time} == {
        (late.pk, False),
        (in_time.pk, True),
    }


def test_individual_reports_are_reviewed_by_the_manager_only(cast, api_as, reports):
    report = reports["staff_log"]
    assert api_as(cast.staff("LOG")).post(report_url(report, "submit")).status_code == 200

    coo = api_as(cast["coo"]).post(report_url(report, "review"), {"rating": 3})
    head = api_as(cast["head.log"]).post(report_url(report, "review"), {"rating": 3})
    manager = api_as(cast.manager("LOG")).post(report_url(report, "review"), {"rating": 3})

    assert (coo.status_code, head.status_code) == (403, 403)
    assert manager.status_code == 200 and manager.json()["rating"] == 3


def test_the_filters(cast, api_as, reports):
    submitted = department_report(cast["head.fin"], "FIN", start=weeks_ago(2))
    report_submit(report=submitted, user=cast["head.fin"])
    monthly = report_create(
        user=cast["head.fin"],
        kind="monthly",
        period_start=today().replace(day=1),
        department=Department.objects.get(code="FIN"),
    )
    api = api_as(cast["coo"])

    def ids(**params) -> set[int]:
        response = api.get(REPORTS, params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    assert ids(kind="monthly") == {monthly.pk}
    assert ids(status="submitted") == {submitted.pk}
    assert ids(department="FIN") == {reports["fin"].pk, submitted.pk, monthly.pk}
    assert ids(individual="true") == {reports["staff_log"].pk, reports["manager_ops"].pk}
    assert ids(department="FIN", individual="false", kind="weekly") == {
        reports["fin"].pk,
        submitted.pk,
    }
    assert ids(period_start_before=weeks_ago(1).isoformat(), kind="weekly") == {submitted.pk}
    assert ids(period_start_after=this_week().isoformat(), department="FIN", kind="weekly") == {
        reports["fin"].pk
    }
    assert api.get(REPORTS, {"kind": "daily"}).status_code == 400
    assert api.get(REPORTS, {"department": "NOPE"}).status_code == 400


# -- action items -----------------------------------------------------------------------------


def submitted_report(cast, code: str = "LOG") -> WorkReport:
    head = cast[f"head.{code.lower()}"]
    report = department_report(head, code)
    return report_submit(report=report, user=head)


def test_action_items_lifecycle(cast, api_as, django_capture_on_commit_callbacks):
    report = submitted_report(cast)
    due = (today() + dt.timedelta(days=10)).isoformat()
    coo = api_as(cast["coo"])

    with django_capture_on_commit_callbacks(execute=True):
        response = coo.post(
            ITEMS,
            {
                "report": report.pk,
                "title": "Truck breakdowns",
                "description": "Three in a month.",
                "owner": "head.log",
                "due_date": due,
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    item = response.json()
    assert (item["report"], item["department"], item["owner"]) == (report.pk, "LOG", "head.log")
    assert (item["status"], item["created_by"], item["overdue"]) == ("open", "coo", False)
    assert item["due_date"] == due and item["closed_at"] is None
    pk = item["id"]

    # Who may move it: the owner, whoever raised it, the COO and heads of the department.
    assert api_as(cast["head.fin"]).post(item_url(pk, "start")).status_code == 404
    assert api_as(cast["auditor"]).post(item_url(pk, "start")).status_code == 403
    assert api_as(cast["ceo"]).post(item_url(pk, "start")).status_code == 403
    assert api_as(cast.staff("LOG")).get(item_url(pk)).status_code == 404

    owner = api_as(cast["head.log"])
    response = owner.post(item_url(pk, "start"))
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert owner.post(item_url(pk, "start")).status_code == 400
    before = written()
    response = owner.post(item_url(pk, "close"), {}, format="json")
    assert response.status_code == 400 and response.json() == {
        "resolution": ["Say how it was resolved."]
    }
    assert written() == before
    response = owner.post(item_url(pk, "close"), {"resolution": "Fleet serviced."})
    body = response.json()
    assert (body["status"], body["resolution"]) == ("closed", "Fleet serviced.")
    assert body["closed_at"] is not None

    coo = api_as(cast["coo"])
    response = coo.post(item_url(pk, "reopen"), {"resolution": ""}, format="json")
    assert response.status_code == 400 and "resolution" in response.json()
    response = coo.post(item_url(pk, "reopen"), {"resolution": "It broke again."})
    body = response.json()
    assert (body["status"], body["resolution"], body["closed_at"]) == ("open", "", None)
    response = coo.post(item_url(pk, "cancel"), {"resolution": "Truck sold."})
    assert (response.json()["status"], response.json()["resolution"]) == (
        "cancelled",
        "Truck sold.",
    )
    assert ActionItem.objects.get(pk=pk).history.count() == 5


def test_action_items_are_raised_from_submitted_reports_by_its_people(cast, api_as):
    draft = department_report(cast["head.log"], "LOG", start=weeks_ago(1))
    submitted = submitted_report(cast, "FIN")
    due = (today() + dt.timedelta(days=3)).isoformat()

    def raise_item(user, report, **extra):
        data = {"report": report.pk, "title": "Problem", "owner": "head.log", "due_date": due}
        return api_as(user).post(ITEMS, {**data, **extra}, format="json")

    response = raise_item(cast["coo"], draft)
    assert response.status_code == 400
    assert response.json()["detail"] == "Action items are raised from submitted reports."
    response = raise_item(cast["head.log"], submitted)  # not a report they see
    assert response.status_code == 400 and "report" in response.json()
    response = raise_item(cast["auditor"], submitted)
    assert response.status_code == 403
    response = raise_item(cast["coo"], submitted, due_date=(today() - dt.timedelta(days=1)))
    assert response.status_code == 400 and "due_date" in response.json()
    response = raise_item(cast["coo"], submitted, owner="nobody", title="")
    assert response.status_code == 400 and {"owner", "title"} <= set(response.json())
    assert not ActionItem.objects.exists()
    assert raise_item(cast["head.fin"], submitted, owner="head.fin").status_code == 201


def test_action_item_scoping_and_filters(cast, api_as):
    log = submitted_report(cast, "LOG")
    fin = submitted_report(cast, "FIN")
    later = today() + dt.timedelta(days=5)
    coo = cast["coo"]
    log_item = action_item_create(
        report=log, user=coo, title="Fleet", owner=cast["head.log"], due_date=later
    )
    staff_item = action_item_create(
        report=log, user=coo, title="Forklift", owner=cast.staff("LOG"), due_date=later
    )
    fin_item = action_item_create(
        report=fin, user=coo, title="Invoices", owner=cast["head.fin"], due_date=later
    )
    ActionItem.objects.filter(pk=fin_item.pk).update(due_date=today() - dt.timedelta(days=2))

    def ids(user, **params) -> set[int]:
        response = api_as(user).get(ITEMS, params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    everything = {log_item.pk, staff_item.pk, fin_item.pk}
    assert ids(cast["auditor"]) == everything
    assert ids(cast["ceo"]) == everything
    assert ids(cast["head.ops"]) == {log_item.pk, staff_item.pk}
    assert ids(cast["head.fin"]) == {fin_item.pk}
    assert ids(cast.staff("LOG")) == {staff_item.pk}  # owned, though the report is not theirs
    assert api_as(cast.staff("LOG")).get(item_url(log_item)).status_code == 404
    assert api_as(cast["head.fin"]).get(item_url(log_item)).status_code == 404
    assert ids(coo, department="FIN") == {fin_item.pk}
    assert ids(coo, owner=cast.staff("LOG").username) == {staff_item.pk}
    assert ids(coo, overdue="true") == {fin_item.pk}
    assert ids(coo, overdue="false") == {log_item.pk, staff_item.pk}
    assert ids(coo, report=log.pk) == {log_item.pk, staff_item.pk}
    assert api_as(coo).get(item_url(fin_item)).json()["overdue"] is True
    api_as(cast["head.log"]).post(item_url(log_item, "start"))
    assert ids(coo, status="in_progress") == {log_item.pk}


# -- query counts -----------------------------------------------------------------------------


def grow(cast, weeks: int) -> None:
    """Submitted and reviewed department reports for ``weeks`` more weeks, with action items,
    and individual reports."""
    start = WorkReport.objects.filter(individual=False).count() // 3 + 4
    for n in range(start, start + weeks):
        for code in ("OPS", "LOG", "FIN"):
            head = cast[f"head.{code.lower()}"]
            report = department_report(head, code, start=weeks_ago(n))
            report = report_submit(report=report, user=head)
            action_item_create(
                report=report,
                user=cast["coo"],
                title=f"Problem {n}",
                owner=cast.staff(code) if code != "OPS" else head,
                due_date=today() + dt.timedelta(days=n),
            )
            if n % 2:
                report_review(report=report, user=cast["coo"], rating=3)
        staff = cast.staff("LOG")
        report_create(
            user=staff, kind="weekly", period_start=weeks_ago(n), individual=True, **SECTIONS
        )


def measure(cast, api_as) -> dict[str, int]:
    counts = {}
    for role in ("coo", "auditor", "head.ops", "staff:LOG"):
        kind, _, code = role.partition(":")
        user = cast.staff(code) if kind == "staff" else cast[role]
        api = api_as(user)
        for name, url in (("reports", REPORTS), ("items", ITEMS)):
            with CaptureQueriesContext(connection) as context:
                response = api.get(url, {"page_size": 100})
                assert response.status_code == 200
                assert response.json()["count"] > 0, (role, name)
            counts[f"{name} {role}"] = len(context)
    return counts


def test_query_counts_do_not_grow(cast, api_as):
    grow(cast, 2)
    small = measure(cast, api_as)
    grow(cast, 8)
    large = measure(cast, api_as)
    assert small == large
    assert max(large.values()) <= 12, large


# -- the schema -------------------------------------------------------------------------------


def test_the_schema_documents_the_endpoints_without_warnings(cast, api_as):
    from drf_spectacular.drainage import GENERATOR_STATS

    GENERATOR_STATS.reset()
    response = api_as(cast["coo"]).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache) | dict(
        GENERATOR_STATS._error_cache
    )
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/work-reports/"])
    assert {"get", "patch"} == set(paths["/api/v1/work-reports/{id}/"])
    for move in ("submit", "return", "review"):
        assert "post" in paths[f"/api/v1/work-reports/{{id}}/{move}/"]
    assert {"get", "post"} <= set(paths["/api/v1/action-items/"])
    for move in ("start", "close", "cancel", "reopen"):
        assert "post" in paths[f"/api/v1/action-items/{{id}}/{move}/"]
    parameters = {p["name"] for p in paths["/api/v1/work-reports/"]["get"]["parameters"]}
    assert {
        "kind",
        "status",
        "department",
        "individual",
        "period_start_after",
        "period_start_before",
        "page",
    } <= parameters
    parameters = {p["name"] for p in paths["/api/v1/action-items/"]["get"]["parameters"]}
    assert {"status", "department", "owner", "overdue"} <= parameters
