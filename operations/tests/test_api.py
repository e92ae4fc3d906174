"""The regulations API: scoped as the pages, with the workflow and acknowledgement endpoints."""

from __future__ import annotations

import pytest

from approvals.models import Action, State
from operations.models import Acknowledgement, Regulation
from operations.services.regulations import acknowledgement_record
from operations.tests.helpers import (
    ALL_ROLES,
    events_of,
    make,
    move,
    publish,
    reload,
    said,
    start_version,
    written,
)

API = "/api/v1/regulations/"


def item_url(regulation, action: str = "") -> str:
    return f"{API}{regulation.pk}/" + (f"{action}/" if action else "")


def payload(**overrides) -> dict:
    data = {
        "title": "Forklift rule",
        "kind": Regulation.Kind.DEPARTMENT_RULE,
        "department": "OPS",
        "body": "# Forklifts\n\nCertified drivers only.",
        "summary_of_changes": "First version.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_anonymous_are_refused(cast, api_client):
    regulation = make(cast["coo"])
    publish(cast, regulation)
    before = written()
    assert api_client.get(API).status_code in (401, 403)
    assert api_client.get(item_url(regulation)).status_code in (401, 403)
    assert api_client.post(API, payload(), format="json").status_code in (401, 403)
    assert api_client.post(item_url(regulation, "acknowledge")).status_code in (401, 403)
    assert written() == before


def test_list_items_carry_the_shown_version(cast, api_as):
    company = make(cast["coo"], "Alpha policy", kind=Regulation.Kind.POLICY, body="Alpha text.")
    publish(cast, company)
    rule = make(
        cast["head.ops"],
        "Bravo rule",
        kind=Regulation.Kind.DEPARTMENT_RULE,
        department_code="OPS",
        body="Bravo text.",
    )

    response = api_as(cast["coo"]).get(API)

    assert response.status_code == 200
    items = {item["title"]: item for item in response.json()["results"]}
    assert response.json()["count"] == 2
    alpha, bravo = items["Alpha policy"], items["Bravo rule"]
    assert {"id", "title", "kind", "department", "status", "version", "body"} <= set(alpha)
    assert (alpha["id"], alpha["kind"], alpha["department"]) == (company.pk, "policy", None)
    assert (alpha["status"], alpha["version"], alpha["body"]) == ("published", 1, "Alpha text.")
    assert (bravo["id"], bravo["kind"], bravo["department"]) == (rule.pk, "department_rule", "OPS")
    assert (bravo["status"], bravo["version"], bravo["body"]) == ("draft", 1, "Bravo text.")
    assert bravo["version_in_force"] is None


# -- creating ---------------------------------------------------------------------------------

CREATE_OPS_RULE = {
    "ceo": 201,
    "coo": 201,
    "auditor": 403,
    "head.ops": 201,
    "head.log": 403,  # the department above theirs
    "head.fin": 403,
    "manager:OPS": 403,
    "manager:LOG": 403,
    "manager:FIN": 403,
    "staff:OPS": 403,
    "staff:LOG": 403,
    "staff:FIN": 403,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_create_a_rule_for_ops(cast, who, api_as, role):
    user = who(role)
    before = written()

    response = api_as(user).post(API, payload(), format="json")

    assert response.status_code == CREATE_OPS_RULE[role], response.json()
    if response.status_code == 201:
        body = response.json()
        assert (body["title"], body["kind"], body["department"]) == (
            "Forklift rule",
            "department_rule",
            "OPS",
        )
        assert (body["status"], body["version"]) == ("draft", 1)
        assert body["body"] == "# Forklifts\n\nCertified drivers only."
        assert body["summary_of_changes"] == "First version."
        regulation = Regulation.objects.get(pk=body["id"])
        assert regulation.owner == user
    else:
        assert "detail" in response.json()
        assert written() == before


def test_the_coo_creates_a_company_wide_procedure_with_steps(cast, api_as):
    response = api_as(cast["coo"]).post(
        API,
        payload(
            title="Purchasing",
            kind="procedure",
            department=None,
            category="Purchasing",
            review_interval_months=6,
            steps=[
                {"title": "Request", "responsible_role": "Requester"},
                {"title": "Order", "responsible_role": "Buyer", "time_limit": "2 days"},
            ],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["department"] is None and body["review_interval_months"] == 6
    assert [(s["title"], s["time_limit"]) for s in body["steps"]] == [
        ("Request", ""),
        ("Order", "2 days"),
    ]


def test_a_head_is_refused_company_wide_items(cast, api_as):
    before = written()
    response = api_as(cast["head.ops"]).post(API, payload(department=None), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == said(
        cast["head.ops"], "Only the COO or the CEO may write company-wide regulations."
    )
    assert written() == before


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"body": None}, {"body": "This field is required."}),
        ({"body": "   "}, {"body": "Write the text."}),
        ({"kind": "memo"}, {"kind": '"memo" is not a valid choice.'}),
        ({"department": "NOPE"}, {"department": "Object with code=NOPE does not exist."}),
        ({"title": None}, {"title": "This field is required."}),
        (
            {"body": None, "kind": "memo", "department": "NOPE"},
            {
                "body": "This field is required.",
                "kind": '"memo" is not a valid choice.',
                "department": "Object with code=NOPE does not exist.",
            },
        ),
        # The services' rules come back the same way, on their field.
        (
            {"kind": "department_rule", "department": None},
            {"department": "A department rule needs its department."},
        ),
        (
            {"kind": "policy", "department": None, "audience_all": False},
            {"audience_departments": "Choose the departments it is for, or make it for everyone."},
        ),
    ],
)
def test_bad_input_says_what_is_wrong_per_field_and_creates_nothing(
    cast, api_as, changes, messages
):
    coo = cast["coo"]  # who reads English
    assert coo.language == "en"
    before = written()
    response = api_as(coo).post(API, payload(**changes), format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message] for field, message in messages.items()}
    assert written() == before


