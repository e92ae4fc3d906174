"""Work report and action item pages: who may open what (200/403/404) role by role, writing,
submitting, returning and reviewing through the pages (bad input writes nothing), action items
and their moves, exports, the grid, the schedules, home panels, and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from operations.models import (
    ActionItem,
    ReportKind,
    ReportSchedule,
    WorkReport,
    WorkReportEvent,
    WorkReportKpi,
)
from operations.services import reports as services
from operations.tests.helpers import count_queries, csv_rows, xlsx_rows
from organization.models import Department, User

pytestmark = pytest.mark.django_db

S = WorkReport.Status
ROLES = ["ceo", "coo", "auditor", "head.ops", "head.log", "head.fin", "manager:OPS", "staff:LOG"]
COMPANY_WIDE = {"ceo", "coo", "auditor"}

SECTIONS = {
    "summary": "A steady week.",
    "accomplishments": "Shipped 40 orders.",
    "problems": "The forklift broke down twice.",
    "next_steps": "Repair the forklift.",
}


@pytest.fixture(autouse=True)
def _in_english(cast):
    """Pages answer in each user's language; these tests read the English messages."""
    User.objects.update(language="en")


def user_of(cast, key: str) -> User:
    kind, _, code = key.partition(":")
    if kind == "manager":
        return cast.manager(code)
    if kind == "staff":
        return cast.staff(code)
    return cast[key]


def last_week() -> dt.date:
    return services.previous_period_start(
        ReportKind.WEEKLY, services.period_of(ReportKind.WEEKLY, timezone.localdate())[0]
    )


def weeks_ago(n: int) -> dt.date:
    start = last_week()
    for _i in range(n - 1):
        start = services.previous_period_start(ReportKind.WEEKLY, start)
    return start


def write(user, *, code=None, individual=False, start=None, kpis=(), **sections) -> WorkReport:
    return services.report_create(
        user=user,
        kind=ReportKind.WEEKLY,
        period_start=start or last_week(),
        department=Department.objects.get(code=code) if code else None,
        individual=individual,
        kpis=list(kpis),
        **{**SECTIONS, **sections},
    )


@pytest.fixture
def company(cast):
    """Department reports of OPS (submitted), LOG (draft), FIN (reviewed) and an individual
    report of a LOG staff member to their manager (submitted)."""
    ops = write(
        cast["head.ops"],
        code="OPS",
        kpis=[{"name": "Orders shipped", "value": "40", "unit": "orders", "target": "35"}],
    )
    services.report_submit(report=ops, user=cast["head.ops"])
    log = write(cast["head.log"], code="LOG")
    fin = write(cast["head.fin"], code="FIN")
    services.report_submit(report=fin, user=cast["head.fin"])
    services.report_review(report=fin, user=cast["coo"], rating=4, comment="Good.")
    staff = write(cast.staff("LOG"), individual=True)
    services.report_submit(report=staff, user=cast.staff("LOG"))
    return {"ops": ops, "log": log, "fin": fin, "staff_log": staff}


SEES = {
    "ceo": {"ops", "log", "fin", "staff_log"},
    "coo": {"ops", "log", "fin", "staff_log"},
    "auditor": {"ops", "log", "fin", "staff_log"},
    "head.ops": {"ops", "log", "staff_log"},
    "head.log": {"log", "staff_log"},
    "head.fin": {"fin"},
    "manager:OPS": {"ops", "log", "staff_log"},
    "staff:LOG": {"staff_log"},
}


def written() -> dict[str, int]:
    return {
        "reports": WorkReport.objects.count(),
        "kpis": WorkReportKpi.objects.count(),
        "events": WorkReportEvent.objects.count(),
        "items": ActionItem.objects.count(),
        "schedules": ReportSchedule.objects.count(),
        "reviewed": WorkReport.objects.filter(status=S.REVIEWED).count(),
        "returned": WorkReport.objects.filter(status=S.RETURNED).count(),
    }


