"""The organization pages: who gets in, what they show, forms, errors and query counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from organization.models import Department, Person, User
from organization.services.departments import department_create, department_update
from organization.services.people import person_create, person_update
from organization.tests.helpers import (
    ALL_ROLES,
    COMPANY_WIDE_ROLES,
    NOT_COO,
    add_people,
    count_queries,
    translated,
    usernames_in,
)
from organization.views import HISTORY_LIMIT

FORBIDDEN_TEXT = (
    "Your role does not give access to this page or action. If you think it should, ask the "
    "COO or an administrator."
)
NOT_FOUND_TEXT = "The page does not exist, or you may not see it."


def logged_in(client, user):
    client.force_login(user)
    return client


def page_usernames(response) -> set[str]:
    return {p.user.username for p in response.context["people"]}


# --------------------------------------------------------------------------------------------
# Home and anonymous access
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL_ROLES)
def test_home_shows_the_panels_of_the_role(client, who, key):
    user = who(key)
    company_wide = key in COMPANY_WIDE_ROLES

    response = logged_in(client, user).get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="panel-my-department"' in html
    assert 'data-testid="panel-notifications"' in html
    assert ('data-testid="panel-company"' in html) is company_wide
    assert ('data-testid="panel-job-runs"' in html) is user.has_perm("core.view_jobrun")
    assert user.has_perm("core.view_jobrun") is company_wide
    assert user.person.full_name in html


def test_home_company_panel_counts_the_company(client, cast):
    add_people(2, None)

    response = logged_in(client, cast["coo"]).get("/")

    panel = next(p["context"] for p in response.context["panels"] if "people" in p["context"])
    assert panel["people"]["total"] == Person.objects.filter(active=True).count()
    # The CEO, COO and auditor belong to no department by design: only the two added count.
    assert Person.objects.filter(department__isnull=True).count() == 5
    assert panel["people"]["unplaced"] == 2
    assert panel["departments"]["total"] == 3
    assert [d.code for d in panel["top_departments"]] == ["FIN", "OPS"]


@pytest.mark.parametrize("path", ["/", "/org/people/", "/org/departments/", "/org/people/coo/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, cast, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/accounts/login/", "Forgot your password?"),
        ("/accounts/password_reset/", "Reset your password"),
        ("/accounts/password_reset/done/", "Check your e-mail"),
        ("/accounts/reset/MTIz/bad-token/", "This link no longer works"),
        ("/accounts/reset/done/", "Password set"),
    ],
)
def test_login_and_password_reset_pages_are_open_to_anonymous_visitors(client, db, path, text):
    response = client.get(path)

    assert response.status_code == 200
    assert text in response.content.decode()


def test_password_reset_sends_a_link_to_the_account_address(client, cast, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "head.ops@example.com"})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["head.ops@example.com"]
    assert "/accounts/reset/" in mailoutbox[0].body
    assert "head.ops" in mailoutbox[0].body


# --------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------


def test_department_list_shows_the_tree(client, cast):
    response = logged_in(client, cast.staff("FIN")).get("/org/departments/")

    assert response.status_code == 200
    assert 'data-testid="department-tree"' in response.content.decode()
    tree = response.context["tree"]
    assert [node["department"].code for node in tree] == ["FIN", "OPS"]
    ops = tree[1]
    assert [child["department"].code for child in ops["children"]] == ["LOG"]
    assert ops["department"].headcount == len(usernames_in(cast, "OPS"))
    assert response.context["may_manage"] is False
    assert "New department" not in response.content.decode()


def test_department_list_search_shows_a_flat_table(client, cast):
    response = logged_in(client, cast["coo"]).get("/org/departments/", {"search": "logis"})

    assert response.context["tree"] is None
    assert [d.code for d in response.context["departments"]] == ["LOG"]
    assert "New department" in response.content.decode()


def test_department_detail_links_only_the_members_in_scope(client, cast):
    log_staff = cast.staff("LOG")
    link = f'href="/org/people/{log_staff.username}/"'

    as_head_ops = logged_in(client, cast["head.ops"]).get("/org/departments/LOG/")
    assert as_head_ops.status_code == 200
    assert link in as_head_ops.content.decode()

    as_head_fin = logged_in(client, cast["head.fin"]).get("/org/departments/LOG/")
    assert as_head_fin.status_code == 200
    html = as_head_fin.content.decode()
    assert log_staff.person.full_name in html, "names are public"
    assert link not in html, "the full record is not"
    assert {m.user.username for m in as_head_fin.context["members"]} == usernames_in(cast, "LOG")


@pytest.mark.parametrize("key", ALL_ROLES)
def test_department_history_is_shown_to_those_allowed_to_read_it(client, who, key):
    response = logged_in(client, who(key)).get("/org/departments/OPS/")

    assert response.status_code == 200
    assert ("history" in response.context) is (key in COMPANY_WIDE_ROLES)


@pytest.mark.parametrize("key", ["coo", "head.fin"])
def test_unknown_department_is_a_portal_404(client, who, key):
    user = who(key)

    response = logged_in(client, user).get("/org/departments/NOPE/")

    assert response.status_code == 404
    html = response.content.decode()
    assert translated(user, NOT_FOUND_TEXT) in html
    assert translated(user, "Page not found") in html
    assert 'data-testid="user-menu"' in html, "the portal's layout, with its navigation"


@pytest.mark.parametrize("key", ["ceo", "staff:LOG"])
def test_a_forbidden_page_is_a_portal_403(client, who, key):
    user = who(key)

    response = logged_in(client, user).get("/org/people/new/")

    assert response.status_code == 403
    html = response.content.decode()
    assert translated(user, FORBIDDEN_TEXT) in html
    assert translated(user, "You may not see this page") in html
    assert 'data-testid="user-menu"' in html, "the portal's layout, with its navigation"


# --------------------------------------------------------------------------------------------
# People directory and records
# --------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(cast):
    ops = Department.objects.get(code="OPS")
    person_create(
        username="zq.one", first_name="Zedekiah", last_name="Quillfeather", department=ops
    )
    person_create(
        username="zq.two", first_name="Zedd", last_name="Marlowe", position="Harbour pilot"
    )
    return cast


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zed", {"zq.one", "zq.two"}),
        ("ZED", {"zq.one", "zq.two"}),
        ("quillfeather zed", {"zq.one"}),
        ("harbour", {"zq.two"}),
        ("zq.tw", {"zq.two"}),
        ("nobody-by-this-name", set()),
    ],
)
def test_directory_search(client, searchable, query, expected):
    response = logged_in(client, searchable.staff("FIN")).get("/org/people/", {"search": query})

    assert response.status_code == 200
    assert page_usernames(response) == expected


def test_directory_filters_by_department_and_role(client, cast):
    client = logged_in(client, cast.staff("FIN"))
    managers = {cast.manager(code).username for code in ("OPS", "LOG", "FIN")}

    assert page_usernames(client.get("/org/people/", {"department": "LOG"})) == usernames_in(
        cast, "LOG"
    )
    assert page_usernames(client.get("/org/people/", {"role": "manager"})) == managers
    both = client.get("/org/people/", {"department": "OPS", "role": "manager"})
    assert page_usernames(both) == {cast.manager("OPS").username}


def test_directory_shows_every_active_person_but_links_only_those_in_scope(client, cast):
    fin_staff = cast.staff("FIN")
    gone = cast.staff("LOG")
    person_update(person=gone.person, active=False)

    response = logged_in(client, fin_staff).get("/org/people/")

    everyone_active = set(
        Person.objects.filter(active=True).values_list("user__username", flat=True)
    )
    assert page_usernames(response) == everyone_active
    assert gone.username not in page_usernames(response)
    linked = {p.user.username for p in response.context["people"] if p.in_scope}
    assert linked == {fin_staff.username}


def test_directory_paginates_by_25(client, cast):
    add_people(20)
    client = logged_in(client, cast["coo"])

    first = client.get("/org/people/")
    second = client.get("/org/people/", {"page": 2})

    total = Person.objects.filter(active=True).count()
    assert len(first.context["people"]) == 25
    assert len(second.context["people"]) == total - 25
    assert not page_usernames(first) & page_usernames(second)


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("head.fin", "staff:LOG", 404),
        ("head.fin", "staff:FIN", 200),
        ("head.ops", "staff:LOG", 200),
        ("head.log", "staff:OPS", 404),
        ("manager:OPS", "staff:LOG", 200),
        ("manager:LOG", "manager:OPS", 404),
        ("staff:OPS", "staff:OPS", 200),
        ("staff:OPS", "manager:OPS", 404),
        ("auditor", "staff:LOG", 200),
        ("ceo", "head.fin", 200),
    ],
)
def test_person_detail_only_within_scope(client, who, viewer, target, status):
    target_user = who(target)

    response = logged_in(client, who(viewer)).get(f"/org/people/{target_user.username}/")

    assert response.status_code == status
    if status == 200:
        assert target_user.person.full_name in response.content.decode()
    else:
        assert translated(who(viewer), NOT_FOUND_TEXT) in response.content.decode()


@pytest.mark.parametrize("key", ["ceo", "coo", "auditor", "head.ops"])
def test_person_history_is_shown_to_those_allowed_to_read_it(client, cast, who, key):
    response = logged_in(client, who(key)).get(f"/org/people/{cast.staff('LOG').username}/")

    assert response.status_code == 200
    assert ("history" in response.context) is (key in COMPANY_WIDE_ROLES)


# --------------------------------------------------------------------------------------------
# Creating and changing departments and people: the COO only
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", NOT_COO)
def test_only_the_coo_may_open_or_post_the_management_forms(client, who, key):
    user = who(key)
    client = logged_in(client, user)
    fin = Department.objects.get(code="FIN")
    departments, users = Department.objects.count(), User.objects.count()
    own_record = f"/org/people/{user.username}/edit/"

    for path in [
        "/org/departments/new/",
        "/org/departments/FIN/edit/",
        "/org/people/new/",
        own_record,
    ]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert translated(user, FORBIDDEN_TEXT) in response.content.decode()

    posts = {
        "/org/departments/new/": {"code": "NEW", "name": "New"},
        "/org/departments/FIN/edit/": {"code": "FIN", "name": "Hacked", "active": "on"},
        "/org/people/new/": {"username": "intruder", "first_name": "I", "last_name": "N"},
        own_record: {"first_name": "Hacked", "last_name": "Name", "roles": ["coo"]},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path

    assert (Department.objects.count(), User.objects.count()) == (departments, users)
    assert Department.objects.get(pk=fin.pk).name == fin.name
    user.refresh_from_db()
    assert user.first_name != "Hacked"
    assert "coo" not in user.groups.values_list("name", flat=True)


def test_the_coo_opens_the_management_forms(client, cast):
    client = logged_in(client, cast["coo"])

    for path in [
        "/org/departments/new/",
        "/org/departments/FIN/edit/",
        "/org/people/new/",
        "/org/people/head.fin/edit/",
    ]:
        assert client.get(path).status_code == 200, path


def test_coo_creates_a_department(client, cast):
    coo = cast["coo"]
    ops = Department.objects.get(code="OPS")

    response = logged_in(client, coo).post(
        "/org/departments/new/",
        {
            "code": "qa",
            "name": "Quality",
            "parent": ops.pk,
            "description": "Checks",
            "active": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/org/departments/QA/"
    created = Department.objects.get(code="QA")
    assert (created.name, created.parent_id, created.active) == ("Quality", ops.pk, True)
    record = created.history.get()
    assert record.history_type == "+"
    assert record.history_user == coo
    assert "Department QA · Quality created." in client.get(response["Location"]).content.decode()


def test_coo_edits_a_department(client, cast):
    coo = cast["coo"]
    fin = Department.objects.get(code="FIN")

    response = logged_in(client, coo).post(
        "/org/departments/FIN/edit/",
        {
            "code": "FIN",
            "name": "Finance & Control",
            "parent": "",
            "head": fin.head_id,
            "active": "on",
        },
    )

    assert response.status_code == 302
    fin.refresh_from_db()
    assert fin.name == "Finance & Control"
    assert fin.head.user.username == "head.fin"
    latest = fin.history.latest("history_date")
    assert (latest.history_type, latest.history_user) == ("~", coo)


def test_department_form_refuses_a_duplicate_code_and_keeps_what_was_typed(client, cast):
    before = Department.objects.count()

    response = logged_in(client, cast["coo"]).post(
        "/org/departments/new/", {"code": "ops", "name": "Typed operations", "active": "on"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Department with this Code already exists." in html
    assert 'value="Typed operations"' in html
    assert Department.objects.count() == before


def test_department_form_refuses_a_parent_loop_and_keeps_what_was_typed(client, cast):
    ops = Department.objects.get(code="OPS")
    log = Department.objects.get(code="LOG")
    history = ops.history.count()

    response = logged_in(client, cast["coo"]).post(
        "/org/departments/OPS/edit/",
        {
            "code": "OPS",
            "name": "Typed operations",
            "parent": log.pk,
            "head": ops.head_id,
            "active": "on",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A department cannot be placed under itself or one of its sub-departments." in html
    assert 'value="Typed operations"' in html
    ops.refresh_from_db()
    assert (ops.name, ops.parent_id) == ("Operations", None)
    assert ops.history.count() == history


def test_department_form_refuses_deactivating_a_department_with_people(client, cast):
    fin = Department.objects.get(code="FIN")

    response = logged_in(client, cast["coo"]).post(
        "/org/departments/FIN/edit/", {"code": "FIN", "name": "Finance", "head": fin.head_id}
    )

    assert response.status_code == 200
    assert "before deactivating it" in response.content.decode()
    assert Department.objects.get(code="FIN").active is True


def test_coo_creates_a_person(client, cast):
    coo = cast["coo"]
    ops = Department.objects.get(code="OPS")
    head_ops = cast["head.ops"].person

    response = logged_in(client, coo).post(
        "/org/people/new/",
        {
            "username": "new.hire",
            "first_name": "Nina",
            "last_name": "Hire",
            "email": "new.hire@example.com",
            "department": ops.pk,
            "position": "Planner",
            "manager": head_ops.pk,
            "hire_date": "2026-01-05",
            "roles": ["staff", "manager"],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/org/people/new.hire/"
    created = Person.objects.select_related("user").get(user__username="new.hire")
    assert (created.department_id, created.manager_id) == (ops.pk, head_ops.pk)
    assert str(created.hire_date) == "2026-01-05"
    assert set(created.user.groups.values_list("name", flat=True)) == {"staff", "manager"}
    assert not created.user.has_usable_password()
    record = created.history.get()
    assert (record.history_type, record.history_user) == ("+", coo)


def test_person_edit_form_starts_with_the_current_record(client, cast):
    target = cast.staff("LOG")

    response = logged_in(client, cast["coo"]).get(f"/org/people/{target.username}/edit/")

    assert response.status_code == 200
    form = response.context["form"]
    assert form["username"].value() == target.username
    assert form["first_name"].value() == target.first_name
    assert form["department"].value() == target.person.department_id
    assert form["roles"].value() == ["staff"]
    html = response.content.decode()
    assert f'value="{target.username}"' in html
    assert f'value="{target.person.position}"' in html


def test_coo_edits_a_person(client, cast):
    coo = cast["coo"]
    target = cast.staff("LOG")

    response = logged_in(client, coo).post(
        f"/org/people/{target.username}/edit/",
        {
            "username": "ignored.rename",
            "first_name": "Renamed",
            "last_name": target.last_name,
            "email": target.email,
            "department": Department.objects.get(code="FIN").pk,
            "position": "Controller",
            "roles": ["manager"],
        },
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.username != "ignored.rename", "the username field is read-only"
    assert target.first_name == "Renamed"
    assert target.is_active is False, "the box 'active' was left unticked"
    person = Person.objects.get(user=target)
    assert (person.position, person.department.code, person.active) == ("Controller", "FIN", False)
    assert list(target.groups.values_list("name", flat=True)) == ["manager"]
    assert person.history.latest("history_date").history_user == coo


def test_person_form_refuses_a_duplicate_username_and_keeps_what_was_typed(client, cast):
    users = User.objects.count()

    response = logged_in(client, cast["coo"]).post(
        "/org/people/new/",
        {"username": "head.ops", "first_name": "Typedfirst", "last_name": "Typedlast"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "The username head.ops is already taken." in html
    assert 'value="Typedfirst"' in html
    assert 'value="Typedlast"' in html
    assert User.objects.count() == users


def test_person_form_refuses_a_manager_loop(client, cast):
    head_ops = cast["head.ops"]
    log_manager = cast.manager("LOG").person

    response = logged_in(client, cast["coo"]).post(
        "/org/people/head.ops/edit/",
        {
            "first_name": "Typedfirst",
            "last_name": head_ops.last_name,
            "manager": log_manager.pk,
            "active": "on",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "A person cannot report to themselves or to someone who reports to them." in html
    assert 'value="Typedfirst"' in html
    head_ops.refresh_from_db()
    assert head_ops.first_name != "Typedfirst"
    assert head_ops.person.manager.user.username == "coo"


def test_person_form_requires_the_names(client, cast):
    users = User.objects.count()

    response = logged_in(client, cast["coo"]).post(
        "/org/people/new/", {"username": "half.typed", "first_name": "Half"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["last_name"]
    assert 'value="half.typed"' in response.content.decode()
    assert User.objects.count() == users


def test_a_superuser_may_manage_without_a_role(client, cast):
    admin = User.objects.create_superuser("root", "root@example.com", "x-long-password")

    response = logged_in(client, admin).post(
        "/org/departments/new/", {"code": "ADM", "name": "Administration", "active": "on"}
    )

    assert response.status_code == 302
    assert Department.objects.get(code="ADM").history.get().history_user == admin


def test_the_coo_group_is_what_opens_the_forms(client, cast):
    """Rights come from the group's permissions: a staff member given the role gets in."""
    user = cast.staff("OPS")
    user.groups.add(Group.objects.get(name="coo"))

    assert logged_in(client, user).get("/org/departments/new/").status_code == 200


