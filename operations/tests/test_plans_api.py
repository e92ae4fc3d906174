"""The annual plans API (plans, objectives, milestones): scoping role by role (404), moves by
role (403), the way from a new plan to its progress roll-up, bad input that writes nothing,
query counts and the schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import ApprovalEvent
from approvals.services import transition
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision, ProgressUpdate
from operations.services.plans import (
    milestone_save,
    objective_save,
    plan_create,
    progress_record,
)
from organization.models import Department, User

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"
OBJECTIVES = "/api/v1/objectives/"
MILESTONES = "/api/v1/milestones/"
ROLES = [
    "ceo",
    "coo",
    "auditor",
    "head.ops",
    "head.log",
    "head.fin",
    "manager:OPS",
    "staff:LOG",
]


@pytest.fixture(autouse=True)
def _in_english(cast):
    """Messages are read in English."""
    User.objects.update(language="en")


def year() -> int:
    return timezone.localdate().year


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def url(base: str, obj, move: str = "") -> str:
    pk = obj if isinstance(obj, int) else obj.pk
    return f"{base}{pk}/" + (f"{move}/" if move else "")


def written() -> dict[str, int]:
    """Rows of every plan table (to show a refusal wrote nothing)."""
    return {
        "plans": AnnualPlan.objects.count(),
        "revisions": PlanRevision.objects.count(),
        "objectives": Objective.objects.count(),
        "milestones": Milestone.objects.count(),
        "progress": ProgressUpdate.objects.count(),
        "events": ApprovalEvent.objects.count(),
    }


def draft_plan(author: User, code: str | None, owner: User, *, title: str = "Deliver on time"):
    """A plan of this year with one objective (weight 100) and one milestone, as a draft."""
    department = Department.objects.get(code=code) if code else None
    plan = plan_create(user=author, year=year(), department=department)
    revision = AnnualPlan.objects.get(pk=plan.pk).latest_revision
    objective = objective_save(
        revision=revision,
        user=author,
        title=title,
        weight=100,
        kpi_name="On-time rate",
        kpi_unit="%",
        baseline=Decimal("80"),
        target=Decimal("95"),
        owner=owner,
    )
    milestone_save(
        objective=objective,
        user=author,
        title=f"{title}: halfway",
        due_date=dt.date(year(), 12, 31),
        owner=owner,
    )
    return AnnualPlan.objects.get(pk=plan.pk)


def approve(plan: AnnualPlan, author: User, approver: User) -> AnnualPlan:
    revision = AnnualPlan.objects.get(pk=plan.pk).latest_revision
    transition(obj=revision, action="submit", user=author)
    transition(obj=revision, action="approve", user=approver)
    return AnnualPlan.objects.get(pk=plan.pk)


@pytest.fixture
def plans(cast):
    """The company plan and the OPS plan in force; the LOG and FIN plans still drafts."""
    company = draft_plan(cast["coo"], None, cast["coo"], title="Grow")
    ops = draft_plan(cast["head.ops"], "OPS", cast.manager("OPS"), title="Lean operations")
    log = draft_plan(cast["head.log"], "LOG", cast.manager("LOG"), title="Fleet")
    fin = draft_plan(cast["head.fin"], "FIN", cast["head.fin"], title="Close fast")
    return {
        "company": approve(company, cast["coo"], cast["ceo"]),
        "ops": approve(ops, cast["head.ops"], cast["coo"]),
        "log": log,
        "fin": fin,
    }


EVERY_PLAN = {"company", "ops", "log", "fin"}
SEES_PLANS = {
    "ceo": EVERY_PLAN,
    "coo": EVERY_PLAN,
    "auditor": EVERY_PLAN,
    "head.ops": {"company", "ops", "log"},
    "head.log": {"company", "log"},
    "head.fin": {"company", "fin"},
    "manager:OPS": {"company", "ops", "log"},
    "staff:LOG": {"company", "log"},  # the company plan and their own department's
}
#: Objectives and milestones: those of the revisions one sees (drafts only for those who may
#: work on them).
SEES_CONTENT = {
    "ceo": EVERY_PLAN,
    "coo": EVERY_PLAN,
    "auditor": EVERY_PLAN,
    "head.ops": {"company", "ops", "log"},
    "head.log": {"company", "log"},
    "head.fin": {"company", "fin"},
    "manager:OPS": {"company", "ops", "log"},
    "staff:LOG": {"company"},  # the LOG plan is a draft
}


# -- plans ------------------------------------------------------------------------------------


def test_the_anonymous_are_refused(plans, api_client):
    before = written()
    for base in (PLANS, OBJECTIVES, MILESTONES):
        assert api_client.get(base).status_code in (401, 403)
    assert api_client.get(url(PLANS, plans["ops"])).status_code in (401, 403)
    assert api_client.post(PLANS, {"year": year()}, format="json").status_code in (401, 403)
    assert api_client.post(url(PLANS, plans["log"], "submit")).status_code in (401, 403)
    assert written() == before


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_plans(cast, who, api_as, plans, role):
    api = api_as(who(role))

    body = api.get(PLANS).json()

    assert {item["id"] for item in body["results"]} == {plans[k].pk for k in SEES_PLANS[role]}
    for key, plan in plans.items():
        expected = 200 if key in SEES_PLANS[role] else 404
        assert api.get(url(PLANS, plan)).status_code == expected, key
        if expected == 404:
            assert api.post(url(PLANS, plan, "submit")).status_code == 404
            assert api.post(url(PLANS, plan, "new-revision")).status_code == 404


def test_plan_items(cast, api_as, plans):
    items = {item["id"]: item for item in api_as(cast["coo"]).get(PLANS).json()["results"]}

    company, ops, log = (items[plans[k].pk] for k in ("company", "ops", "log"))
    assert (company["year"], company["department"], company["company"]) == (year(), None, True)
    assert (company["current_revision"], company["current_status"]) == (1, "approved")
    assert (company["working_revision"], company["working_status"]) == (None, None)
    assert company["progress"] == 0
    assert (ops["department"], ops["company"], ops["progress"]) == ("OPS", False, 0)
    assert (log["department"], log["current_revision"], log["current_status"]) == (
        "LOG",
        None,
        None,
    )
    assert (log["working_revision"], log["working_status"], log["progress"]) == (1, "draft", None)


def test_a_draft_is_shown_only_to_those_who_may_work_on_it(cast, api_as, plans):
    staff = api_as(cast.staff("LOG")).get(url(PLANS, plans["log"])).json()
    head = api_as(cast["head.log"]).get(url(PLANS, plans["log"])).json()

    assert (staff["working_revision"], staff["working_status"]) == (None, None)
    assert (head["working_revision"], head["working_status"]) == (1, "draft")


CREATE_FIN_PLAN = {
    "ceo": 201,
    "coo": 201,
    "auditor": 403,
    "head.ops": 403,
    "head.log": 403,
    "head.fin": 201,
    "manager:OPS": 403,
    "staff:LOG": 403,
}
CREATE_COMPANY_PLAN = {role: 201 if role in ("ceo", "coo") else 403 for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("department", "expected"), [("FIN", CREATE_FIN_PLAN), (None, CREATE_COMPANY_PLAN)]
)
def test_who_may_create_a_plan(cast, who, api_as, role, department, expected):
    before = written()

    response = api_as(who(role)).post(
        PLANS, {"year": year() + 1, "department": department}, format="json"
    )

    assert response.status_code == expected[role], response.json()
    if response.status_code == 201:
        body = response.json()
        assert (body["year"], body["department"]) == (year() + 1, department)
        assert (body["working_revision"], body["working_status"]) == (1, "draft")
        assert (body["current_revision"], body["progress"]) == (None, None)
    else:
        assert "may draft" in response.json()["detail"]
        assert written() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": 1999, "department": "FIN"}, "year"),
        ({"year": "soon", "department": "FIN"}, "year"),
        ({"department": "FIN"}, "year"),
        ({"year": 2026, "department": "NOPE"}, "department"),
    ],
)
def test_bad_plan_input_says_which_field(cast, api_as, data, field):
    response = api_as(cast["coo"]).post(PLANS, data, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not AnnualPlan.objects.exists()


def test_a_second_plan_for_the_year_is_refused(cast, api_as, plans):
    before = written()

    response = api_as(cast["coo"]).post(PLANS, {"year": year(), "department": "FIN"})

    assert response.status_code == 400
    assert response.json()["detail"] == f"This plan already exists for {year()}."
    assert written() == before


def test_who_may_approve_the_company_plan(cast, api_as):
    plan = draft_plan(cast["coo"], None, cast["coo"])
    assert api_as(cast["coo"]).post(url(PLANS, plan, "submit")).status_code == 200
    before = written()

    head = api_as(cast["head.ops"]).post(url(PLANS, plan, "approve"))
    assert head.status_code == 403
    assert head.json()["detail"] == "Only the CEO may approve or return company-wide items."
    coo = api_as(cast["coo"]).post(url(PLANS, plan, "approve"))
    assert coo.status_code == 403
    assert api_as(cast["auditor"]).post(url(PLANS, plan, "approve")).status_code == 403
    assert written() == before

    ceo = api_as(cast["ceo"])
    response = ceo.post(url(PLANS, plan, "return"), {}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = ceo.post(url(PLANS, plan, "return"), {"note": "Add a revenue target."})
    assert response.status_code == 200
    assert response.json()["working_status"] == "returned"
    api_as(cast["coo"]).post(url(PLANS, plan, "submit"))
    response = api_as(cast["ceo"]).post(url(PLANS, plan, "approve"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["current_revision"], body["current_status"], body["working_status"]) == (
        1,
        "approved",
        None,
    )


def test_there_is_no_publication_step(cast, api_as, plans):
    response = api_as(cast["coo"]).post(url(PLANS, plans["log"], "publish"))
    assert response.status_code == 404


def test_no_revision_awaits_the_step(cast, api_as, plans):
    response = api_as(cast["coo"]).post(url(PLANS, plans["ops"], "submit"))

    assert response.status_code == 400
    assert response.json()["detail"] == "No revision of this plan awaits that step."


# -- the whole way ----------------------------------------------------------------------------


def test_from_a_new_plan_to_its_progress_roll_up(cast, api_as):
    head = api_as(cast["head.log"])
    manager, staff = cast.manager("LOG"), cast.staff("LOG")
    response = head.post(PLANS, {"year": year(), "department": "LOG"}, format="json")
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]

    def objective(title: str, weight: int, owner: User):
        response = head.post(
            OBJECTIVES,
            {
                "plan": plan_id,
                "title": title,
                "description": "For the whole year.",
                "weight": weight,
                "kpi_name": "Rate",
                "kpi_unit": "%",
                "baseline": "80",
                "target": "95.5",
                "owner": owner.username,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        return response.json()

    first = objective("On-time deliveries", 60, manager)
    second = objective("Fewer damaged parcels", 30, staff)
    assert (first["plan"], first["year"], first["department"]) == (plan_id, year(), "LOG")
    assert (first["revision"], first["revision_status"], first["order"]) == (1, "draft", 1)
    assert (first["weight"], first["target"], first["owner"]) == (60, "95.50", manager.username)
    assert (first["percent_complete"], first["kpi_actual"]) == (0, None)

    response = head.post(url(PLANS, plan_id, "submit"))
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The objectives' weights add up to 90; they must add up to 100."
    )
    response = head.patch(url(OBJECTIVES, second["id"]), {"weight": 40}, format="json")
    assert response.status_code == 200 and response.json()["weight"] == 40

    response = head.post(
        MILESTONES,
        {
            "objective": first["id"],
            "title": "New routing software live",
            "due_date": f"{year()}-12-31",
            "owner": staff.username,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    milestone = response.json()
    assert (milestone["objective"], milestone["plan"], milestone["status"]) == (
        first["id"],
        plan_id,
        "not_started",
    )

    response = head.post(url(PLANS, plan_id, "submit"))
    assert response.status_code == 200 and response.json()["working_status"] == "submitted"
    response = head.patch(url(OBJECTIVES, first["id"]), {"title": "Late change"})
    assert response.status_code == 400 and "submitted" in response.json()["detail"]
    assert head.post(url(PLANS, plan_id, "approve")).status_code == 403
    response = api_as(staff).post(url(PLANS, plan_id, "approve"))
    assert response.status_code == 403
    response = api_as(cast["coo"]).post(url(PLANS, plan_id, "approve"), {"note": "Go."})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["current_revision"], body["current_status"], body["progress"]) == (
        1,
        "approved",
        0,
    )

    # Progress: each owner reports a month; nobody else may.
    response = api_as(manager).post(
        url(OBJECTIVES, first["id"], "progress"),
        {"month": this_month().strftime("%Y-%m"), "percent_complete": 55, "kpi_value": "91.5"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    update = response.json()
    assert (update["month"], update["percent_complete"], update["kpi_value"]) == (
        this_month().isoformat(),
        55,
        "91.50",
    )
    assert update["author"] == manager.username
    response = api_as(cast["coo"]).post(
        url(OBJECTIVES, first["id"], "progress"),
        {"month": this_month().isoformat(), "percent_complete": 90},
        format="json",
    )
    assert response.status_code == 403
    response = api_as(staff).post(
        url(OBJECTIVES, second["id"], "progress"),
        {"month": this_month().isoformat(), "percent_complete": 20, "comment": "Slow start."},
        format="json",
    )
    assert response.status_code == 201, response.json()

    expected = round((60 * 55 + 40 * 20) / 100)
    assert expected == 41
    assert api_as(cast["coo"]).get(url(PLANS, plan_id)).json()["progress"] == expected
    items = api_as(cast["head.ops"]).get(PLANS, {"department": "LOG"}).json()["results"]
    assert [(item["id"], item["progress"]) for item in items] == [(plan_id, expected)]
    objective_item = api_as(staff).get(url(OBJECTIVES, first["id"])).json()
    assert (objective_item["percent_complete"], objective_item["kpi_actual"]) == (55, "91.50")
    response = api_as(staff).get(url(OBJECTIVES, second["id"], "progress"))
    assert response.status_code == 200
    assert [(u["percent_complete"], u["comment"]) for u in response.json()["results"]] == [
        (20, "Slow start.")
    ]

    # The milestone: its owner moves it on; only the plan's authors cancel it.
    response = api_as(staff).post(
        url(MILESTONES, milestone["id"], "update-status"),
        {"status": "in_progress", "percent_complete": 30, "evidence_note": "Vendor chosen."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["percent_complete"], body["evidence_note"]) == (
        "in_progress",
        30,
        "Vendor chosen.",
    )
    response = api_as(staff).post(
        url(MILESTONES, milestone["id"], "update-status"), {"status": "cancelled"}
    )
    assert response.status_code == 403
    response = api_as(cast["head.log"]).post(
        url(MILESTONES, milestone["id"], "update-status"), {"status": "done"}
    )
    body = response.json()
    assert (body["status"], body["percent_complete"]) == ("done", 100)
    assert body["completed_on"] == timezone.localdate().isoformat()

    # Changing the plan in force means a new revision; progress stays with the one in force.
    head = api_as(cast["head.log"])
    response = head.patch(url(OBJECTIVES, first["id"]), {"weight": 50}, format="json")
    assert response.status_code == 400 and "approved" in response.json()["detail"]
    response = head.post(
        url(PLANS, plan_id, "new-revision"), {"summary_of_changes": "Reweigh."}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["current_revision"], body["working_revision"], body["working_status"]) == (
        1,
        2,
        "draft",
    )
    assert (body["summary_of_changes"], body["progress"]) == ("Reweigh.", expected)
    assert head.post(url(PLANS, plan_id, "new-revision")).status_code == 400
    listed = head.get(OBJECTIVES, {"plan": plan_id}).json()["results"]
    assert sorted((o["revision"], o["title"]) for o in listed) == [
        (1, "Fewer damaged parcels"),
        (1, "On-time deliveries"),
        (2, "Fewer damaged parcels"),
        (2, "On-time deliveries"),
    ]
    assert {
        o["revision"]
        for o in head.get(OBJECTIVES, {"plan": plan_id, "in_force": "false"}).json()["results"]
    } == {2}
    response = head.post(url(PLANS, plan_id, "archive"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["current_revision"], body["working_revision"]) == (1, None)
    listed = head.get(OBJECTIVES, {"plan": plan_id}).json()["results"]
    assert {o["revision"] for o in listed} == {1}
    listed = head.get(OBJECTIVES, {"plan": plan_id, "revision": 2}).json()["results"]
    assert {(o["revision"], o["revision_status"]) for o in listed} == {(2, "archived")}


# -- objectives -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_objectives_and_milestones(cast, who, api_as, plans, role):
    api = api_as(who(role))
    objectives = {key: Objective.objects.get(revision__plan=plan) for key, plan in plans.items()}
    milestones = {key: Milestone.objects.get(objective=o) for key, o in objectives.items()}

    seen = {item["id"] for item in api.get(OBJECTIVES).json()["results"]}
    assert seen == {objectives[k].pk for k in SEES_CONTENT[role]}
    seen = {item["id"] for item in api.get(MILESTONES).json()["results"]}
    assert seen == {milestones[k].pk for k in SEES_CONTENT[role]}
    for key in plans:
        expected = 200 if key in SEES_CONTENT[role] else 404
        assert api.get(url(OBJECTIVES, objectives[key])).status_code == expected, key
        assert api.get(url(MILESTONES, milestones[key])).status_code == expected, key
        if expected == 404:
            assert api.get(url(OBJECTIVES, objectives[key], "progress")).status_code == 404
            assert api.delete(url(OBJECTIVES, objectives[key])).status_code == 404
            response = api.post(
                url(MILESTONES, milestones[key], "update-status"), {"status": "done"}
            )
            assert response.status_code == 404


def test_an_owner_sees_their_objective_in_a_draft(cast, api_as, plans):
    api = api_as(cast.staff("FIN"))
    objective = Objective.objects.get(revision__plan=plans["fin"])
    assert api.get(url(OBJECTIVES, objective)).status_code == 404
    objective_save(
        revision=objective.revision,
        user=cast["head.fin"],
        objective=objective,
        owner=cast.staff("FIN"),
    )

    response = api.get(url(OBJECTIVES, objective))

    assert response.status_code == 200 and response.json()["owner"] == cast.staff("FIN").username


ADD_TO_LOG_PLAN = {
    "ceo": 201,
    "coo": 201,
    "auditor": 403,
    "head.ops": 201,
    "head.log": 201,
    "head.fin": 400,  # a plan they do not see: "plan": invalid
    "manager:OPS": 403,
    "staff:LOG": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_an_objective(cast, who, api_as, plans, role):
    before = written()

    response = api_as(who(role)).post(
        OBJECTIVES,
        {
            "plan": plans["log"].pk,
            "title": "Cut fuel use",
            "weight": 10,
            "kpi_name": "Litres per 100 km",
            "target": "28",
            "owner": "head.log",
        },
        format="json",
    )

    assert response.status_code == ADD_TO_LOG_PLAN[role], response.json()
    if response.status_code == 201:
        body = response.json()
        assert (body["revision"], body["order"], body["baseline"]) == (1, 2, "0.00")
    else:
        assert written() == before
        if response.status_code == 400:
            assert "plan" in response.json()


def test_objective_writes_by_role(cast, api_as, plans):
    objective = Objective.objects.get(revision__plan=plans["log"])
    before = written()
    for user in (cast["auditor"], cast.manager("OPS"), cast.manager("LOG")):
        api = api_as(user)
        assert api.patch(url(OBJECTIVES, objective), {"weight": 5}).status_code == 403
        assert api.delete(url(OBJECTIVES, objective)).status_code == 403
    assert api_as(cast["head.fin"]).delete(url(OBJECTIVES, objective)).status_code == 404
    assert written() == before

    head = api_as(cast["head.log"])
    response = head.put(
        url(OBJECTIVES, objective),
        {
            "title": "Fleet renewal",
            "weight": 100,
            "kpi_name": "Trucks under 5 years",
            "target": "12",
            "owner": cast.manager("LOG").username,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["kpi_name"]) == (
        "Fleet renewal",
        "Trucks under 5 years",
    )
    response = head.delete(url(OBJECTIVES, objective))
    assert response.status_code == 204
    assert not Objective.objects.filter(pk=objective.pk).exists()
    assert not Milestone.objects.filter(objective_id=objective.pk).exists()
    # In force: not in place.
    objective = Objective.objects.get(revision__plan=plans["ops"])
    response = api_as(cast["head.ops"]).delete(url(OBJECTIVES, objective))
    assert response.status_code == 400 and "approved" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"weight": "heavy"}, "weight"),
        ({"title": ""}, "title"),
        ({"kpi_name": ""}, "kpi_name"),
        ({"target": "lots"}, "target"),
        ({"owner": "nobody"}, "owner"),
        ({"plan": 999999}, "plan"),
    ],
)
def test_bad_objective_input_says_which_field(cast, api_as, plans, change, field):
    before = written()
    data = {
        "plan": plans["log"].pk,
        "title": "Cut fuel use",
        "weight": 10,
        "kpi_name": "Litres per 100 km",
        "target": "28",
        "owner": "head.log",
    }

    response = api_as(cast["head.log"]).post(OBJECTIVES, {**data, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert written() == before


def test_progress_input_and_refusals(cast, api_as, plans):
    objective = Objective.objects.get(revision__plan=plans["ops"])
    owner = api_as(cast.manager("OPS"))
    before = written()
    bad = [
        ({"month": "soon", "percent_complete": 10}, "month"),
        ({"month": this_month().isoformat(), "percent_complete": 101}, "percent_complete"),
        ({"month": this_month().isoformat(), "percent_complete": "x"}, "percent_complete"),
        ({"month": f"{year() - 1}-06", "percent_complete": 10}, "month"),
        (
            {"month": this_month().isoformat(), "percent_complete": 10, "kpi_value": "a"},
            "kpi_value",
        ),
    ]
    for data, field in bad:
        response = owner.post(url(OBJECTIVES, objective, "progress"), data, format="json")
        assert response.status_code == 400, data
        assert field in response.json(), data
    assert written() == before
    draft = Objective.objects.get(revision__plan=plans["log"])
    response = api_as(cast.manager("LOG")).post(
        url(OBJECTIVES, draft, "progress"),
        {"month": this_month().isoformat(), "percent_complete": 10},
        format="json",
    )
    assert response.status_code == 400
    assert "not against a draft" in response.json()["detail"]
    assert written() == before


# -- milestones -------------------------------------------------------------------------------


def test_milestone_filters(cast, api_as, plans):
    ops_milestone = Milestone.objects.get(objective__revision__plan=plans["ops"])
    fin_milestone = Milestone.objects.get(objective__revision__plan=plans["fin"])
    company_milestone = Milestone.objects.get(objective__revision__plan=plans["company"])
    Milestone.objects.filter(pk=ops_milestone.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    api = api_as(cast["coo"])

    def ids(user=None, **params) -> set[int]:
        client = api_as(user) if user else api_as(cast["coo"])
        response = client.get(MILESTONES, params)
        assert response.status_code == 200, response.json()
        return {item["id"] for item in response.json()["results"]}

    assert ids(overdue="true") == {ops_milestone.pk}
    assert ops_milestone.pk not in ids(overdue="false")
    assert ids(department="FIN") == {fin_milestone.pk}
    assert ids(department="null") == {company_milestone.pk}
    assert ids(owner=cast["head.fin"].username) == {fin_milestone.pk}
    assert ids(cast["head.fin"], mine="true") == {fin_milestone.pk}
    assert ids(cast.manager("OPS"), mine="true") == {ops_milestone.pk}
    assert len(ids(year=year())) == 4 and ids(year=year() - 1) == set()
    assert ids(status="not_started") == ids()
    assert ids(status="done") == set()
    api = api_as(cast["coo"])
    assert api.get(url(MILESTONES, ops_milestone)).json()["overdue"] is True
    assert api.get(MILESTONES, {"status": "someday"}).status_code == 400


def test_milestone_writes(cast, api_as, plans):
    objective = Objective.objects.get(revision__plan=plans["log"])
    before = written()
    data = {"objective": objective.pk, "title": "Order trucks", "due_date": f"{year()}-06-30"}

    # A draft's objective is not there for those who may not see the draft; the others who
    # may not write the plan are refused.
    for user in (cast.staff("LOG"), cast["head.fin"]):
        response = api_as(user).post(MILESTONES, {**data, "owner": "head.log"}, format="json")
        assert response.status_code == 400 and "objective" in response.json()
    for user in (cast.manager("OPS"), cast["auditor"]):
        response = api_as(user).post(MILESTONES, {**data, "owner": "head.log"}, format="json")
        assert response.status_code == 403
    response = api_as(cast["head.log"]).post(
        MILESTONES, {**data, "owner": "head.log", "due_date": f"{year() + 1}-01-31"}, format="json"
    )
    assert response.status_code == 400 and "due_date" in response.json()
    assert written() == before

    head = api_as(cast["head.log"])
    response = head.post(MILESTONES, {**data, "owner": "head.log"}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = head.patch(url(MILESTONES, pk), {"title": "Order six trucks"}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["owner"]) == ("Order six trucks", "head.log")
    response = head.post(url(MILESTONES, pk, "update-status"), {"status": "done"})
    assert response.status_code == 400
    assert "not against a draft" in response.json()["detail"]
    assert head.delete(url(MILESTONES, pk)).status_code == 204
    assert not Milestone.objects.filter(pk=pk).exists()


# -- query counts -----------------------------------------------------------------------------


def grow(cast, count: int) -> None:
    """More objectives and milestones in the plans, progress on the ones in force, and plans of
    the next year."""
    for plan in AnnualPlan.objects.filter(year=year()):
        current = plan.current_revision
        revision = current or plan.latest_revision
        author = (
            cast["coo"]
            if plan.department_id is None
            else cast[f"head.{plan.department.code.lower()}"]
        )
        for n in range(count):
            if current is None:
                objective = objective_save(
                    revision=revision,
                    user=author,
                    title=f"More {n}",
                    weight=1,
                    kpi_name="Count",
                    target=Decimal(10),
                    owner=author,
                )
                milestone_save(
                    objective=objective,
                    user=author,
                    title=f"Step {n}",
                    due_date=dt.date(year(), 12, 1),
                    owner=author,
                )
        for objective in Objective.objects.filter(revision=current) if current else []:
            progress_record(
                objective=objective,
                user=objective.owner,
                month=this_month(),
                percent_complete=min(100, 10 + count),
                kpi_value=Decimal(count),
            )
    existing = AnnualPlan.objects.filter(year=year() + 1).count()
    for code in ("OPS", "LOG", "FIN")[existing : existing + max(1, count // 4)]:
        plan_create(user=cast["coo"], year=year() + 1, department=Department.objects.get(code=code))


def measure(cast, api_as) -> dict[str, int]:
    counts = {}
    objective = Objective.objects.filter(revision__status="approved").order_by("pk").first()
    for role in ("coo", "auditor", "head.ops", "staff:LOG"):
        kind, _, code = role.partition(":")
        user = cast.staff(code) if kind == "staff" else cast[role]
        api = api_as(user)
        for name, address in (
            ("plans", PLANS),
            ("objectives", OBJECTIVES),
            ("milestones", MILESTONES),
            ("progress", url(OBJECTIVES, objective, "progress")),
        ):
            with CaptureQueriesContext(connection) as context:
                response = api.get(address, {"page_size": 200})
                assert response.status_code == 200, (role, name)
                assert response.json()["count"] > 0, (role, name)
            counts[f"{name} {role}"] = len(context)
    return counts


def test_query_counts_do_not_grow(cast, api_as, plans):
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
    assert {"get", "post"} <= set(paths["/api/v1/plans/"])
    for move in ("submit", "approve", "return", "archive", "new-revision"):
        assert "post" in paths[f"/api/v1/plans/{{id}}/{move}/"], move
    assert "/api/v1/plans/{id}/publish/" not in paths
    for base in ("objectives", "milestones"):
        assert {"get", "post"} <= set(paths[f"/api/v1/{base}/"])
        assert {"get", "put", "patch", "delete"} <= set(paths[f"/api/v1/{base}/{{id}}/"])
    assert {"get", "post"} <= set(paths["/api/v1/objectives/{id}/progress/"])
    assert "post" in paths["/api/v1/milestones/{id}/update-status/"]
    parameters = {p["name"] for p in paths["/api/v1/objectives/"]["get"]["parameters"]}
    assert {"plan", "year", "department", "owner"} <= parameters
    parameters = {p["name"] for p in paths["/api/v1/milestones/"]["get"]["parameters"]}
    assert {"status", "owner", "year", "department", "mine", "overdue"} <= parameters
    progress = paths["/api/v1/objectives/{id}/progress/"]["get"]
    assert {p["name"] for p in progress.get("parameters", [])} >= {"page"}
    assert "plan" not in {p["name"] for p in progress.get("parameters", [])}
