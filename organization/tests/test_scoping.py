"""Who sees whose record, role by role (``for_user``, ``managed_by``, ``scope_of``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from organization.models import Department, Person, User
from organization.roles import roles_of
from organization.scoping import forget, scope_of
from organization.services.departments import department_create
from organization.services.people import person_create, person_update
from organization.tests.helpers import ALL_ROLES, COMPANY_WIDE_ROLES, usernames_in

EVERYONE = "everyone"
ONLY_THEMSELVES = "themselves"

#: What each role's ``Person.objects.for_user`` covers, as department codes.
PERSON_SCOPE = {
    "ceo": EVERYONE,
    "coo": EVERYONE,
    "auditor": EVERYONE,
    "head.ops": {"OPS", "LOG"},  # LOG is a sub-department of OPS
    "head.log": {"LOG"},
    "head.fin": {"FIN"},
    "manager:OPS": {"OPS", "LOG"},
    "manager:LOG": {"LOG"},
    "manager:FIN": {"FIN"},
    "staff:OPS": ONLY_THEMSELVES,
    "staff:LOG": ONLY_THEMSELVES,
    "staff:FIN": ONLY_THEMSELVES,
}
assert set(PERSON_SCOPE) == set(ALL_ROLES)


def visible_usernames(user) -> set[str]:
    return set(Person.objects.for_user(user).values_list("user__username", flat=True))


@pytest.mark.parametrize("key", ALL_ROLES)
def test_person_for_user_role_by_role(cast, who, key):
    user = who(key)
    expected = PERSON_SCOPE[key]

    seen = visible_usernames(user)

    if expected == EVERYONE:
        assert seen == set(User.objects.values_list("username", flat=True))
    elif expected == ONLY_THEMSELVES:
        assert seen == {user.username}
    else:
        assert seen == usernames_in(cast, *expected)
        hidden = {"OPS", "LOG", "FIN"} - expected
        assert not seen & usernames_in(cast, *hidden)
        assert not seen & {"ceo", "coo", "auditor"}


def test_head_of_ops_sees_logistics_but_head_of_logistics_does_not_see_operations(cast):
    ops_people, log_people = usernames_in(cast, "OPS"), usernames_in(cast, "LOG")

    assert ops_people | log_people <= visible_usernames(cast["head.ops"])
    assert visible_usernames(cast["head.log"]) == log_people
    assert not visible_usernames(cast["head.fin"]) & (ops_people | log_people)


def test_a_direct_report_outside_the_department_is_visible_to_their_manager(cast):
    fin_staff = cast.staff("FIN")
    person_update(person=fin_staff.person, manager=cast["head.ops"].person)

    seen = visible_usernames(cast["head.ops"])

    assert fin_staff.username in seen
    assert not (usernames_in(cast, "FIN") - {fin_staff.username}) & seen


def test_a_staff_member_sees_their_own_direct_reports(cast):
    staff = cast.staff("OPS")
    report = person_create(
        username="trainee", first_name="T", last_name="R", manager=staff.person, roles=["staff"]
    )

    assert visible_usernames(staff) == {staff.username, report.user.username}


def test_scope_reaches_every_level_below(cast):
    warehousing = department_create(
        code="WHS", name="Warehousing", parent=Department.objects.get(code="LOG")
    )
    person_create(username="whs.worker", first_name="W", last_name="W", department=warehousing)

    assert "whs.worker" in visible_usernames(cast["head.ops"])
    assert "whs.worker" in visible_usernames(cast["head.log"])
    assert "whs.worker" not in visible_usernames(cast["head.fin"])


def test_a_head_also_sees_a_department_they_head_outside_their_own(cast):
    audit = department_create(code="AUD", name="Internal audit", head=cast["head.fin"].person)
    person_create(username="aud.worker", first_name="A", last_name="W", department=audit)

    assert "aud.worker" in visible_usernames(cast["head.fin"])
    assert "aud.worker" not in visible_usernames(cast["head.ops"])


def test_nobody_sees_people_when_not_logged_in(cast):
    assert not Person.objects.for_user(AnonymousUser()).exists()
    assert not Person.objects.for_user(None).exists()


def test_a_superuser_without_a_person_sees_everyone(cast):
    admin = User.objects.create_superuser("root", "root@example.com", "x-long-password")

    assert visible_usernames(admin) == set(Person.objects.values_list("user__username", flat=True))


@pytest.mark.parametrize("key", ALL_ROLES)
def test_department_for_user_is_the_whole_org_chart_for_every_role(cast, who, key):
    codes = set(Department.objects.for_user(who(key)).values_list("code", flat=True))

    assert codes == {"OPS", "LOG", "FIN"}


def test_department_for_user_is_empty_when_not_logged_in(cast):
    assert not Department.objects.for_user(AnonymousUser()).exists()
    assert not Department.objects.for_user(None).exists()


MANAGED = {
    "ceo": {"OPS", "LOG", "FIN"},
    "coo": {"OPS", "LOG", "FIN"},
    "auditor": {"OPS", "LOG", "FIN"},
    "head.ops": {"OPS", "LOG"},
    "head.log": {"LOG"},
    "head.fin": {"FIN"},
    "manager:OPS": {"OPS", "LOG"},
    "manager:LOG": {"LOG"},
    "manager:FIN": {"FIN"},
    "staff:OPS": set(),
    "staff:LOG": set(),
    "staff:FIN": set(),
}


@pytest.mark.parametrize("key", ALL_ROLES)
def test_department_managed_by_role_by_role(cast, who, key):
    codes = set(Department.objects.managed_by(who(key)).values_list("code", flat=True))

    assert codes == MANAGED[key]


@pytest.mark.parametrize("key", ALL_ROLES)
def test_scope_of_is_company_wide_only_for_ceo_coo_and_auditor(cast, who, key):
    user = who(key)
    scope = scope_of(user)

    assert scope.company_wide is (key in COMPANY_WIDE_ROLES)
    assert scope.person_id == user.person.pk
    assert scope.covers_department(Department.objects.get(code="LOG").pk) is (
        key in COMPANY_WIDE_ROLES or "LOG" in MANAGED[key]
    )
    assert scope.covers_department(None) is (key in COMPANY_WIDE_ROLES)


def test_scope_and_roles_are_cached_on_the_user_until_forgotten(cast):
    user = cast.staff("OPS")
    assert roles_of(user) == {"staff"}
    assert not scope_of(user).company_wide

    user.groups.add(Group.objects.get(name="auditor"))
    assert roles_of(user) == {"staff"}, "answered once per request, from the cache"

    forget(user)
    assert roles_of(user) == {"staff", "auditor"}
    assert scope_of(user).company_wide
