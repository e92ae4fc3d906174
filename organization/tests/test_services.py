"""The organization services: the rules they enforce, and that a refusal writes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError
from organization.models import Department, Person, User
from organization.roles import Role
from organization.services.departments import department_create, department_update
from organization.services.people import person_create, person_update, user_preferences_update


def person(username: str) -> Person:
    return Person.objects.select_related("user", "manager").get(user__username=username)


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def snapshot_department(code: str) -> dict:
    d = department(code)
    return {
        "code": d.code,
        "name": d.name,
        "parent_id": d.parent_id,
        "head_id": d.head_id,
        "active": d.active,
        "history": d.history.count(),
    }


# --------------------------------------------------------------------------------------------
# department_create
# --------------------------------------------------------------------------------------------


def test_department_create_stores_the_code_in_capitals_and_trims_the_name(cast):
    created = department_create(code=" qa-2 ", name="  Quality  ", parent=department("OPS"))

    stored = Department.objects.get(pk=created.pk)
    assert stored.code == "QA-2"
    assert stored.name == "Quality"
    assert stored.parent.code == "OPS"
    assert stored.active is True
    assert stored.history.count() == 1


@pytest.mark.parametrize("code", ["OPS", "ops", " Ops "])
def test_department_create_refuses_a_code_already_taken(cast, code):
    before = Department.objects.count()

    with pytest.raises(ValidationError) as refused:
        department_create(code=code, name="Another operations")

    assert "code" in refused.value.message_dict
    assert "already exists" in " ".join(refused.value.message_dict["code"])
    assert Department.objects.count() == before
    assert not Department.objects.filter(name="Another operations").exists()


@pytest.mark.parametrize("code", ["1ABC", "A B", "TOO-LONG-CODE-XYZ", ""])
def test_department_create_refuses_a_malformed_code(cast, code):
    before = Department.objects.count()

    with pytest.raises(ValidationError) as refused:
        department_create(code=code, name="Malformed")

    assert "code" in refused.value.message_dict
    assert Department.objects.count() == before


def test_department_create_refuses_an_inactive_head(cast):
    head = person_update(person=Person.objects.get(user=cast.staff("FIN")), active=False)
    before = Department.objects.count()

    with pytest.raises(ApplicationError) as refused:
        department_create(code="NEW", name="New", head=head)

    assert refused.value.field == "head"
    assert Department.objects.count() == before


# --------------------------------------------------------------------------------------------
# department_update
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moved", "new_parent"),
    [("OPS", "LOG"), ("OPS", "OPS"), ("LOG", "LOG")],
    ids=["under-its-child", "under-itself", "child-under-itself"],
)
def test_department_update_refuses_a_parent_loop_and_changes_nothing(cast, moved, new_parent):
    before = snapshot_department(moved)

    with pytest.raises(ApplicationError) as refused:
        department_update(
            department=department(moved), parent=department(new_parent), name="Renamed too"
        )

    assert refused.value.field == "parent"
    assert "sub-departments" in str(refused.value.message)
    assert snapshot_department(moved) == before


def test_department_update_refuses_a_loop_through_a_grandchild(cast):
    warehousing = department_create(code="WHS", name="Warehousing", parent=department("LOG"))
    before = snapshot_department("OPS")

    with pytest.raises(ApplicationError):
        department_update(department=department("OPS"), parent=warehousing)

    assert snapshot_department("OPS") == before


def test_department_update_moves_a_department_where_no_loop_arises(cast):
    department_update(department=department("FIN"), parent=department("OPS"))
    department_update(department=department("LOG"), parent=None)

    assert department("FIN").parent.code == "OPS"
    assert department("LOG").parent is None


def test_department_update_refuses_deactivating_with_active_members(cast):
    before = snapshot_department("FIN")

    with pytest.raises(ApplicationError) as refused:
        department_update(department=department("FIN"), active=False, name="Closed finance")

    assert refused.value.field == "active"
    assert "people" in str(refused.value.message)
    assert snapshot_department("FIN") == before


def test_department_update_refuses_deactivating_with_active_sub_departments(cast):
    parent = department_create(code="EMPTY", name="Empty parent")
    child = department_create(code="CHILD", name="Empty child", parent=parent)

    with pytest.raises(ApplicationError) as refused:
        department_update(department=parent, active=False)
    assert refused.value.field == "active"
    assert department("EMPTY").active is True

    department_update(department=child, active=False)
    department_update(department=parent, active=False)
    assert department("EMPTY").active is False
    assert department("CHILD").active is False


def test_department_update_deactivates_once_the_members_are_gone(cast):
    fin = department("FIN")
    for member in Person.objects.filter(department=fin):
        person_update(person=member, active=False)

    department_update(department=fin, active=False)

    assert department("FIN").active is False


def test_department_update_upper_cases_a_new_code(cast):
    department_update(department=department("FIN"), code=" fnc ")

    assert Department.objects.filter(code="FNC").exists()
    assert not Department.objects.filter(code="FIN").exists()


def test_department_update_refuses_unknown_fields(cast):
    with pytest.raises(TypeError, match="budget"):
        department_update(department=department("FIN"), budget=10)


# --------------------------------------------------------------------------------------------
# person_create
# --------------------------------------------------------------------------------------------


def test_person_create_creates_login_person_and_roles(cast):
    head_ops = person("head.ops")

    created = person_create(
        username=" new.person ",
        first_name=" Nora ",
        last_name="Lane",
        email="nora@example.com",
        department=department("OPS"),
        position="Planner",
        manager=head_ops,
        roles=["manager", "staff", "manager"],
        password="a-long-password-1",
        language="es",
        time_zone="Europe/London",
    )

    user = User.objects.get(username="new.person")
    assert created.user_id == user.pk
    assert (user.first_name, user.last_name, user.email) == ("Nora", "Lane", "nora@example.com")
    assert (user.language, user.time_zone) == ("es", "Europe/London")
    assert user.check_password("a-long-password-1")
    assert sorted(user.groups.values_list("name", flat=True)) == ["manager", "staff"]
    stored = person("new.person")
    assert stored.department.code == "OPS"
    assert stored.manager_id == head_ops.pk
    assert stored.active is True


def test_person_create_without_password_makes_an_unusable_login(cast):
    person_create(username="no.password", first_name="No", last_name="Password")

    assert not User.objects.get(username="no.password").has_usable_password()


@pytest.mark.parametrize("username", ["head.ops", "HEAD.OPS", " head.ops "])
def test_person_create_refuses_a_taken_username_and_names_it(cast, username):
    users, people = User.objects.count(), Person.objects.count()

    with pytest.raises(ApplicationError) as refused:
        person_create(username=username, first_name="Dup", last_name="Licate", roles=["staff"])

    assert refused.value.field == "username"
    assert username.strip() in str(refused.value.message)
    assert (User.objects.count(), Person.objects.count()) == (users, people)


def test_person_create_refuses_an_unknown_role_and_names_it(cast):
    users = User.objects.count()

    with pytest.raises(ApplicationError) as refused:
        person_create(
            username="new.wizard", first_name="W", last_name="Z", roles=["staff", "wizard"]
        )

    assert refused.value.field == "roles"
    assert "wizard" in str(refused.value.message)
    assert "staff" not in str(refused.value.message)
    assert User.objects.count() == users
    assert not User.objects.filter(username="new.wizard").exists()


def test_person_create_leaves_no_login_when_the_roles_cannot_be_given(cast):
    """The role groups are set last: a failure there must take the user and person back."""
    Group.objects.filter(name=Role.AUDITOR).delete()
    users, people = User.objects.count(), Person.objects.count()

    with pytest.raises(ApplicationError) as refused:
        person_create(username="late.failure", first_name="L", last_name="F", roles=["auditor"])

    assert refused.value.field == "roles"
    assert not User.objects.filter(username="late.failure").exists()
    assert (User.objects.count(), Person.objects.count()) == (users, people)


def test_person_create_leaves_no_login_when_the_person_is_invalid(cast):
    users, people = User.objects.count(), Person.objects.count()

    with pytest.raises(ValidationError) as refused:
        person_create(username="bad.phone", first_name="B", last_name="P", phone="9" * 41)

    assert "phone" in refused.value.message_dict
    assert not User.objects.filter(username="bad.phone").exists()
    assert (User.objects.count(), Person.objects.count()) == (users, people)


def test_person_create_refuses_an_inactive_manager(cast):
    manager = person_update(person=person("head.fin"), active=False)
    users = User.objects.count()

    with pytest.raises(ApplicationError) as refused:
        person_create(username="orphan", first_name="O", last_name="P", manager=manager)

    assert refused.value.field == "manager"
    assert User.objects.count() == users


# --------------------------------------------------------------------------------------------
# person_update
# --------------------------------------------------------------------------------------------


def test_person_update_refuses_a_manager_loop_and_changes_nothing(cast):
    # head.ops <- head.log <- the LOG manager: head.ops may not report to that manager.
    head_ops = person("head.ops")
    log_manager = Person.objects.get(user=cast.manager("LOG"))
    assert log_manager.manager.manager_id == head_ops.pk

    with pytest.raises(ApplicationError) as refused:
        person_update(person=head_ops, manager=log_manager, position="Changed")

    assert refused.value.field == "manager"
    stored = person("head.ops")
    assert stored.manager.user.username == "coo"
    assert stored.position != "Changed"


def test_person_update_refuses_a_person_as_their_own_manager(cast):
    head_fin = person("head.fin")

    with pytest.raises(ApplicationError):
        person_update(person=head_fin, manager=head_fin)

    assert person("head.fin").manager.user.username == "coo"


def test_person_update_accepts_a_manager_outside_the_chain(cast):
    staff = Person.objects.get(user=cast.staff("LOG"))

    person_update(person=staff, manager=person("head.fin"))

    assert Person.objects.get(pk=staff.pk).manager.user.username == "head.fin"


def test_person_update_replaces_the_roles_and_keeps_other_groups(cast):
    user = cast.staff("LOG")
    newsletter = Group.objects.create(name="newsletter")
    user.groups.add(newsletter)

    person_update(person=user.person, roles=["manager", "auditor"])

    assert set(user.groups.values_list("name", flat=True)) == {"manager", "auditor", "newsletter"}


def test_person_update_refuses_an_unknown_role_before_changing_anything(cast):
    user = cast.staff("LOG")
    before = person(user.username).position

    with pytest.raises(ApplicationError) as refused:
        person_update(person=user.person, roles=["wizard"], position="Wizard")

    assert "wizard" in str(refused.value.message)
    assert person(user.username).position == before
    assert list(user.groups.values_list("name", flat=True)) == ["staff"]


def test_person_update_deactivating_a_person_deactivates_the_login(cast):
    user = cast.staff("FIN")

    person_update(person=user.person, active=False)
    user.refresh_from_db()
    assert user.is_active is False
    assert person(user.username).active is False

    person_update(person=user.person, active=True)
    user.refresh_from_db()
    assert user.is_active is True


def test_person_update_changes_login_fields_and_person_fields(cast):
    user = cast.staff("OPS")

    person_update(
        person=user.person,
        first_name="Renamed",
        email="renamed@example.com",
        position="Lead",
        department=department("FIN"),
    )

    user.refresh_from_db()
    stored = person(user.username)
    assert (user.first_name, user.email) == ("Renamed", "renamed@example.com")
    assert (stored.position, stored.department.code) == ("Lead", "FIN")


def test_person_update_refuses_an_invalid_e_mail_and_changes_nothing(cast):
    user = cast.staff("OPS")
    before_email, before_position = user.email, user.person.position

    with pytest.raises(ValidationError):
        person_update(person=user.person, email="not-an-address", position="Changed")

    user.refresh_from_db()
    assert user.email == before_email
    assert person(user.username).position == before_position


def test_person_update_refuses_unknown_fields(cast):
    with pytest.raises(TypeError, match="username"):
        person_update(person=person("head.fin"), username="renamed")


# --------------------------------------------------------------------------------------------
# user_preferences_update
# --------------------------------------------------------------------------------------------


def test_user_preferences_update_stores_language_and_time_zone(cast):
    user = cast["coo"]

    user_preferences_update(user=user, language="es", time_zone="America/New_York")

    stored = User.objects.get(pk=user.pk)
    assert (stored.language, stored.time_zone) == ("es", "America/New_York")


def test_user_preferences_update_accepts_empty_values(cast):
    user = cast["ceo"]

    user_preferences_update(user=user, language="", time_zone="")

    stored = User.objects.get(pk=user.pk)
    assert (stored.language, stored.time_zone) == ("", "")


@pytest.mark.parametrize(
    ("language", "time_zone", "field"),
    [("en", "Mars/Olympus_Mons", "time_zone"), ("fr", "", "language")],
)
def test_user_preferences_update_refuses_unknown_values(cast, language, time_zone, field):
    user = cast["coo"]
    before = (user.language, user.time_zone)

    with pytest.raises(ValidationError) as refused:
        user_preferences_update(user=user, language=language, time_zone=time_zone)

    assert field in refused.value.message_dict
    stored = User.objects.get(pk=user.pk)
    assert (stored.language, stored.time_zone) == before