# -- who may open what -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ROLES)
def test_report_detail_and_list_per_role(cast, company, client, key):
    client.force_login(user_of(cast, key))
    listing = client.get(reverse("operations:report_list"))
    assert listing.status_code == 200
    rows = {r.pk for r in listing.context["reports"]}
    assert rows == {company[k].pk for k in SEES[key]}
    for name, report in company.items():
        expected = 200 if name in SEES[key] else 404
        assert client.get(report.get_absolute_url()).status_code == expected, name
        edit = client.get(reverse("operations:report_edit", args=[report.pk]))
        if name not in SEES[key]:
            assert edit.status_code == 404, name
        elif not services.is_author_side(user_of(cast, key), report):
            assert edit.status_code == 403, name


@pytest.mark.parametrize("key", ROLES)
def test_grid_schedules_and_create_pages_per_role(cast, company, client, key):
    client.force_login(user_of(cast, key))
    wide = key in COMPANY_WIDE
    assert client.get(reverse("operations:report_grid")).status_code == (200 if wide else 403)
    assert client.get(reverse("operations:report_schedules")).status_code == (200 if wide else 403)
    before = written()
    posted = client.post(reverse("operations:report_schedules"), {})
    assert posted.status_code == (302 if key == "coo" else 403)
    assert written() == before
    # Everyone but the CEO has a manager (individual reports) or heads a department.
    create = client.get(reverse("operations:report_create"))
    assert create.status_code == (403 if key == "ceo" else 200)
    assert client.get(reverse("operations:action_item_list")).status_code == 200


def test_new_report_button_and_secondary_links(cast, client):
    client.force_login(cast["coo"])
    page = client.get(reverse("operations:report_list")).content.decode()
    for name in ("report_grid", "report_schedules", "action_item_list"):
        assert reverse(f"operations:{name}") in page
    assert 'data-testid="scope-to_review"' in page
    client.force_login(cast["ceo"])
    page = client.get(reverse("operations:report_list")).content.decode()
    assert 'data-testid="report-create"' not in page
    client.force_login(cast.staff("LOG"))
    page = client.get(reverse("operations:report_list")).content.decode()
    assert 'data-testid="report-create"' in page  # an individual report to the manager
    assert reverse("operations:report_grid") not in page
    assert 'data-testid="scope-to_review"' not in page


# -- the list: tabs, filters, export -----------------------------------------------------------


def test_to_review_tab(cast, company, client):
    url = reverse("operations:report_list")
    client.force_login(cast["coo"])
    rows = client.get(url, {"scope": "to_review"}).context["reports"]
    assert [r.pk for r in rows] == [company["ops"].pk]  # department reports, submitted only
    client.force_login(cast.manager("LOG"))
    rows = client.get(url, {"scope": "to_review"}).context["reports"]
    assert [r.pk for r in rows] == [company["staff_log"].pk]
    client.force_login(cast["head.ops"])
    assert list(client.get(url, {"scope": "to_review"}).context["reports"]) == []


def test_filters_search_and_export(cast, company, client):
    WorkReport.objects.filter(pk=company["fin"].pk).update(on_time=False)
    WorkReport.objects.filter(pk__in=[company["ops"].pk, company["staff_log"].pk]).update(
        on_time=True
    )
    client.force_login(cast["coo"])
    url = reverse("operations:report_list")

    def pks(**params):
        return {r.pk for r in client.get(url, params).context["reports"]}

    assert pks(status="submitted") == {company["ops"].pk, company["staff_log"].pk}
    assert pks(department="FIN") == {company["fin"].pk}
    assert pks(timeliness="late") == {company["fin"].pk}
    assert pks(timeliness="on_time") == {company["ops"].pk, company["staff_log"].pk}
    assert pks(authorship="individual") == {company["staff_log"].pk}
    assert len(pks(authorship="department")) == 3
    assert pks(period_from=(last_week() + dt.timedelta(days=1)).isoformat()) == set()
    assert len(pks(period_to=last_week().isoformat(), kind="weekly")) == 4
    assert pks(kind="monthly") == set()
    assert pks(search="Logistics") == {company["log"].pk, company["staff_log"].pk}
    rows = csv_rows(client.get(url, {"export": "csv", "department": "FIN"}))
    assert rows[0][:4] == ["Kind", "Period start", "Period end", "Department"]
    assert len(rows) == 2 and rows[1][3] == "FIN" and rows[1][6] == "Reviewed"
    assert rows[1][10] == "4"
    rows = xlsx_rows(client.get(url, {"export": "xlsx"}))
    assert len(rows) == 5
    # an export follows the user's scope
    client.force_login(cast["head.fin"])
    rows = csv_rows(client.get(url, {"export": "csv"}))
    assert [r[3] for r in rows[1:]] == ["FIN"]


