"""Who sees which regulation and which version, role by role, in queries, pages and API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.models import Action, State
from approvals.services import transition
from operations.models import Regulation, RegulationVersion
from operations.tests.helpers import (
    ALL_ROLES,
    COMPANY_WIDE_ROLES,
    HEADS,
    events_of,
    make,
    publish,
    reload,
    said,
    start_version,
)
from tests.company import built_once

EVERYTHING = {
    "ops-draft",
    "log-draft",
    "fin-draft",
    "company-draft",
    "company-published",
    "company-with-draft",
    "ops-published",
    "log-published",
    "fin-published",
}
PUBLISHED_FOR_ALL = {"company-published", "company-with-draft"}

#: The regulations each role sees. Drafts: their department's (sub-departments included) for
#: heads and managers. Published: company-wide for heads, and whatever is addressed to one's
#: department or a department above it.
SEES = {
    "ceo": EVERYTHING,
    "coo": EVERYTHING,
    "auditor": EVERYTHING,
    "head.ops": PUBLISHED_FOR_ALL | {"ops-draft", "log-draft", "ops-published", "log-published"},
    "head.log": PUBLISHED_FOR_ALL | {"log-draft", "log-published", "ops-published"},
    "head.fin": PUBLISHED_FOR_ALL | {"fin-draft", "fin-published"},
    "manager:OPS": PUBLISHED_FOR_ALL | {"ops-draft", "log-draft", "ops-published", "log-published"},
    "manager:LOG": PUBLISHED_FOR_ALL | {"log-draft", "log-published", "ops-published"},
    "manager:FIN": PUBLISHED_FOR_ALL | {"fin-draft", "fin-published"},
    "staff:OPS": PUBLISHED_FOR_ALL | {"ops-published"},
    "staff:LOG": PUBLISHED_FOR_ALL | {"ops-published", "log-published"},  # OPS is above LOG
    "staff:FIN": PUBLISHED_FOR_ALL | {"fin-published"},
}

DRAFT_TEXT = "The new wording nobody may read before it is published."
IN_FORCE_TEXT = "The wording in force."


def _build_world(cast) -> dict[str, int]:
    """One regulation of each kind of visibility, by title."""
    rule = Regulation.Kind.DEPARTMENT_RULE
    items = {
        "ops-draft": make(cast["head.ops"], "ops-draft", kind=rule, department_code="OPS"),
        "log-draft": make(cast["head.log"], "log-draft", kind=rule, department_code="LOG"),
        "fin-draft": make(cast["head.fin"], "fin-draft", kind=rule, department_code="FIN"),
        "company-draft": make(cast["coo"], "company-draft"),
        "company-published": make(cast["coo"], "company-published"),
        "company-with-draft": make(cast["coo"], "company-with-draft", body=IN_FORCE_TEXT),
        "ops-published": make(
            cast["head.ops"], "ops-published", kind=rule, department_code="OPS", audience=["OPS"]
        ),
        "log-published": make(
            cast["head.log"], "log-published", kind=rule, department_code="LOG", audience=["LOG"]
        ),
        "fin-published": make(
            cast["head.fin"], "fin-published", kind=rule, department_code="FIN", audience=["FIN"]
        ),
    }
    for key in (
        "company-published",
        "company-with-draft",
        "ops-published",
        "log-published",
        "fin-published",
    ):
        publish(cast, items[key])
    start_version(cast, items["company-with-draft"], DRAFT_TEXT)
    return {key: regulation.pk for key, regulation in items.items()}


@pytest.fixture(scope="module", autouse=True)
def _world(_company_built_once, django_db_blocker):
    return built_once(django_db_blocker, _company_built_once, _build_world)


@pytest.fixture
def world(_world, cast):
    """The regulations of :func:`_build_world`, built once for the module, read afresh."""
    return {key: Regulation.objects.get(pk=pk) for key, pk in _world.items()}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_regulations_each_role_sees(world, who, role):
    seen = set(Regulation.objects.for_user(who(role)).values_list("title", flat=True))
    assert seen == SEES[role]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_versions_each_role_sees(world, who, role):
    user = who(role)
    seen = set(RegulationVersion.objects.for_user(user).values_list("regulation__title", "number"))
    everything = set(RegulationVersion.objects.values_list("regulation__title", "number"))
    if role in COMPANY_WIDE_ROLES:
        assert seen == everything
        return
    # Everyone else: the versions of what they see, except drafts of what they cannot write.
    expected = {(title, 1) for title in SEES[role]}
    assert seen == expected
    assert ("company-with-draft", 2) not in seen


def test_the_anonymous_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Regulation.objects.for_user(AnonymousUser()).exists()


HIDDEN = [
    ("head.ops", "fin-draft"),
    ("head.ops", "company-draft"),
    ("head.fin", "ops-draft"),
    ("head.log", "ops-draft"),  # the department above is not theirs
    ("manager:FIN", "log-draft"),
    ("staff:OPS", "ops-draft"),  # their own department's drafts neither
    ("staff:OPS", "log-published"),  # addressed to a department below theirs
    ("staff:FIN", "company-draft"),
]


@pytest.mark.parametrize(("role", "key"), HIDDEN)
def test_what_one_may_not_see_is_not_found(world, who, client, api_as, role, key):
    user = who(role)
    regulation = world[key]
    client.force_login(user)
    for name in ("regulation_detail", "regulation_diff", "regulation_edit"):
        response = client.get(reverse(f"operations:{name}", args=[regulation.pk]))
        assert response.status_code == 404, name
    api = api_as(user)
    assert api.get(f"/api/v1/regulations/{regulation.pk}/").status_code == 404
    listed = {item["id"] for item in api.get("/api/v1/regulations/").json()["results"]}
    assert regulation.pk not in listed


@pytest.mark.parametrize(
    ("role", "key"),
    [
        ("head.ops", "ops-draft"),
        ("head.ops", "log-draft"),
        ("head.ops", "company-published"),
        ("manager:LOG", "log-draft"),
        ("staff:LOG", "ops-published"),
        ("auditor", "fin-draft"),
    ],
)
def test_what_one_may_see_opens(world, who, client, api_as, role, key):
    client.force_login(who(role))
    response = client.get(reverse("operations:regulation_detail", args=[world[key].pk]))
    assert response.status_code == 200
    assert response.context["regulation"].pk == world[key].pk
    assert api_as(who(role)).get(f"/api/v1/regulations/{world[key].pk}/").status_code == 200


@pytest.mark.parametrize("role", ["staff:OPS", "staff:FIN", "manager:FIN", "head.fin"])
def test_readers_see_the_version_in_force_not_the_draft(world, who, client, api_as, role):
    regulation = world["company-with-draft"]
    user = who(role)

    item = api_as(user).get(f"/api/v1/regulations/{regulation.pk}/").json()
    assert (item["version"], item["status"], item["body"]) == (1, State.PUBLISHED, IN_FORCE_TEXT)
    assert item["version_in_force"] == 1
    listed = {i["id"]: i for i in api_as(user).get("/api/v1/regulations/").json()["results"]}
    assert (listed[regulation.pk]["version"], listed[regulation.pk]["status"]) == (1, "published")

    client.force_login(user)
    page = client.get(reverse("operations:regulation_detail", args=[regulation.pk]))
    assert page.status_code == 200
    assert IN_FORCE_TEXT in page.content.decode()
    assert DRAFT_TEXT not in page.content.decode()
    assert page.context["working"] is None
    assert [v.number for v in page.context["versions"]] == [1]
    listing = client.get(reverse("operations:regulation_list"))
    shown = {r.pk: r.shown for r in listing.context["regulations"]}
    assert (shown[regulation.pk].number, shown[regulation.pk].status) == (1, State.PUBLISHED)


def test_its_authors_see_the_draft_being_worked_on(world, cast, api_as, client):
    regulation = world["company-with-draft"]
    item = api_as(cast["coo"]).get(f"/api/v1/regulations/{regulation.pk}/").json()
    assert (item["version"], item["status"], item["body"]) == (2, State.DRAFT, DRAFT_TEXT)
    assert item["version_in_force"] == 1
    client.force_login(cast["coo"])
    page = client.get(reverse("operations:regulation_detail", args=[regulation.pk]))
    assert DRAFT_TEXT in page.content.decode() and IN_FORCE_TEXT in page.content.decode()


@pytest.mark.parametrize("head", HEADS)
def test_a_department_head_may_not_approve_anything_company_wide(world, cast, who, api_as, head):
    """The head sees the company-wide regulation (it is in force); its new version awaits the
    CEO. Asking to approve it is refused with 403, and changes nothing."""
    regulation = world["company-with-draft"]
    version = transition(obj=regulation.working_version, action=Action.SUBMIT, user=cast["coo"])
    before = events_of(version)
    api = api_as(who(head))
    assert api.get(f"/api/v1/regulations/{regulation.pk}/").status_code == 200

    response = api.post(f"/api/v1/regulations/{regulation.pk}/approve/")

    assert response.status_code == 403, response.json()
    assert reload(version).status == State.SUBMITTED
    assert events_of(version) == before


def test_a_department_head_may_not_approve_their_own_rules(world, cast, api_as):
    regulation = world["ops-draft"]
    version = transition(obj=regulation.latest_version, action=Action.SUBMIT, user=cast["head.ops"])
    response = api_as(cast["head.ops"]).post(f"/api/v1/regulations/{regulation.pk}/approve/")
    assert response.status_code == 403
    assert response.json()["detail"] == said(
        cast["head.ops"], "Only the COO or the CEO may approve or return department items."
    )
    assert reload(version).status == State.SUBMITTED


def test_nobody_approves_their_own_submission(world, cast, api_as):
    ceo = cast["ceo"]
    regulation = make(ceo, "Written by the CEO")
    version = transition(obj=regulation.latest_version, action=Action.SUBMIT, user=ceo)

    response = api_as(ceo).post(f"/api/v1/regulations/{regulation.pk}/approve/")

    assert response.status_code == 403
    assert response.json()["detail"] == said(
        ceo, "Nobody may approve or return their own submission."
    )
    assert reload(version).status == State.SUBMITTED
    assert reload(version).decided_by is None
