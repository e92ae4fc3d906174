"""The regulation pages: list and filters, exports, forms, new versions, acknowledging,
differences, compliance, reviews due, attachments and the workflow buttons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import Action, State
from operations.models import Attachment, Regulation, RegulationVersion
from operations.services.regulations import attachment_add
from operations.tests.helpers import (
    ALL_ROLES,
    PDF_BYTES,
    content_of,
    csv_rows,
    make,
    move,
    publish,
    reload,
    said,
    start_version,
    state_name,
    stored_files,
    upload,
    written,
    xlsx_rows,
)
from organization.models import Department
from tests.company import built_once

LIST = reverse("operations:regulation_list")
CREATE = reverse("operations:regulation_create")


def url(name: str, regulation) -> str:
    return reverse(f"operations:{name}", args=[regulation.pk])


def _build_catalogue(cast) -> dict[str, int]:
    """Five regulations of different kinds, departments, states and categories."""
    today = timezone.localdate()
    alpha = make(cast["coo"], "Alpha policy", kind=Regulation.Kind.POLICY, category="Safety")
    bravo = make(
        cast["head.ops"],
        "Bravo procedure",
        kind=Regulation.Kind.PROCEDURE,
        department_code="OPS",
        category="Purchasing",
    )
    charlie = make(
        cast["head.log"],
        "Charlie rule",
        kind=Regulation.Kind.DEPARTMENT_RULE,
        department_code="LOG",
        category="safety",
    )
    delta = make(cast["head.fin"], "Delta regulation", department_code="FIN", category="Money")
    echo = make(
        cast["head.ops"],
        "Echo rule",
        kind=Regulation.Kind.DEPARTMENT_RULE,
        department_code="OPS",
        audience=["OPS"],
        body="# Echo\n\nLine one.\nLine two.\nLine three.\n",
    )
    publish(cast, alpha)
    move(cast, charlie, Action.SUBMIT)
    publish(cast, delta)
    Regulation.objects.filter(pk=delta.pk).update(next_review_date=today + timedelta(days=3))
    publish(cast, echo)
    start_version(cast, echo, "# Echo\n\nLine one.\nLine 2, changed.\nLine three.\n")
    return {r.title.split()[0].lower(): r.pk for r in (alpha, bravo, charlie, delta, echo)}


@pytest.fixture(scope="module", autouse=True)
def _catalogue(_company_built_once, django_db_blocker):
    return built_once(django_db_blocker, _company_built_once, _build_catalogue)


@pytest.fixture
def catalogue(_catalogue, cast):
    """The regulations of :func:`_build_catalogue`, built once for the module, read afresh."""
    return {key: Regulation.objects.get(pk=pk) for key, pk in _catalogue.items()}


def titles(response) -> set[str]:
    assert response.status_code == 200
    return {r.title for r in response.context["regulations"]}


ALL_FIVE = {"Alpha policy", "Bravo procedure", "Charlie rule", "Delta regulation", "Echo rule"}
FILTERS = [
    ({}, ALL_FIVE),
    ({"kind": "policy"}, {"Alpha policy"}),
    ({"kind": "department_rule"}, {"Charlie rule", "Echo rule"}),
    ({"department": "OPS"}, {"Bravo procedure", "Echo rule"}),
    ({"department": "null"}, {"Alpha policy"}),
    ({"status": "published"}, {"Alpha policy", "Delta regulation"}),
    ({"status": "draft"}, {"Bravo procedure", "Echo rule"}),  # Echo's v2 is shown to the COO
    ({"status": "submitted"}, {"Charlie rule"}),
    ({"status": "archived"}, set()),
    ({"category": "SAFETY"}, {"Alpha policy", "Charlie rule"}),
    ({"due_for_review": "true"}, {"Delta regulation"}),
    ({"due_for_review": "false"}, ALL_FIVE - {"Delta regulation"}),
    ({"search": "rule"}, {"Charlie rule", "Echo rule"}),
    ({"search": "purch"}, {"Bravo procedure"}),  # the category is searched too
    ({"search": "echo RULE"}, {"Echo rule"}),
    ({"kind": "department_rule", "department": "OPS"}, {"Echo rule"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[str(q) for q, _ in FILTERS])
def test_the_list_filters(catalogue, cast, client, query, expected):
    client.force_login(cast["coo"])
    assert titles(client.get(LIST, query)) == expected


def test_readers_filter_on_the_version_they_see(catalogue, cast, client):
    client.force_login(cast.staff("OPS"))
    # Echo's version 2 is a draft, but staff see (and filter on) version 1, in force.
    assert titles(client.get(LIST, {"status": "published"})) == {
        "Alpha policy",
        "Delta regulation",
        "Echo rule",
    }
    assert titles(client.get(LIST, {"status": "draft"})) == set()
    assert titles(client.get(LIST)) == {"Alpha policy", "Delta regulation", "Echo rule"}


def test_the_export_has_the_filtered_rows(catalogue, cast, client):
    client.force_login(cast["coo"])
    rows = csv_rows(client.get(LIST, {"kind": "department_rule", "export": "csv"}))
    header = rows[0]
    assert header[:2] == ["Title", "Kind"]
    by_title = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_title) == {"Charlie rule", "Echo rule"}
    assert by_title["Echo rule"]["Department"] == "OPS"
    assert (by_title["Echo rule"]["Version"], by_title["Echo rule"]["Status"]) == ("2", "Draft")
    assert by_title["Echo rule"]["Version in force"] == "1"
    assert by_title["Charlie rule"]["Status"] == "Submitted"

    rows = xlsx_rows(client.get(LIST, {"search": "rule", "export": "xlsx"}))
    assert rows[0][0] == "Title"
    assert {row[0] for row in rows[1:]} == {"Charlie rule", "Echo rule"}

    # Readers' exports hold what they see, and the version in force.
    client.force_login(cast.staff("OPS"))
    rows = csv_rows(client.get(LIST, {"export": "csv"}))
    assert {row[0] for row in rows[1:]} == {"Alpha policy", "Delta regulation", "Echo rule"}
    assert "Bravo procedure" not in content_of(client.get(LIST, {"export": "csv"})).decode()


def test_an_unknown_export_format_is_not_found(catalogue, cast, client):
    client.force_login(cast["coo"])
    assert client.get(LIST, {"export": "pdf"}).status_code == 404


# -- creating -------------------------------------------------------------------------------


def form_data(department_code: str | None = "OPS", **overrides) -> dict:
    department = Department.objects.get(code=department_code) if department_code else None
    data = {
        "title": "Loading bay rule",
        "kind": Regulation.Kind.DEPARTMENT_RULE,
        "department": department.pk if department else "",
        "category": "Safety",
        "review_interval_months": "12",
        "audience_all": "on",
        "body": "# Loading bay\n\nWear a vest.",
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


CREATE_PAGE = {
    "ceo": 200,
    "coo": 200,
    "auditor": 403,
    "head.ops": 200,
    "head.log": 200,
    "head.fin": 200,
    "manager:OPS": 403,
    "manager:LOG": 403,
    "manager:FIN": 403,
    "staff:OPS": 403,
    "staff:LOG": 403,
    "staff:FIN": 403,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_open_the_create_page(cast, who, client, role):
    client.force_login(who(role))
    assert client.get(CREATE).status_code == CREATE_PAGE[role]
    before = written()
    response = client.post(CREATE, form_data("FIN" if role == "head.fin" else "LOG"))
    if CREATE_PAGE[role] == 403:
        assert response.status_code == 403
        assert written() == before
    else:
        assert response.status_code == 302
        assert written()["regulations"] == before["regulations"] + 1


def test_a_head_writes_for_their_departments_only(cast, client):
    head = cast["head.ops"]
    client.force_login(head)
    form = client.get(CREATE).context["form"]
    choices = set(form.fields["department"].queryset.values_list("code", flat=True))
    assert choices == {"OPS", "LOG"}
    assert form.fields["department"].required  # no company-wide item for a head

    before = written()
    response = client.post(CREATE, form_data("FIN", title="Someone else's rule"))
    assert response.status_code == 200
    assert response.context["form"].errors["department"]
    assert 'data-testid="form-errors"' in response.content.decode()
    response = client.post(CREATE, form_data(None, title="Company rule by a head"))
    assert response.status_code == 200 and response.context["form"].errors["department"]
    assert written() == before

    response = client.post(CREATE, form_data("LOG"))
    regulation = Regulation.objects.get(title="Loading bay rule")
    assert response.status_code == 302 and response["Location"] == regulation.get_absolute_url()
    assert (regulation.department.code, regulation.owner, regulation.category) == (
        "LOG",
        head,
        "Safety",
    )
    assert regulation.latest_version.body == "# Loading bay\n\nWear a vest."
    assert regulation.latest_version.status == State.DRAFT


def test_the_coo_writes_company_wide_with_steps(cast, client):
    client.force_login(cast["coo"])
    assert client.get(CREATE).context["form"].fields["department"].required is False
    data = form_data(
        None,
        title="Purchasing procedure",
        kind=Regulation.Kind.PROCEDURE,
        **{
            "steps-TOTAL_FORMS": "3",
            "steps-0-title": "Compare offers",
            "steps-0-responsible_role": "Buyer",
            "steps-0-ORDER": "2",
            "steps-1-title": "Request",
            "steps-1-responsible_role": "Requester",
            "steps-1-time_limit": "1 day",
            "steps-1-ORDER": "1",
        },
    )
    response = client.post(CREATE, data)
    assert response.status_code == 302
    regulation = Regulation.objects.get(title="Purchasing procedure")
    assert regulation.department is None
    steps = regulation.latest_version.steps.order_by("order")
    assert list(steps.values_list("order", "title", "responsible_role", "time_limit")) == [
        (1, "Request", "Requester", "1 day"),
        (2, "Compare offers", "Buyer", ""),
    ]


def test_a_service_refusal_is_shown_on_the_form_and_nothing_is_saved(cast, client):
    client.force_login(cast["coo"])
    before = written()
    response = client.post(CREATE, form_data(None))  # a department rule of no department
    assert response.status_code == 200
    assert response.context["form"].errors["department"] == [
        said(cast["coo"], "A department rule needs its department.")
    ]
    response = client.post(CREATE, form_data(None, kind="policy", audience_all=None))
    assert response.status_code == 200  # for nobody: neither everyone nor any department
    assert response.context["form"].errors["audience_departments"]
    response = client.post(
        CREATE,
        form_data(
            None,
            title="Half a step",
            **{"steps-TOTAL_FORMS": "1"},
            **{
                "steps-0-title": "Only a title",
            },
        ),
    )
    assert response.status_code == 200
    assert response.context["steps"].forms[0].errors["responsible_role"]
    assert written() == before


# -- editing ----------------------------------------------------------------------------------


def edit_data(regulation, **overrides) -> dict:
    version = regulation.latest_version
    data = form_data(
        regulation.department.code if regulation.department else None,
        title=regulation.title,
        kind=regulation.kind,
        body=version.body,
        summary_of_changes=version.summary_of_changes,
    )
    data.update(overrides)
    return data


def test_a_draft_is_edited_through_the_page(cast, client):
    regulation = make(cast["head.ops"], "Draft rule", department_code="OPS")
    client.force_login(cast["head.ops"])
    assert client.get(url("regulation_edit", regulation)).status_code == 200

    response = client.post(
        url("regulation_edit", regulation),
        edit_data(
            regulation, title="Draft rule, renamed", body="New text.", summary_of_changes="Why."
        ),
    )

    assert response.status_code == 302
    regulation = reload(regulation)
    assert regulation.title == "Draft rule, renamed"
    assert (regulation.latest_version.body, regulation.latest_version.summary_of_changes) == (
        "New text.",
        "Why.",
    )


@pytest.mark.parametrize(
    ("moves", "state", "message"),
    [
        (
            [Action.SUBMIT, Action.APPROVE, Action.PUBLISH],
            State.PUBLISHED,
            "Version %(number)s is %(state)s and cannot be edited in place: start a new "
            "version to change it.",
        ),
        (
            [Action.SUBMIT],
            State.SUBMITTED,
            "Version %(number)s is %(state)s and cannot be edited now: it can be "
            "changed again if it is returned for changes.",
        ),
    ],
    ids=["published", "submitted"],
)
def test_the_edit_page_of_a_decided_version_redirects_and_says_why(
    cast, client, moves, state, message
):
    author = cast["head.ops"]
    regulation = make(author, "Rule in force", department_code="OPS", body="Text in force.")
    move(cast, regulation, *moves)
    client.force_login(author)

    response = client.get(url("regulation_edit", regulation), follow=True)

    assert response.redirect_chain == [(regulation.get_absolute_url(), 302)]
    expected = said(author, message, number=1, state=state_name(author, state))
    assert expected in response.content.decode()


def test_posting_an_edit_of_a_published_version_changes_nothing(cast, client):
    author = cast["head.ops"]
    regulation = make(author, "Rule in force", department_code="OPS", body="Text in force.")
    publish(cast, regulation)
    client.force_login(author)

    response = client.post(
        url("regulation_edit", regulation),
        edit_data(reload(regulation), title="Renamed in passing", body="Changed in place."),
    )

    assert response.status_code == 200
    assert "cannot be edited in place" in str(response.context["version_form"].errors)
    regulation = reload(regulation)
    assert regulation.title == "Rule in force"  # the description was not saved either
    assert regulation.current_version.body == "Text in force."


@pytest.mark.parametrize(
    ("role", "status"), [("staff:OPS", 403), ("auditor", 403), ("head.fin", 404)]
)
def test_who_may_not_edit(cast, who, client, role, status):
    regulation = make(cast["head.ops"], "Draft rule", department_code="OPS", audience=["OPS"])
    publish(cast, regulation)
    start_version(cast, regulation, "Second text.")
    client.force_login(who(role))
    before = written()
    assert client.get(url("regulation_edit", regulation)).status_code == status
    response = client.post(url("regulation_edit", regulation), edit_data(regulation, body="x"))
    assert response.status_code == status
    assert written() == before
    assert reload(regulation).latest_version.body == "Second text."


# -- new versions -------------------------------------------------------------------------------


def test_starting_a_new_version_from_the_page(cast, client):
    author = cast["head.ops"]
    regulation = make(author, "Rule in force", department_code="OPS", body="Text in force.")
    publish(cast, regulation)
    client.force_login(author)
    detail = client.get(url("regulation_detail", regulation)).content.decode()
    assert 'data-testid="start-new-version"' in detail

    response = client.post(url("regulation_new_version", regulation))

    assert response.status_code == 302
    assert response["Location"] == url("regulation_edit", regulation)
    regulation = reload(regulation)
    assert (regulation.latest_version.number, regulation.latest_version.status) == (2, State.DRAFT)
    assert regulation.current_version.number == 1
    assert client.get(url("regulation_edit", regulation)).status_code == 200

    before = written()
    response = client.post(url("regulation_new_version", regulation), follow=True)
    assert response.redirect_chain == [(regulation.get_absolute_url(), 302)]
    assert (
        said(
            author,
            "Version %(number)s is already being worked on; finish or archive it first.",
            number=2,
        )
        in response.content.decode()
    )
    assert written() == before


def test_readers_may_not_start_a_new_version(cast, client):
    regulation = make(cast["coo"], "Alpha policy")
    publish(cast, regulation)
    staff = cast.staff("OPS")
    client.force_login(staff)
    assert (
        'data-testid="start-new-version"'
        not in client.get(url("regulation_detail", regulation)).content.decode()
    )
    before = written()
    response = client.post(url("regulation_new_version", regulation), follow=True)
    assert (
        said(staff, "Only the COO or the CEO may write company-wide regulations.")
        in response.content.decode()
    )
    assert written() == before


# -- differences ------------------------------------------------------------------------------


def test_the_diff_page_shows_the_changed_line(catalogue, cast, client):
    echo = catalogue["echo"]
    client.force_login(cast["head.ops"])

    response = client.get(url("regulation_diff", echo), {"a": 1, "b": 2})

    assert response.status_code == 200
    changed = [
        (row["kind"], row["text"])
        for row in response.context["rows"]
        if row["kind"] in ("add", "del")
    ]
    assert changed == [("del", "Line two."), ("add", "Line 2, changed.")]
    assert (response.context["added"], response.context["removed"]) == (1, 1)
    page = response.content.decode()
    assert '<del class="text-decoration-none">Line two.</del>' in page
    assert '<ins class="text-decoration-none">Line 2, changed.</ins>' in page
    # Without a choice, the version in force is compared with the newest.
    default = client.get(url("regulation_diff", echo))
    assert (default.context["old"].number, default.context["new"].number) == (1, 2)
    assert client.get(url("regulation_diff", echo), {"a": 1, "b": 9}).status_code == 404


def test_readers_may_not_compare_with_a_draft(catalogue, cast, client):
    client.force_login(cast.staff("OPS"))
    assert (
        client.get(url("regulation_diff", catalogue["echo"]), {"a": 1, "b": 2}).status_code == 404
    )


# -- compliance and reviews ---------------------------------------------------------------------

COMPLIANCE_PAGE = {
    "ceo": 200,
    "coo": 200,
    "auditor": 200,
    "head.ops": 200,
    "head.log": 200,
    "head.fin": 200,
    "manager:OPS": 403,
    "manager:LOG": 403,
    "manager:FIN": 403,
    "staff:OPS": 403,
    "staff:LOG": 403,
    "staff:FIN": 403,
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_may_see_the_compliance_page(catalogue, who, client, role):
    client.force_login(who(role))
    response = client.get(reverse("operations:regulation_compliance"))
    assert response.status_code == COMPLIANCE_PAGE[role]
    if response.status_code == 200:
        codes = {row.department.code for row in response.context["rows"]}
        if role in ("ceo", "coo", "auditor"):
            assert codes == {"OPS", "LOG", "FIN"}
        else:
            expected = {"head.ops": {"OPS", "LOG"}, "head.log": {"LOG"}, "head.fin": {"FIN"}}
            assert codes == expected[role]


def test_the_due_for_review_page(catalogue, cast, who, client):
    page = reverse("operations:regulation_due_for_review")
    expected = {
        "coo": ["Delta regulation"],  # every one, for the company-wide roles
        "auditor": ["Delta regulation"],
        "head.fin": ["Delta regulation"],  # their own
        "head.ops": [],
        "staff:FIN": [],
    }
    for role, titles_due in expected.items():
        client.force_login(who(role))
        response = client.get(page)
        assert response.status_code == 200
        assert [r.title for r in response.context["regulations"]] == titles_due, role


def test_the_home_page_shows_reviews_due_and_decisions_awaiting(catalogue, cast, client):
    client.force_login(cast["head.fin"])
    home = client.get("/").content.decode()
    assert 'data-testid="panel-reviews-due"' in home and "Delta regulation" in home

    client.force_login(cast["coo"])
    home = client.get("/")
    panel = next(p for p in home.context["panels"] if "awaiting_decision" in p["template"])
    assert panel["context"]["count"] == 1
    assert [str(i) for i in panel["context"]["items"]] == ["Charlie rule (v1)"]

    client.force_login(cast["head.ops"])
    home = client.get("/").content.decode()
    assert 'data-testid="panel-reviews-due"' not in home
    assert 'data-testid="panel-awaiting-decision"' not in home


# -- the workflow buttons on the detail page ----------------------------------------------------

BUTTONS = {
    "ceo": {"approve", "return"},
    "coo": {"approve", "return"},
    "auditor": set(),
    "head.ops": set(),
    "head.log": set(),  # who submitted it
    "manager:LOG": set(),
}


@pytest.mark.parametrize("role", BUTTONS)
def test_the_approval_buttons_appear_only_for_who_may_use_them(catalogue, who, client, role):
    client.force_login(who(role))
    page = client.get(url("regulation_detail", catalogue["charlie"])).content.decode()
    shown = {
        action
        for action in ("submit", "approve", "return", "publish", "archive")
        if f'data-testid="action-{action}"' in page
    }
    assert shown == BUTTONS[role]


def test_the_author_sees_submit_on_a_draft_and_readers_see_no_buttons(catalogue, cast, client):
    client.force_login(cast["head.ops"])
    page = client.get(url("regulation_detail", catalogue["bravo"])).content.decode()
    assert 'data-testid="action-submit"' in page and 'data-testid="edit-draft"' in page
    client.force_login(cast.staff("OPS"))
    page = client.get(url("regulation_detail", catalogue["echo"])).content.decode()
    assert 'data-testid="action-' not in page and 'data-testid="edit-draft"' not in page


# -- attachments through the page ---------------------------------------------------------------


def test_attaching_through_the_page(catalogue, cast, client):
    bravo = catalogue["bravo"]
    author = cast["head.ops"]
    client.force_login(author)
    files, before = stored_files(), written()

    response = client.post(
        url("regulation_attachment_add", bravo),
        {"file": upload("setup.exe", b"MZ" + b"\x00" * 40)},
        follow=True,
    )
    assert response.status_code == 200
    assert "setup.exe" in response.content.decode()
    assert written() == before and stored_files() == files

    response = client.post(
        url("regulation_attachment_add", bravo),
        {"file": upload("form.pdf", PDF_BYTES, "application/pdf")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(version__regulation=bravo)
    download = client.get(
        reverse("operations:regulation_attachment_download", args=[bravo.pk, attachment.pk])
    )
    assert download.status_code == 200
    assert content_of(download) == PDF_BYTES


def test_readers_may_not_download_a_drafts_attachment(catalogue, cast, client):
    echo = catalogue["echo"]
    draft = RegulationVersion.objects.get(regulation=echo, number=2)
    attachment = attachment_add(
        version=draft, user=cast["head.ops"], upload=upload("draft.pdf", PDF_BYTES)
    )
    client.force_login(cast.staff("OPS"))
    response = client.get(
        reverse("operations:regulation_attachment_download", args=[echo.pk, attachment.pk])
    )
    assert response.status_code == 404