# -- writing through the pages -----------------------------------------------------------------


def kpi_management(total=3, initial=0) -> dict:
    return {
        "kpis-TOTAL_FORMS": str(total),
        "kpis-INITIAL_FORMS": str(initial),
        "kpis-MIN_NUM_FORMS": "0",
        "kpis-MAX_NUM_FORMS": "30",
    }


def form_data(**extra) -> dict:
    data = {
        "kind": "weekly",
        "period_start": last_week().isoformat(),
        "author_kind": "department",
        "department": "OPS",
        **SECTIONS,
        **kpi_management(),
        "kpis-0-name": "Orders shipped",
        "kpis-0-value": "40",
        "kpis-0-unit": "orders",
        "kpis-0-target": "50",
    }
    data.update(extra)
    return data


def test_create_prefill_from_the_reminder_link(cast, client):
    client.force_login(cast["head.ops"])
    start = weeks_ago(2)
    response = client.get(
        reverse("operations:report_create"), {"kind": "weekly", "period_start": start.isoformat()}
    )
    form = response.context["form"]
    assert form.initial["kind"] == "weekly" and form.initial["period_start"] == start
    assert {c for c, _label in form.fields["author_kind"].choices} == {"department", "individual"}
    assert [d.code for d in form.fields["department"].queryset] == ["LOG", "OPS"]
    client.force_login(cast.staff("LOG"))
    form = client.get(reverse("operations:report_create")).context["form"]
    assert "department" not in form.fields
    assert [c for c, _label in form.fields["author_kind"].choices] == ["individual"]


def test_create_draft_then_edit_then_submit(cast, client):
    head = cast["head.ops"]
    client.force_login(head)
    response = client.post(reverse("operations:report_create"), form_data(next_steps=""))
    report = WorkReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    assert report.status == S.DRAFT and report.department.code == "OPS" and not report.individual
    assert [(k.name, str(k.value), k.unit, str(k.target)) for k in report.kpis.all()] == [
        ("Orders shipped", "40.00", "orders", "50.00")
    ]
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="kpi-not-met"' in page and 'data-testid="move-submit"' in page
    # submitting with an empty required section: refused with the service's message
    before = written()
    response = client.post(reverse("operations:report_submit", args=[report.pk]), follow=True)
    assert "Fill in these sections before submitting: plan for the next period." in (
        response.content.decode()
    )
    assert written() == before and WorkReport.objects.get().status == S.DRAFT
    # the edit page keeps the KPI rows and adds blank ones
    edit_url = reverse("operations:report_edit", args=[report.pk])
    formset = client.get(edit_url).context["kpis"]
    assert len(formset.forms) == 4 and formset.forms[0].initial["name"] == "Orders shipped"
    data = {
        **SECTIONS,
        **kpi_management(total=4, initial=1),
        "kpis-0-name": "Orders shipped",
        "kpis-0-value": "55",
        "kpis-0-target": "50",
        "kpis-1-name": "Returns",
        "kpis-1-value": "3",
        "submit": "1",
    }
    response = client.post(edit_url, data)
    report = WorkReport.objects.get()
    assert response.status_code == 302
    assert report.status == S.SUBMITTED and report.on_time is not None
    assert [k.name for k in report.kpis.all()] == ["Orders shipped", "Returns"]
    assert report.kpis.first().met is True
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="kpi-met"' in page and 'data-testid="move-submit"' not in page
    assert 'data-testid="timeliness"' in page