# --------------------------------------------------------------------------------------------
# Query counts do not grow with the data
# --------------------------------------------------------------------------------------------


def _grow_company(cast):
    ops = Department.objects.get(code="OPS")
    add_people(30, "OPS", manager=cast.manager("OPS").person)
    for i, head in enumerate(add_people(3, "FIN")):
        department_create(code=f"SUB{i}", name=f"Sub {i}", parent=ops, head=head)


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("head.ops", "/org/people/"),
        ("coo", "/org/people/?department=OPS"),
        ("staff:FIN", "/org/people/?role=staff"),
        ("coo", "/org/departments/"),
        ("head.log", "/org/departments/?search=s"),
        ("coo", "/org/departments/OPS/"),
        ("coo", "/"),
        ("head.ops", "/"),
    ],
)
def test_list_pages_make_the_same_number_of_queries_with_more_data(
    client, cast, who, django_assert_num_queries, key, url
):
    client = logged_in(client, who(key))
    client.get(url)  # warm up the process-wide caches (content types, templates)
    baseline = count_queries(client, url)
    assert baseline <= (40 if url == "/" else 25)  # the home page holds every app's panels

    _grow_company(cast)

    with django_assert_num_queries(baseline):
        response = client.get(url)
    assert response.status_code == 200


def _edit_repeatedly(cast, times: int) -> None:
    """Change OPS and a LOG staff member ``times`` times, related fields included."""
    ops = Department.objects.get(code="OPS")
    heads = add_people(times, "OPS")
    target = cast.staff("LOG").person
    for i, head in enumerate(heads):
        department_update(department=ops, head=head, name=f"Operations {i}")
        person_update(
            person=target,
            position=f"Position {i}",
            manager=head,
            department=Department.objects.get(code="FIN" if i % 2 else "LOG"),
        )


@pytest.mark.parametrize("which", ["department", "person"])
def test_history_pages_make_the_same_number_of_queries_with_more_history(
    client, cast, django_assert_num_queries, which
):
    url = "/org/departments/OPS/" if which == "department" else None
    url = url or f"/org/people/{cast.staff('LOG').username}/"
    client = logged_in(client, cast["coo"])
    _edit_repeatedly(cast, 2)
    client.get(url)
    baseline = count_queries(client, url)

    _edit_repeatedly(cast, 20)

    with django_assert_num_queries(baseline):
        response = client.get(url)
    history = response.context["history"]
    assert len(history) == HISTORY_LIMIT, "the latest records only"
    assert all(entry["changes"] for entry in history), "each edit shows what it changed"


def test_a_superuser_without_a_person_record_can_use_the_pages(client, cast):
    admin = User.objects.create_superuser("root", "root@example.com", "x-long-password")
    client = logged_in(client, admin)

    for path in ["/", "/org/people/", "/org/departments/", "/org/people/head.fin/"]:
        assert client.get(path).status_code == 200, path
