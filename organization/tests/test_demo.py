"""The demo company: build_cast and the seed_demo command."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from organization.demo import SIZES, build_cast
from organization.models import Department, Person, User
from organization.roles import Role

DEPARTMENTS = [
    ("OPS", "Operations", None),
    ("LOG", "Logistics", "OPS"),
    ("FIN", "Finance", None),
]


def build(seed: int = 7, **kwargs):
    return build_cast(departments=DEPARTMENTS, per_department=3, seed=seed, **kwargs)


def usernames_of_a_fresh_build(seed: int) -> list[str]:
    """Build into an empty database and roll it back, so that every build starts the same."""
    with transaction.atomic():
        assert not User.objects.exists()
        names = [member.username for member in build(seed).cast]
        transaction.set_rollback(True)
    return names


def test_build_cast_creates_the_company(db):
    result = build()

    assert result.departments_created == 3
    assert result.people_created == len(result.cast) == 3 + 3 + 3 * 3
    assert Person.objects.count() == User.objects.count() == len(result.cast)
    assert Department.objects.get(code="LOG").parent.code == "OPS"


def test_build_cast_is_idempotent(db):
    build()
    users, people, departments = (
        User.objects.count(),
        Person.objects.count(),
        Department.objects.count(),
    )

    again = build()

    assert again.departments_created == 0
    assert again.people_created == 0
    assert len(again.cast) == users
    assert (User.objects.count(), Person.objects.count(), Department.objects.count()) == (
        users,
        people,
        departments,
    )


def test_build_cast_is_deterministic(db):
    first = usernames_of_a_fresh_build(seed=7)
    second = usernames_of_a_fresh_build(seed=7)
    other_seed = usernames_of_a_fresh_build(seed=8)

    assert first == second
    assert first != other_seed
    assert len(set(first)) == len(first)


def test_heads_are_named_after_their_department(db):
    result = build()

    heads = [m for m in result.cast if m.role == Role.DEPARTMENT_HEAD]
    assert sorted(m.username for m in heads) == ["head.fin", "head.log", "head.ops"]
    for code, _name, _parent in DEPARTMENTS:
        department = Department.objects.select_related("head__user").get(code=code)
        assert department.head.user.username == f"head.{code.lower()}"
        assert department.head.department_id == department.pk


def test_every_person_has_exactly_one_role_the_one_of_the_cast(db):
    result = build()

    role_counts = dict(User.objects.annotate(n=Count("groups")).values_list("username", "n"))
    assert set(role_counts.values()) == {1}
    for member in result.cast:
        user = User.objects.get(username=member.username)
        assert list(user.groups.values_list("name", flat=True)) == [member.role]


def test_the_cast_logs_in_with_the_given_password(db):
    build(password="another-secret-42")

    assert User.objects.get(username="head.ops").check_password("another-secret-42")


def _seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_small_builds_the_small_company_and_prints_the_cast(db):
    output = _seed("--size", "small")

    assert Department.objects.count() == SIZES["small"].departments
    assert Person.objects.count() == SIZES["small"].people
    lines = output.splitlines()
    for username in ("ceo", "coo", "auditor", "head.ops"):
        assert any(line.split()[:1] == [username] for line in lines), username
    assert "demo-pass-2026" in output
    assert (
        f"{SIZES['small'].departments} departments and {SIZES['small'].people} people created"
        in output
    )


def test_seed_demo_if_empty_does_nothing_when_users_exist(db):
    User.objects.create_user("someone", password="x-long-password")

    output = _seed("--size", "small", "--if-empty")

    assert "already has users" in output
    assert User.objects.count() == 1
    assert not Department.objects.exists()


def test_seed_demo_password_sets_every_password(db):
    output = _seed("--size", "small", "--password", "chosen-pass-99")

    assert "chosen-pass-99" not in output, "the password given is not printed back"
    for username in ("ceo", "coo", "head.ops"):
        assert User.objects.get(username=username).check_password("chosen-pass-99")
    assert not User.objects.get(username="coo").check_password("demo-pass-2026")