def test_create_and_submit_at_once_is_all_or_nothing(cast, client):
    client.force_login(cast["head.ops"])
    url = reverse("operations:report_create")
    before = written()
    response = client.post(url, form_data(summary="", submit="1"))
    assert response.status_code == 200
    assert "Fill in these sections before submitting: summary." in response.content.decode()
    assert written() == before  # not even a draft
    response = client.post(url, form_data(submit="1"))
    report = WorkReport.objects.get()
    assert report.status == S.SUBMITTED
    assert report.events.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period_start": "2000-01-04"}, "A weekly report starts on a Monday."),
        ({"department": "FIN"}, "Select a valid choice."),
        ({"kpis-0-name": ""}, "Give every KPI row a name."),
        ({"kpis-0-value": ""}, "Give the value of every KPI row."),
        ({"kpis-0-value": "lots"}, "Enter a number."),
        (
            {"period_start": (last_week() + dt.timedelta(days=14)).isoformat()},
            "A report cannot be written for a period that has not started.",
        ),
    ],
)
def test_create_bad_input_writes_nothing(cast, client, changes, message):
    client.force_login(cast["head.ops"])
    before = written()
    response = client.post(reverse("operations:report_create"), form_data(**changes))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="form-errors"' in body
    assert message in body
    assert written() == before


def test_duplicate_period_is_refused(cast, company, client):
    client.force_login(cast["head.ops"])
    before = written()
    response = client.post(reverse("operations:report_create"), form_data())
    assert "There is already a weekly report for the period starting" in (response.content.decode())
    assert written() == before


def test_individual_report_to_the_manager(cast, client):
    staff, manager = cast.staff("LOG"), cast.manager("LOG")
    client.force_login(staff)
    data = form_data(author_kind="individual", submit="1")
    data.pop("department")
    response = client.post(reverse("operations:report_create"), data)
    report = WorkReport.objects.get()
    assert response.status_code == 302
    assert report.individual and report.reviewer == manager and report.status == S.SUBMITTED
    # the COO may not review an individual report; the manager does
    client.force_login(cast["coo"])
    url = reverse("operations:report_review", args=[report.pk])
    assert client.post(url, {"rating": "4"}).status_code == 403
    client.force_login(manager)
    home = client.get("/").content.decode()
    assert 'data-testid="panel-individual-to-review"' in home
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="move-review"' in page
    assert client.post(url, {"rating": "5", "comment": "Well done."}).status_code == 302
    assert WorkReport.objects.get().status == S.REVIEWED


def test_editing_a_reviewed_report_is_refused(cast, company, client):
    report = company["fin"]
    client.force_login(cast["head.fin"])
    url = reverse("operations:report_edit", args=[report.pk])
    response = client.get(url, follow=True)
    assert "A report that is reviewed cannot be changed." in response.content.decode()
    before = written()
    data = {**SECTIONS, **kpi_management(), "summary": "Rewritten."}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A report that is reviewed cannot be changed." in response.content.decode()
    assert written() == before
    assert WorkReport.objects.get(pk=report.pk).summary == SECTIONS["summary"]
    # a head of another department may not edit it at all
    client.force_login(cast["head.ops"])
    assert client.post(url, data).status_code == 404


# -- review, return ----------------------------------------------------------------------------


def test_review_and_return_bad_input(cast, company, client):
    report = company["ops"]
    client.force_login(cast["coo"])
    review = reverse("operations:report_review", args=[report.pk])
    back = reverse("operations:report_return", args=[report.pk])
    before = written()
    for rating in ("6", "0", "", "five"):
        response = client.post(review, {"rating": rating, "comment": "x"})
        assert response.status_code == 400
        assert "The rating is a whole number from 1 to 5." in response.content.decode()
    response = client.post(back, {"comment": "  "})
    assert response.status_code == 400
    assert "Say what needs revising." in response.content.decode()
    assert written() == before
    assert WorkReport.objects.get(pk=report.pk).status == S.SUBMITTED


