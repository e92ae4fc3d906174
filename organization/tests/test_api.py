"""The REST API of the organization app: authentication, scoping, writes, errors, schema."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from organization.models import Department, Notification, Person, User
from organization.services.notifications import notification_send
from organization.services.people import person_update
from organization.tests.helpers import (
    ALL_ROLES,
    NOT_COO,
    add_people,
    count_queries,
    usernames_in,
)

PASSWORD = "demo-pass-2026"  # the demo cast's password (organization.demo.DEFAULT_PASSWORD)


def result_usernames(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["username"] for item in response.json()["results"]}


def new_person_payload(**overrides) -> dict:
    return {
        "username": "api.person",
        "first_name": "Api",
        "last_name": "Person",
        "email": "api.person@example.com",
        "department": "OPS",
        "position": "Analyst",
        "manager": "head.ops",
        "hire_date": "2026-02-02",
        "roles": ["staff", "manager"],
        **overrides,
    }


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people/",
        "/api/v1/people/coo/",
        "/api/v1/me/",
        "/api/v1/departments/",
        "/api/v1/departments/OPS/",
        "/api/v1/notifications/",
    ],
)
def test_anonymous_requests_get_no_data(api_client, cast, path):
    response = api_client.get(path)

    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) == {"detail"}
    assert "coo" not in json.dumps(body)


def test_anonymous_writes_are_refused(api_client, cast):
    users, departments = User.objects.count(), Department.objects.count()

    assert api_client.post("/api/v1/people/", new_person_payload(), format="json").status_code in (
        401,
        403,
    )
    assert api_client.post("/api/v1/departments/", {"code": "X", "name": "X"}).status_code in (
        401,
        403,
    )
    assert (User.objects.count(), Department.objects.count()) == (users, departments)


def test_a_token_from_the_right_credentials_opens_the_api(api_client, cast):
    response = api_client.post("/api/v1/auth/token/", {"username": "coo", "password": PASSWORD})

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user__username="coo").key == token

    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = by_token.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "coo"
    assert me.json()["roles"] == ["coo"]
    assert me.json()["department"] is None

    again = api_client.post("/api/v1/auth/token/", {"username": "coo", "password": PASSWORD})
    assert again.json()["token"] == token


def test_a_token_stops_working_when_the_person_is_deactivated(api_client, cast):
    user = cast["head.fin"]
    token = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
    ).json()["token"]
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert by_token.get("/api/v1/me/").status_code == 200

    person_update(person=user.person, active=False)

    assert by_token.get("/api/v1/me/").status_code in (401, 403)
    assert by_token.get("/api/v1/people/").status_code in (401, 403)


def test_a_wrong_token_is_refused(cast):
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = by_token.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "coo", "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "coo"},
    ],
    ids=["wrong-password", "unknown-user", "no-password"],
)
def test_wrong_credentials_get_a_400_and_no_token(api_client, cast, credentials):
    response = api_client.post("/api/v1/auth/token/", credentials)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "token" not in body
    assert any(body.values())
    assert not Token.objects.exists()


def test_token_requests_are_throttled(api_client, cast):
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"]
    allowed, per = rate.split("/")
    assert per.startswith("min")
    credentials = {"username": "coo", "password": PASSWORD}

    statuses = [
        api_client.post("/api/v1/auth/token/", credentials).status_code for _ in range(int(allowed))
    ]
    refused = api_client.post("/api/v1/auth/token/", credentials)

    assert statuses == [200] * int(allowed)
    assert refused.status_code == 429
    assert "detail" in refused.json()


def _fail_token_requests_up_to_the_limit(api_client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = api_client.post(
            "/api/v1/auth/token/", {"username": username, "password": "a-wrong-guess"}
        )
        assert response.status_code != 200


def test_token_requests_lock_the_account_after_the_failure_limit(api_client, cast):
    _fail_token_requests_up_to_the_limit(api_client, "coo")

    response = api_client.post("/api/v1/auth/token/", {"username": "coo", "password": PASSWORD})

    assert response.status_code != 200
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_a_locked_out_token_request_is_told_so(api_client, cast):
    """Like the login page (429, "too many failed attempts"), not "wrong credentials"."""
    _fail_token_requests_up_to_the_limit(api_client, "coo")

    response = api_client.post("/api/v1/auth/token/", {"username": "coo", "password": PASSWORD})

    assert response.status_code == 429, response.json()
    assert "lock" in json.dumps(response.json()).lower()


@pytest.mark.parametrize("key", ALL_ROLES)
def test_me_describes_the_user(api_as, who, key):
    user = who(key)

    body = api_as(user).get("/api/v1/me/").json()

    person = user.person
    assert body["username"] == user.username
    assert body["full_name"] == person.full_name
    assert body["roles"] == sorted(user.groups.values_list("name", flat=True))
    assert body["department"] == (person.department.code if person.department else None)
    assert body["position"] == person.position
    assert body["language"] == user.language


def test_me_for_the_coo_and_a_head(api_as, cast):
    assert api_as(cast["coo"]).get("/api/v1/me/").json()["department"] is None
    assert api_as(cast["head.ops"]).get("/api/v1/me/").json()["department"] == "OPS"


# --------------------------------------------------------------------------------------------
# Reading people and departments
# --------------------------------------------------------------------------------------------


def test_people_list_is_paginated(api_as, cast):
    client = api_as(cast["coo"])
    total = Person.objects.count()

    first = client.get("/api/v1/people/", {"page_size": 4}).json()
    last_page = -(-total // 4)
    last = client.get("/api/v1/people/", {"page_size": 4, "page": last_page}).json()

    assert first["count"] == total
    assert len(first["results"]) == 4
    assert "page=2" in first["next"]
    assert first["previous"] is None
    assert last["next"] is None
    assert len(last["results"]) == total - 4 * (last_page - 1)


def test_people_items_carry_the_record(api_as, cast):
    log_staff = cast.staff("LOG")

    response = api_as(cast["coo"]).get("/api/v1/people/", {"search": log_staff.username})

    (item,) = [i for i in response.json()["results"] if i["username"] == log_staff.username]
    assert item["username"] == log_staff.username
    assert item["full_name"] == log_staff.person.full_name
    assert item["department"] == "LOG"
    assert item["position"] == log_staff.person.position
    assert item["manager"] == log_staff.person.manager.user.username
    assert item["roles"] == ["staff"]
    assert item["active"] is True


def test_people_filters(api_as, cast):
    client = api_as(cast["coo"])
    managers = {cast.manager(code).username for code in ("OPS", "LOG", "FIN")}
    part_of_a_name = cast["head.log"].last_name.split()[0][:5]

    assert result_usernames(client.get("/api/v1/people/", {"department": "OPS"})) == usernames_in(
        cast, "OPS"
    )
    assert result_usernames(client.get("/api/v1/people/", {"role": "manager"})) == managers
    found = result_usernames(client.get("/api/v1/people/", {"search": part_of_a_name}))
    assert "head.log" in found
    assert all(
        part_of_a_name.lower() in (u.first_name + u.last_name + u.username).lower()
        or part_of_a_name.lower() in u.person.position.lower()
        for u in User.objects.filter(username__in=found)
    )


def test_people_filter_with_an_unknown_department_is_a_400(api_as, cast):
    response = api_as(cast["coo"]).get("/api/v1/people/", {"department": "NOPE"})

    assert response.status_code == 400
    assert "department" in response.json()


@pytest.mark.parametrize("key", ALL_ROLES)
def test_people_list_is_scoped_like_the_pages(api_as, who, key):
    user = who(key)

    seen = result_usernames(api_as(user).get("/api/v1/people/"))

    assert seen == set(Person.objects.for_user(user).values_list("user__username", flat=True))
    assert user.username in seen


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("head.fin", "staff:LOG", 404),
        ("head.fin", "staff:FIN", 200),
        ("head.ops", "staff:LOG", 200),
        ("head.log", "manager:OPS", 404),
        ("staff:OPS", "manager:OPS", 404),
        ("auditor", "staff:LOG", 200),
    ],
)
def test_person_detail_is_scoped_like_the_pages(api_as, who, viewer, target, status):
    username = who(target).username

    response = api_as(who(viewer)).get(f"/api/v1/people/{username}/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["username"] == username
    else:
        assert "username" not in response.json()


@pytest.mark.parametrize("key", ["staff:FIN", "head.log", "ceo"])
def test_departments_are_readable_by_everyone(api_as, cast, who, key):
    response = api_as(who(key)).get("/api/v1/departments/")

    assert response.status_code == 200
    items = {item["code"]: item for item in response.json()["results"]}
    assert set(items) == {"OPS", "LOG", "FIN"}
    assert items["LOG"]["parent"] == "OPS"
    assert items["LOG"]["head"] == "head.log"
    assert items["LOG"]["headcount"] == len(usernames_in(cast, "LOG"))
    detail = api_as(who(key)).get("/api/v1/departments/LOG/").json()
    assert detail["name"] == "Logistics"


def test_people_list_makes_the_same_number_of_queries_with_more_data(
    api_as, cast, django_assert_num_queries
):
    client = api_as(cast["coo"])
    client.get("/api/v1/people/")
    baseline = count_queries(client, "/api/v1/people/")

    add_people(30, "OPS", manager=cast.manager("OPS").person)

    with django_assert_num_queries(baseline):
        response = client.get("/api/v1/people/")
    assert response.json()["count"] == Person.objects.count()


# --------------------------------------------------------------------------------------------
# Writing: the COO and superusers only
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", NOT_COO)
def test_only_the_coo_may_write(api_as, cast, who, key):
    user = who(key)
    client = api_as(user)
    users, departments = User.objects.count(), Department.objects.count()
    fin_name = Department.objects.get(code="FIN").name

    responses = {
        "create person": client.post("/api/v1/people/", new_person_payload(), format="json"),
        "change own record": client.patch(
            f"/api/v1/people/{user.username}/", {"position": "Self-promoted"}, format="json"
        ),
        "give self a role": client.patch(
            f"/api/v1/people/{user.username}/", {"roles": ["coo"]}, format="json"
        ),
        "create department": client.post(
            "/api/v1/departments/", {"code": "NEW", "name": "New"}, format="json"
        ),
        "change department": client.patch(
            "/api/v1/departments/FIN/", {"name": "Renamed"}, format="json"
        ),
    }

    for what, response in responses.items():
        assert response.status_code == 403, what
        assert "detail" in response.json()
    assert (User.objects.count(), Department.objects.count()) == (users, departments)
    assert Department.objects.get(code="FIN").name == fin_name
    assert Person.objects.get(user=user).position != "Self-promoted"
    assert "coo" not in User.objects.get(pk=user.pk).groups.values_list("name", flat=True)


def test_coo_creates_a_person_with_roles(api_as, cast):
    response = api_as(cast["coo"]).post("/api/v1/people/", new_person_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "api.person"
    assert sorted(body["roles"]) == ["manager", "staff"]
    assert body["department"] == "OPS"
    assert body["manager"] == "head.ops"
    person = Person.objects.select_related("user", "department").get(user__username="api.person")
    assert person.department.code == "OPS"
    assert set(person.user.groups.values_list("name", flat=True)) == {"manager", "staff"}
    assert person.history.get().history_user == cast["coo"]


def test_a_superuser_may_write(api_as, cast):
    admin = User.objects.create_superuser("root", "root@example.com", "x-long-password")

    response = api_as(admin).post(
        "/api/v1/people/", new_person_payload(username="by.admin"), format="json"
    )

    assert response.status_code == 201, response.content
    assert User.objects.filter(username="by.admin").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"department": "NOPE"}, "department"),
        ({"username": "head.ops"}, "username"),
        ({"username": "HEAD.OPS"}, "username"),
        ({"last_name": None}, "last_name"),
        ({"roles": ["wizard"]}, "roles"),
        ({"manager": "nobody.here"}, "manager"),
        ({"email": "not-an-address"}, "email"),
        ({"hire_date": "yesterday"}, "hire_date"),
        ({"username": "has spaces!"}, "username"),
    ],
    ids=[
        "unknown-department",
        "duplicate-username",
        "duplicate-username-other-case",
        "missing-last-name",
        "unknown-role",
        "unknown-manager",
        "bad-email",
        "bad-date",
        "bad-username",
    ],
)
def test_bad_person_input_is_a_400_per_field_and_creates_nothing(api_as, cast, overrides, field):
    payload = new_person_payload(**overrides)
    payload = {k: v for k, v in payload.items() if v is not None}
    users, people = User.objects.count(), Person.objects.count()

    response = api_as(cast["coo"]).post("/api/v1/people/", payload, format="json")

    assert response.status_code == 400
    body = response.json()
    assert field in body, body
    assert body[field] and all(isinstance(message, str) for message in body[field])
    assert (User.objects.count(), Person.objects.count()) == (users, people)


def test_duplicate_username_message_names_it(api_as, cast):
    response = api_as(cast["coo"]).post(
        "/api/v1/people/", new_person_payload(username="head.ops"), format="json"
    )

    assert "head.ops" in response.json()["username"][0]


def test_coo_changes_a_person(api_as, cast):
    target = cast.staff("LOG")

    response = api_as(cast["coo"]).patch(
        f"/api/v1/people/{target.username}/",
        {"roles": ["manager"], "department": "FIN", "position": "Controller"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["roles"] == ["manager"]
    assert response.json()["department"] == "FIN"
    person = Person.objects.get(user=target)
    assert (person.department.code, person.position) == ("FIN", "Controller")


def test_the_username_cannot_be_changed(api_as, cast):
    target = cast.staff("LOG")

    response = api_as(cast["coo"]).patch(
        f"/api/v1/people/{target.username}/", {"username": "renamed"}, format="json"
    )

    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(username=target.username).exists()


def test_a_manager_loop_is_a_400(api_as, cast):
    response = api_as(cast["coo"]).patch(
        "/api/v1/people/head.ops/", {"manager": cast.manager("LOG").username}, format="json"
    )

    assert response.status_code == 400
    assert "manager" in response.json()
    assert Person.objects.get(user__username="head.ops").manager.user.username == "coo"


def test_coo_creates_and_changes_a_department(api_as, cast):
    client = api_as(cast["coo"])

    created = client.post(
        "/api/v1/departments/",
        {"code": "qa", "name": "Quality", "parent": "OPS", "head": "head.log"},
        format="json",
    )
    changed = client.patch("/api/v1/departments/QA/", {"name": "Quality & Safety"}, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["code"] == "QA"
    assert created.json()["parent"] == "OPS"
    assert created.json()["head"] == "head.log"
    assert changed.status_code == 200, changed.content
    assert Department.objects.get(code="QA").name == "Quality & Safety"


def test_a_duplicate_department_code_is_a_400(api_as, cast):
    before = Department.objects.count()

    response = api_as(cast["coo"]).post(
        "/api/v1/departments/", {"code": "ops", "name": "Again"}, format="json"
    )

    assert response.status_code == 400
    assert "code" in response.json()
    assert Department.objects.count() == before


def test_renaming_a_department_to_a_taken_code_is_a_400(api_as, cast):
    response = api_as(cast["coo"]).patch(
        "/api/v1/departments/OPS/", {"code": "fin", "name": "Renamed"}, format="json"
    )

    assert response.status_code == 400
    assert "code" in response.json()
    assert Department.objects.filter(code="OPS", name="Operations").exists()


def test_a_department_parent_loop_is_a_400_on_parent(api_as, cast):
    ops = Department.objects.get(code="OPS")
    history = ops.history.count()

    response = api_as(cast["coo"]).patch(
        "/api/v1/departments/OPS/", {"parent": "LOG", "name": "Renamed"}, format="json"
    )

    assert response.status_code == 400
    assert "parent" in response.json()
    ops.refresh_from_db()
    assert (ops.parent_id, ops.name, ops.history.count()) == (None, "Operations", history)


def test_changes_through_a_token_are_recorded_against_the_user(api_client, cast):
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "coo", "password": PASSWORD}
    ).json()["token"]
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = by_token.patch("/api/v1/departments/FIN/", {"name": "Finance"}, format="json")

    assert response.status_code == 200
    latest = Department.objects.get(code="FIN").history.latest("history_date")
    assert latest.history_user == cast["coo"]


# --------------------------------------------------------------------------------------------
# Schema and documentation
# --------------------------------------------------------------------------------------------


def test_schema_is_an_openapi_document_for_logged_in_users(api_as, api_client, cast):
    assert api_client.get("/api/schema/").status_code in (401, 403)

    response = api_as(cast.staff("FIN")).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/people/" in schema["paths"]
    assert "/api/v1/people/{username}/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_docs_are_html_for_logged_in_users_only(api_as, api_client, cast):
    anonymous = api_client.get("/api/docs/")
    assert anonymous.status_code in (401, 403)
    assert b"swagger" not in anonymous.content.lower()

    response = api_as(cast.staff("FIN")).get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/schema/" in response.content


# --------------------------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------------------------


@pytest.fixture
def notified(cast):
    mine = notification_send(recipients=[cast["head.ops"]], title="For head.ops", email=False)
    mine += notification_send(recipients=[cast["head.ops"]], title="Second", email=False)
    theirs = notification_send(recipients=[cast["head.fin"]], title="For head.fin", email=False)
    return mine, theirs


def test_notifications_list_only_the_users_own(api_as, cast, notified):
    mine, _theirs = notified

    body = api_as(cast["head.ops"]).get("/api/v1/notifications/").json()

    assert {item["id"] for item in body["results"]} == {n.pk for n in mine}
    assert {item["title"] for item in body["results"]} == {"For head.ops", "Second"}
    assert all(item["read"] is False for item in body["results"])


def test_notification_read_marks_one(api_as, cast, notified):
    mine, _theirs = notified
    client = api_as(cast["head.ops"])

    response = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")

    assert response.status_code == 204
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=mine[1].pk).read_at is None
    unread = client.get("/api/v1/notifications/", {"unread": "1"}).json()["results"]
    assert [item["id"] for item in unread] == [mine[1].pk]


def test_notification_read_of_someone_elses_is_a_404(api_as, cast, notified):
    _mine, theirs = notified

    response = api_as(cast["head.ops"]).post(f"/api/v1/notifications/{theirs[0].pk}/read/")

    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


def test_notification_read_all_marks_only_the_users_own(api_as, cast, notified):
    mine, theirs = notified

    response = api_as(cast["head.ops"]).post("/api/v1/notifications/read-all/")

    assert response.status_code == 204
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at=None).exists()
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