# -- updating -----------------------------------------------------------------------------------


def test_patching_the_text_of_a_draft(cast, api_as):
    regulation = make(cast["head.ops"], "Draft rule", department_code="OPS", body="Old.")
    api = api_as(cast["head.ops"])

    response = api.patch(
        item_url(regulation), {"body": "New.", "summary_of_changes": "Why."}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["body"], response.json()["summary_of_changes"]) == ("New.", "Why.")
    version = reload(regulation).latest_version
    assert (version.body, version.summary_of_changes) == ("New.", "Why.")
    response = api.patch(item_url(regulation), {"title": "Draft rule, renamed"}, format="json")
    assert response.status_code == 200 and reload(regulation).title == "Draft rule, renamed"


@pytest.mark.parametrize(
    "moves",
    [[Action.SUBMIT], [Action.SUBMIT, Action.APPROVE, Action.PUBLISH]],
    ids=["submitted", "published"],
)
def test_patching_the_text_of_a_decided_version_is_refused(cast, api_as, moves):
    regulation = make(cast["head.ops"], "Rule", department_code="OPS", body="Old.")
    move(cast, regulation, *moves)
    before = written()

    response = api_as(cast["head.ops"]).patch(item_url(regulation), {"body": "New."}, format="json")

    assert response.status_code == 400
    assert "cannot be edited in place" in response.json()["detail"]
    assert reload(regulation).latest_version.body == "Old."
    assert written() == before


@pytest.mark.parametrize(("role", "status"), [("head.fin", 404), ("staff:OPS", 404)])
def test_patching_what_one_may_not_see(cast, who, api_as, role, status):
    regulation = make(cast["head.ops"], "Rule", department_code="OPS", body="Old.")
    response = api_as(who(role)).patch(item_url(regulation), {"body": "New."}, format="json")
    assert response.status_code == status
    assert reload(regulation).latest_version.body == "Old."