def test_review_and_return_permissions(cast, company, client):
    report = company["ops"]
    review = reverse("operations:report_review", args=[report.pk])
    before = written()
    for key in ("ceo", "auditor", "head.ops", "manager:OPS"):
        client.force_login(user_of(cast, key))
        assert client.post(review, {"rating": "3"}).status_code == 403, key
        page = client.get(report.get_absolute_url()).content.decode()
        assert 'data-testid="move-review"' not in page
    for key in ("head.fin", "staff:LOG"):
        client.force_login(user_of(cast, key))
        assert client.post(review, {"rating": "3"}).status_code == 404, key
    assert written() == before


def test_return_then_resubmit_then_review(cast, company, client):
    report = company["ops"]
    client.force_login(cast["coo"])
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="move-review"' in page and 'data-testid="move-return"' in page
    response = client.post(
        reverse("operations:report_return", args=[report.pk]), {"comment": "Add the costs."}
    )
    assert response.status_code == 302
    assert WorkReport.objects.get(pk=report.pk).status == S.RETURNED
    client.force_login(cast["head.ops"])
    home = client.get("/").content.decode()
    assert 'data-testid="reports-returned"' in home
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Add the costs." in page and 'data-testid="move-submit"' in page
    client.post(reverse("operations:report_submit", args=[report.pk]))
    client.force_login(cast["coo"])
    response = client.post(
        reverse("operations:report_review", args=[report.pk]),
        {"rating": "3", "comment": "Fine now."},
    )
    assert response.status_code == 302
    report = WorkReport.objects.get(pk=report.pk)
    assert report.status == S.REVIEWED and report.rating == 3
    assert report.review_duration is not None
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="review-rating">3/5' in page and "Fine now." in page
    assert 'data-testid="time-to-review"' in page
    assert [e.to_status for e in report.events.all()] == [
        S.DRAFT,
        S.SUBMITTED,
        S.RETURNED,
        S.SUBMITTED,
        S.REVIEWED,
    ]


# -- action items ------------------------------------------------------------------------------


def test_action_item_create_and_moves(cast, company, client):
    report = company["ops"]
    create = reverse("operations:action_item_create", args=[report.pk])
    owner = cast.manager("OPS")
    client.force_login(cast["auditor"])  # sees the report, may not raise items
    assert client.get(create).status_code == 403
    client.force_login(cast["head.fin"])
    assert client.get(create).status_code == 404
    client.force_login(cast["coo"])
    assert client.get(create).status_code == 200
    before = written()
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(create, {"title": "Forklift", "owner": owner.username, "due_date": past})
    assert "The due date cannot be in the past." in response.content.decode()
    response = client.post(create, {"title": "", "owner": owner.username, "due_date": past})
    assert "Name the problem." in response.content.decode()
    assert written() == before
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        create, {"title": "Fix the forklift", "owner": owner.username, "due_date": due}
    )
    item = ActionItem.objects.get()
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert item.owner == owner and item.department.code == "OPS" and item.report == report
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Fix the forklift" in page
    # a draft report has no action items
    client.force_login(cast["head.log"])
    draft_create = reverse("operations:action_item_create", args=[company["log"].pk])
    response = client.post(draft_create, {"title": "x", "owner": owner.username, "due_date": due})
    assert "Action items are raised from submitted reports." in response.content.decode()
    assert ActionItem.objects.count() == 1

    # moves, by the owner
    client.force_login(owner)
    detail = item.get_absolute_url()
    page = client.get(detail).content.decode()
    assert 'data-testid="move-start"' in page and 'data-testid="move-reopen"' not in page
    home = client.get("/").content.decode()
    assert 'data-testid="panel-action-items"' in home and "Fix the forklift" in home
    assert client.post(reverse("operations:action_item_start", args=[item.pk])).status_code == 302
    response = client.post(reverse("operations:action_item_close", args=[item.pk]), {})
    assert response.status_code == 400 and "Say how it was resolved." in response.content.decode()
    assert ActionItem.objects.get().status == ActionItem.Status.IN_PROGRESS
    client.post(
        reverse("operations:action_item_close", args=[item.pk]), {"resolution": "New wheel."}
    )
    item = ActionItem.objects.get()
    assert item.status == ActionItem.Status.CLOSED and item.resolution == "New wheel."
    response = client.post(reverse("operations:action_item_reopen", args=[item.pk]), {})
    assert "Give the reason." in response.content.decode()
    client.post(
        reverse("operations:action_item_reopen", args=[item.pk]), {"resolution": "Broke again."}
    )
    assert ActionItem.objects.get().status == ActionItem.Status.OPEN
    page = client.get(detail).content.decode()
    assert 'data-testid="history"' in page and "Broke again." in page
    assert ActionItem.history.filter(id=item.pk).count() == 4  # created, started, closed, reopened
    # who may move it
    client.force_login(cast["auditor"])
    assert 'data-testid="moves"' not in client.get(detail).content.decode()
    url = reverse("operations:action_item_cancel", args=[item.pk])
    assert client.post(url, {"resolution": "x"}).status_code == 403
    client.force_login(cast["head.fin"])
    assert client.get(detail).status_code == 404
    assert client.post(url, {"resolution": "x"}).status_code == 404
    client.force_login(cast["head.ops"])  # heads of its department may
    assert client.post(url, {"resolution": "Not ours."}).status_code == 302
    assert ActionItem.objects.get().status == ActionItem.Status.CANCELLED