def test_readers_may_not_patch(cast, api_as):
    regulation = make(cast["coo"], "Policy", body="Old.")
    publish(cast, regulation)
    start_version(cast, regulation, "Second.")
    response = api_as(cast.staff("OPS")).patch(
        item_url(regulation), {"title": "Mine"}, format="json"
    )
    assert response.status_code == 403
    assert reload(regulation).title == "Policy"


def test_a_new_version_through_the_api(cast, api_as):
    regulation = make(cast["coo"], "Policy", body="In force.")
    publish(cast, regulation)
    api = api_as(cast["coo"])
    response = api.post(item_url(regulation, "new-version"))
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["status"]) == (2, "draft")
    assert response.json()["version_in_force"] == 1
    assert api.post(item_url(regulation, "new-version")).status_code == 400


# -- the workflow endpoints --------------------------------------------------------------------

#: Approving a department rule of OPS written and submitted by its head.
APPROVE_OPS_RULE = {
    "ceo": 200,
    "coo": 200,
    "auditor": 403,
    "head.ops": 403,  # who submitted it
    "head.log": 404,
    "head.fin": 404,
    "manager:OPS": 403,
    "manager:LOG": 404,
    "manager:FIN": 404,
    "staff:OPS": 404,
    "staff:LOG": 404,
    "staff:FIN": 404,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_approve_a_department_rule(cast, who, api_as, role):
    regulation = make(cast["head.ops"], "Rule", department_code="OPS")
    version = move(cast, regulation, Action.SUBMIT)
    before = events_of(version)

    response = api_as(who(role)).post(item_url(regulation, "approve"), {"note": "OK"})

    assert response.status_code == APPROVE_OPS_RULE[role], response.json()
    if response.status_code == 200:
        assert response.json()["status"] == "approved"
        assert reload(version).decided_by == who(role)
        assert reload(version).decision_note == "OK"
    else:
        assert response.json()["detail"]
        assert reload(version).status == State.SUBMITTED
        assert events_of(version) == before


#: Submitting a draft rule of OPS written by its head.
SUBMIT_OPS_RULE = {
    "ceo": 200,
    "coo": 200,
    "auditor": 403,  # sees it, may not write it
    "head.ops": 200,
    "head.log": 404,
    "head.fin": 404,
    "manager:OPS": 403,
    "manager:LOG": 404,
    "manager:FIN": 404,
    "staff:OPS": 404,  # drafts are not for readers
    "staff:LOG": 404,
    "staff:FIN": 404,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_submit_a_department_rule(cast, who, api_as, role):
    regulation = make(cast["head.ops"], "Rule", department_code="OPS")
    before = written()
    response = api_as(who(role)).post(item_url(regulation, "submit"))
    assert response.status_code == SUBMIT_OPS_RULE[role], response.json()
    version = reload(regulation).latest_version
    if response.status_code == 200:
        assert response.json()["status"] == "submitted"
        assert (version.status, version.submitted_by) == (State.SUBMITTED, who(role))
    else:
        assert version.status == State.DRAFT
        assert written() == before


#: Archiving a rule of OPS in force (for everyone, so every role sees it).
ARCHIVE_OPS_RULE = {
    "ceo": 200,
    "coo": 200,
    "auditor": 403,
    "head.ops": 200,  # its author
    "head.log": 403,
    "head.fin": 403,
    "manager:OPS": 403,
    "manager:LOG": 403,
    "manager:FIN": 403,
    "staff:OPS": 403,
    "staff:LOG": 403,
    "staff:FIN": 403,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_archive_a_rule_in_force(cast, who, api_as, role):
    regulation = make(cast["head.ops"], "Rule", department_code="OPS")
    version = publish(cast, regulation)
    before = written()
    response = api_as(who(role)).post(item_url(regulation, "archive"))
    assert response.status_code == ARCHIVE_OPS_RULE[role], response.json()
    if response.status_code == 200:
        assert response.json()["version_in_force"] is None
        assert reload(version).status == State.ARCHIVED
    else:
        assert reload(version).status == State.PUBLISHED
        assert reload(regulation).current_version_id == version.pk
        assert written() == before


#: Approving a company-wide regulation written and submitted by the COO (not yet in force).
APPROVE_COMPANY_WIDE = {
    "ceo": 200,
    "coo": 403,
    "auditor": 403,
    "head.ops": 404,  # not in force: they do not see it
    "staff:OPS": 404,
}


@pytest.mark.parametrize("role", APPROVE_COMPANY_WIDE)
def test_who_may_approve_a_company_wide_regulation(cast, who, api_as, role):
    regulation = make(cast["coo"], "Policy")
    version = move(cast, regulation, Action.SUBMIT)
    response = api_as(who(role)).post(item_url(regulation, "approve"))
    assert response.status_code == APPROVE_COMPANY_WIDE[role]
    expected = State.APPROVED if response.status_code == 200 else State.SUBMITTED
    assert reload(version).status == expected


def test_the_whole_way_through_the_api(cast, api_as, django_capture_on_commit_callbacks):
    head, coo = cast["head.ops"], cast["coo"]
    created = api_as(head).post(API, payload(), format="json").json()
    regulation = Regulation.objects.get(pk=created["id"])
    url = item_url(regulation)

    assert api_as(head).post(url + "approve/").status_code == 400  # a draft is not decided
    response = api_as(head).post(url + "submit/")
    assert (response.status_code, response.json()["status"]) == (200, "submitted")
    assert api_as(head).post(url + "submit/").status_code == 400  # nor submitted twice

    response = api_as(coo).post(url + "return/", {"note": "  "}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"note"}
    assert reload(regulation).latest_version.status == State.SUBMITTED
    response = api_as(coo).post(url + "return/", {"note": "Say who drives."}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "returned")
    version = reload(regulation).latest_version
    assert version.decision_note == "Say who drives."

    assert api_as(head).patch(url, {"body": "Certified drivers."}, format="json").status_code == 200
    assert api_as(head).post(url + "submit/").status_code == 200
    assert api_as(cast["auditor"]).post(url + "approve/").status_code == 403
    assert api_as(coo).post(url + "approve/").status_code == 200
    assert api_as(cast.staff("OPS")).post(url + "publish/").status_code == 404
    assert api_as(cast["auditor"]).post(url + "publish/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(head).post(url + "publish/")  # its author puts it in force
    assert (response.status_code, response.json()["status"]) == (200, "published")
    assert response.json()["version_in_force"] == 1

    assert api_as(cast.staff("OPS")).post(url + "archive/").status_code == 403
    assert api_as(cast["auditor"]).post(url + "archive/").status_code == 403
    response = api_as(coo).post(url + "archive/")
    assert (response.status_code, response.json()["status"]) == (200, "archived")
    assert response.json()["version_in_force"] is None
    assert reload(regulation).latest_version.status == State.ARCHIVED
    assert [e[0] for e in events_of(reload(regulation).latest_version)] == [
        Action.SUBMIT,
        Action.RETURN,
        Action.SUBMIT,
        Action.APPROVE,
        Action.PUBLISH,
        Action.ARCHIVE,
    ]


def test_a_reason_may_be_given_as_reason(cast, api_as):
    regulation = make(cast["coo"], "Policy")
    move(cast, regulation, Action.SUBMIT)
    response = api_as(cast["ceo"]).post(
        item_url(regulation, "return"), {"reason": "Too long."}, format="json"
    )
    assert response.status_code == 200
    assert reload(regulation).latest_version.decision_note == "Too long."


def test_no_version_awaits_the_step(cast, api_as):
    regulation = make(cast["coo"], "Policy")
    publish(cast, regulation)
    response = api_as(cast["coo"]).post(item_url(regulation, "submit"))
    assert response.status_code == 400
    assert response.json()["detail"] == said(
        cast["coo"], "No version of this regulation awaits that step."
    )


# -- acknowledgements -------------------------------------------------------------------------


def test_acknowledging_through_the_api(cast, api_as):
    regulation = make(cast["coo"], "Policy")
    publish(cast, regulation)
    staff = cast.staff("LOG")

    response = api_as(staff).post(item_url(regulation, "acknowledge"))

    assert response.status_code == 201
    body = response.json()
    assert (body["username"], body["department"], body["version"]) == (staff.username, "LOG", 1)
    assert body["acknowledged_at"]
    assert api_as(staff).post(item_url(regulation, "acknowledge")).status_code == 201
    assert Acknowledgement.objects.filter(user=staff).count() == 1


def test_acknowledging_a_draft_is_refused(cast, api_as):
    regulation = make(cast["head.ops"], "Rule", department_code="OPS")
    before = written()
    assert api_as(cast["head.ops"]).post(item_url(regulation, "acknowledge")).status_code == 400
    assert api_as(cast.staff("OPS")).post(item_url(regulation, "acknowledge")).status_code == 404
    assert written() == before


@pytest.fixture
def acknowledged_rule(cast):
    """An OPS rule in force, acknowledged by two staff members and the head of LOG."""
    regulation = make(cast["head.ops"], "Dock rule", department_code="OPS", audience=["OPS"])
    publish(cast, regulation)
    for user in (cast.staff("OPS"), cast.staff("LOG"), cast["head.log"]):
        acknowledgement_record(regulation=regulation, user=user)
    return regulation


@pytest.mark.parametrize(
    ("role", "sees_all"),
    [
        ("coo", True),
        ("ceo", True),
        ("auditor", True),
        ("head.ops", True),
        ("manager:OPS", True),
        ("head.log", False),  # not their department's rule: only their own acknowledgement
        ("staff:OPS", False),
        ("staff:LOG", False),
    ],
)
def test_who_sees_which_acknowledgements(cast, who, api_as, acknowledged_rule, role, sees_all):
    user = who(role)
    response = api_as(user).get(item_url(acknowledged_rule, "acknowledgements"))
    assert response.status_code == 200
    names = {a["username"] for a in response.json()["results"]}
    everyone = {cast.staff("OPS").username, cast.staff("LOG").username, "head.log"}
    assert names == (everyone if sees_all else everyone & {user.username})


def test_acknowledgements_of_what_one_may_not_see(cast, api_as, acknowledged_rule):
    response = api_as(cast.staff("FIN")).get(item_url(acknowledged_rule, "acknowledgements"))
    assert response.status_code == 404


# -- filters ------------------------------------------------------------------------------------


def test_the_api_filters(cast, api_as):
    make(cast["coo"], "Alpha policy", kind=Regulation.Kind.POLICY)
    publish(cast, make(cast["coo"], "Bravo regulation"))
    make(
        cast["head.ops"],
        "Charlie rule",
        kind=Regulation.Kind.DEPARTMENT_RULE,
        department_code="OPS",
    )
    make(
        cast["head.fin"], "Delta rule", kind=Regulation.Kind.DEPARTMENT_RULE, department_code="FIN"
    )
    api = api_as(cast["coo"])

    def titles(**params) -> set[str]:
        response = api.get(API, params)
        assert response.status_code == 200
        return {item["title"] for item in response.json()["results"]}

    assert titles(kind="department_rule") == {"Charlie rule", "Delta rule"}
    assert titles(department="OPS") == {"Charlie rule"}
    assert titles(department="null") == {"Alpha policy", "Bravo regulation"}
    assert titles(status="published") == {"Bravo regulation"}
    assert titles(status="draft") == {"Alpha policy", "Charlie rule", "Delta rule"}
    assert titles(kind="department_rule", department="FIN") == {"Delta rule"}
    assert titles(search="rule") == {"Charlie rule", "Delta rule"}
    assert api.get(API, {"kind": "memo"}).status_code == 400