def test_action_item_list_filters_and_export(cast, company, client):
    due = timezone.localdate() + dt.timedelta(days=5)
    coo = cast["coo"]
    a = services.action_item_create(
        report=company["ops"], user=coo, title="Forklift", owner=cast["head.ops"], due_date=due
    )
    b = services.action_item_create(
        report=company["fin"], user=coo, title="Ledger", owner=cast["head.fin"], due_date=due
    )
    ActionItem.objects.filter(pk=b.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    url = reverse("operations:action_item_list")
    client.force_login(coo)

    def titles(**params):
        return {i.title for i in client.get(url, params).context["items"]}

    assert titles() == {"Forklift", "Ledger"}
    assert titles(overdue="true") == {"Ledger"}
    assert titles(overdue="false") == {"Forklift"}
    assert titles(department="OPS") == {"Forklift"}
    assert titles(owner="head.fin") == {"Ledger"}
    assert titles(status="closed") == set()
    assert titles(search="ledg") == {"Ledger"}
    rows = csv_rows(client.get(url, {"export": "csv"}))
    assert rows[0][:4] == ["Problem", "Status", "Department", "Owner"]
    assert {r[0] for r in rows[1:]} == {"Forklift", "Ledger"}
    assert len(xlsx_rows(client.get(url, {"export": "xlsx"}))) == 3
    client.force_login(cast["head.fin"])
    assert titles() == {"Ledger"}
    assert titles(scope="mine") == {"Ledger"}
    client.force_login(cast.staff("LOG"))
    assert titles() == set()
    assert client.get(a.get_absolute_url()).status_code == 404


# -- grid and schedules ------------------------------------------------------------------------


def test_grid(cast, company, client):
    WorkReport.objects.filter(pk=company["fin"].pk).update(on_time=False)
    WorkReport.objects.filter(pk=company["ops"].pk).update(on_time=True)
    client.force_login(cast["coo"])
    response = client.get(reverse("operations:report_grid"))
    assert response.status_code == 200
    assert len(response.context["starts"]) == 8 and response.context["starts"][-1] == last_week()
    rows = {row.department.code: row for row in response.context["rows"]}
    assert set(rows) == {"OPS", "LOG", "FIN"}
    assert rows["OPS"].cells[-1].state == "on_time"
    assert rows["FIN"].cells[-1].state == "late" and rows["FIN"].average_rating == 4
    assert rows["FIN"].cells[0].state == "missing"
    page = response.content.decode()
    assert 'data-testid="legend"' in page
    assert company["fin"].get_absolute_url() in page
    assert company["staff_log"].get_absolute_url() not in page  # individual reports are not in it
    response = client.get(reverse("operations:report_grid"), {"kind": "monthly"})
    assert len(response.context["starts"]) == 6
    response = client.get(reverse("operations:report_grid"), {"periods": "999"})
    assert len(response.context["starts"]) == 26


def schedule_post(client, **changes) -> dict:
    """The schedules form as the page shows it, with ``changes`` to one department's row."""
    response = client.get(reverse("operations:report_schedules"))
    formset = response.context["formset"]
    data = {
        "schedules-TOTAL_FORMS": str(len(formset.forms)),
        "schedules-INITIAL_FORMS": str(len(formset.forms)),
        "schedules-MIN_NUM_FORMS": "0",
        "schedules-MAX_NUM_FORMS": "1000",
    }
    for i, form in enumerate(formset.forms):
        initial = dict(form.initial)
        if initial["department"] == changes.get("department"):
            initial.update(changes)
        for name, value in initial.items():
            if isinstance(value, bool):
                if value:
                    data[f"schedules-{i}-{name}"] = "on"
            elif isinstance(value, dt.time):
                data[f"schedules-{i}-{name}"] = value.strftime("%H:%M")
            else:
                data[f"schedules-{i}-{name}"] = str(value)
    return data


def test_schedules_set_by_the_coo(cast, client):
    client.force_login(cast["coo"])
    url = reverse("operations:report_schedules")
    data = schedule_post(client)
    assert client.post(url, data).status_code == 302
    assert ReportSchedule.objects.count() == 0  # unchanged defaults write nothing
    client.post(url, schedule_post(client, department="FIN", weekday=4))
    row = ReportSchedule.objects.get()
    assert (row.department.code, row.kind, row.weekday) == ("FIN", "weekly", 4)
    # bad input: day 31 is refused, nothing written
    before = written()
    response = client.post(url, schedule_post(client, department="OPS", day_of_month=31))
    assert response.status_code == 200 and 'data-testid="form-errors"' in response.content.decode()
    assert written() == before
    # a department no longer expected to send monthly reports leaves the grid
    client.post(url, schedule_post(client, department="LOG", monthly_active=False))
    assert not ReportSchedule.objects.get(department__code="LOG", kind="monthly").active
    response = client.get(reverse("operations:report_grid"), {"kind": "monthly"})
    assert {r.department.code for r in response.context["rows"]} == {"OPS", "FIN"}
    # new reports take the schedule: FIN weekly due on Friday after the week
    report = write(cast["head.fin"], code="FIN")
    assert timezone.localtime(report.due_at).weekday() == 4
    # CEO and auditor read the page without a save button, and may not post
    for key in ("ceo", "auditor"):
        client.force_login(cast[key])
        page = client.get(url).content.decode()
        assert 'data-testid="read-only"' in page and 'data-testid="save"' not in page
        assert client.post(url, data).status_code == 403


# -- home panels -------------------------------------------------------------------------------


def test_home_panels(cast, company, client):
    client.force_login(cast["coo"])
    home = client.get("/").content.decode()
    assert 'data-testid="panel-reports-to-review"' in home
    assert 'data-testid="to-review-count">1<' in home
    assert reverse("operations:report_grid") in home
    client.force_login(cast["head.log"])  # LOG's report is a draft: due or late
    home = client.get("/").content.decode()
    assert 'data-testid="reports-due"' in home
    assert company["log"].get_absolute_url() in home
    client.force_login(cast["head.fin"])  # FIN's is reviewed; this week's is not due yet
    home = client.get("/").content.decode()
    assert company["fin"].get_absolute_url() not in home
    client.force_login(cast.staff("LOG"))
    home = client.get("/").content.decode()
    assert 'data-testid="panel-reports-to-review"' not in home
    assert 'data-testid="panel-individual-to-review"' not in home


def test_head_panel_links_to_a_new_report_when_due(cast, client):
    """Last week's report is due by this Monday noon: late, or due within hours."""
    client.force_login(cast["head.fin"])
    home = client.get("/").content.decode()
    link = reverse("operations:report_create") + f"?kind=weekly&amp;period_start={last_week()}"
    assert 'data-testid="reports-due"' in home and link in home
    client.force_login(cast.staff("FIN"))  # not a head: no such panel
    assert 'data-testid="panel-reports-mine"' not in client.get("/").content.decode()


# -- query counts ------------------------------------------------------------------------------


def grow(cast, first: int, weeks: int) -> None:
    """More reports (every state), KPI rows, events and action items, ``first`` weeks ago and
    before."""
    coo = cast["coo"]
    due = timezone.localdate() + dt.timedelta(days=5)
    for n in range(first, first + weeks):
        start = weeks_ago(n)
        for code, head in (("OPS", "head.ops"), ("FIN", "head.fin"), ("LOG", "head.log")):
            report = write(
                cast[head],
                code=code,
                start=start,
                kpis=[{"name": f"K{i}", "value": i, "target": 2} for i in range(3)],
            )
            if code == "LOG":
                continue
            services.report_submit(report=report, user=cast[head])
            services.action_item_create(
                report=report, user=coo, title=f"Item {n}", owner=cast[head], due_date=due
            )
            if code == "FIN":
                services.report_review(report=report, user=coo, rating=3, comment="Ok")
        staff = cast.staff("LOG")
        report = write(staff, individual=True, start=start)
        services.report_submit(report=report, user=staff)


def measure(cast, client, company) -> dict[str, int]:
    counts = {}
    item = ActionItem.objects.order_by("pk").first()
    for key in ("coo", "auditor", "head.ops", "manager:OPS", "staff:LOG"):
        client.force_login(user_of(cast, key))
        counts[f"list {key}"] = count_queries(client, reverse("operations:report_list"))
        counts[f"csv {key}"] = count_queries(
            client, reverse("operations:report_list"), export="csv"
        )
        counts[f"items {key}"] = count_queries(client, reverse("operations:action_item_list"))
        counts[f"home {key}"] = count_queries(client, "/")
        if key != "staff:LOG":
            counts[f"detail {key}"] = count_queries(client, company["ops"].get_absolute_url())
            counts[f"item {key}"] = count_queries(client, item.get_absolute_url())
    client.force_login(cast["coo"])
    counts["to review"] = count_queries(
        client, reverse("operations:report_list"), scope="to_review"
    )
    counts["grid"] = count_queries(client, reverse("operations:report_grid"))
    counts["grid monthly"] = count_queries(
        client, reverse("operations:report_grid"), kind="monthly"
    )
    counts["schedules"] = count_queries(client, reverse("operations:report_schedules"))
    return counts


def test_query_counts_do_not_grow(cast, company, client):
    services.action_item_create(
        report=company["ops"],
        user=cast["coo"],
        title="First",
        owner=cast["head.ops"],
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )
    grow(cast, 2, 1)
    small = measure(cast, client, company)
    grow(cast, 3, 5)
    coo = cast["coo"]
    item = ActionItem.objects.order_by("pk").first()
    services.action_item_move(item=item, user=coo, move="start")
    services.action_item_move(item=item, user=coo, move="close", resolution="Done")
    large = measure(cast, client, company)
    assert small == large
    pages = {k: v for k, v in large.items() if not k.startswith("home")}
    assert max(pages.values()) <= 25, large
    assert max(v for k, v in large.items() if k.startswith("home")) <= 40, large
