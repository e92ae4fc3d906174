"""Acknowledgements: who is asked, what is recorded, compliance, and who has not read it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError, NotAllowed
from operations.models import Acknowledgement, Regulation
from operations.selectors import (
    compliance_by_department,
    not_acknowledged,
    pending_acknowledgements,
)
from operations.services.regulations import acknowledgement_record
from operations.tests.helpers import (
    csv_rows,
    make,
    publish,
    reload,
    said,
    start_version,
    written,
    xlsx_rows,
)
from organization.models import Department, Notification, User


def members_of(cast, *codes: str) -> set[str]:
    return {m.username for m in cast.members if m.department in codes}


def everyone() -> set[str]:
    return set(User.objects.filter(is_active=True).values_list("username", flat=True))


def ack_requests(version) -> list[str]:
    return list(
        Notification.objects.filter(key=f"regulation-ack-request:{version.pk}").values_list(
            "recipient__username", flat=True
        )
    )


def acknowledge(cast, regulation, *usernames: str) -> None:
    for username in usernames:
        acknowledgement_record(regulation=regulation, user=cast[username])


# -- being asked --------------------------------------------------------------------------------


def test_publishing_asks_everyone_once(cast, django_capture_on_commit_callbacks, mailoutbox):
    regulation = make(cast["coo"], "For everyone")
    with django_capture_on_commit_callbacks(execute=True):
        version = publish(cast, regulation)

    asked = ack_requests(version)
    assert sorted(asked) == sorted(everyone())  # each person once
    assert len(asked) == 15
    # Each notification is e-mailed once, to its recipient.
    assert len(mailoutbox) == Notification.objects.count()
    assert {m.to[0] for m in mailoutbox} == set(User.objects.values_list("email", flat=True))
    staff = cast.staff("LOG")
    request = Notification.objects.get(key=f"regulation-ack-request:{version.pk}", recipient=staff)
    assert request.url == regulation.get_absolute_url()


def test_publishing_asks_only_the_chosen_departments_and_those_below(
    cast, django_capture_on_commit_callbacks
):
    regulation = make(cast["head.ops"], "Dock rule", department_code="OPS", audience=["OPS"])
    with django_capture_on_commit_callbacks(execute=True):
        version = publish(cast, regulation)
    assert sorted(ack_requests(version)) == sorted(members_of(cast, "OPS", "LOG"))
    assert set(pending_acknowledgements(cast.staff("LOG"))) == {regulation}
    assert not pending_acknowledgements(cast.staff("FIN")).exists()


def test_an_acknowledgement_records_who_which_version_and_when(cast):
    regulation = make(cast["coo"])
    version = publish(cast, regulation)
    staff = cast.staff("OPS")
    before = timezone.now()

    acknowledgement = acknowledgement_record(regulation=regulation, user=staff)

    acknowledgement = Acknowledgement.objects.get(pk=acknowledgement.pk)
    assert (acknowledgement.user, acknowledgement.version) == (staff, version)
    assert before <= acknowledgement.acknowledged_at <= timezone.now()
    assert not pending_acknowledgements(staff).exists()


def test_acknowledging_twice_keeps_the_first_time(cast):
    regulation = make(cast["coo"])
    publish(cast, regulation)
    staff = cast.staff("OPS")
    first = acknowledgement_record(regulation=regulation, user=staff)
    again = acknowledgement_record(regulation=regulation, user=staff)
    assert again.pk == first.pk
    assert Acknowledgement.objects.filter(user=staff).count() == 1
    assert reload(again).acknowledged_at == first.acknowledged_at


@pytest.mark.parametrize("role", ["coo", "head.ops", "auditor"])
def test_one_outside_the_audience_may_not_acknowledge(cast, api_as, role):
    """They may see it (company-wide roles, heads for company-wide items) but it is not for them."""
    regulation = make(cast["coo"], "Finance only", audience=["FIN"])
    publish(cast, regulation)
    user = cast[role]
    before = written()

    with pytest.raises(NotAllowed) as refused:
        acknowledgement_record(regulation=regulation, user=user)
    assert "not addressed to you" in str(refused.value.message)

    response = api_as(user).post(f"/api/v1/regulations/{regulation.pk}/acknowledge/")
    assert response.status_code == 403
    assert response.json()["detail"] == said(user, "This regulation is not addressed to you.")
    assert written() == before


def test_nothing_is_acknowledged_before_it_is_in_force(cast):
    regulation = make(cast["coo"])
    before = written()
    with pytest.raises(ApplicationError) as refused:
        acknowledgement_record(regulation=regulation, user=cast["coo"])
    assert "no version in force" in str(refused.value.message)
    assert written() == before


def test_a_new_version_asks_again(cast, django_capture_on_commit_callbacks):
    regulation = make(cast["coo"], "Code of conduct")
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(cast, regulation)
    staff = cast.staff("FIN")
    acknowledgement_record(regulation=regulation, user=staff)
    assert regulation not in pending_acknowledgements(staff)

    start_version(cast, regulation, "New wording.")
    # Until the new version is published, the one in force stays acknowledged.
    assert regulation not in pending_acknowledgements(staff)
    with django_capture_on_commit_callbacks(execute=True):
        second = publish(cast, regulation)

    assert list(pending_acknowledgements(staff)) == [regulation]
    assert staff.username in ack_requests(second)
    assert (
        Notification.objects.filter(
            recipient=staff, key__startswith="regulation-ack-request:"
        ).count()
        == 2
    )
    acknowledgement_record(regulation=regulation, user=staff)
    assert set(Acknowledgement.objects.filter(user=staff).values_list("version", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert not pending_acknowledgements(staff).exists()


# -- compliance ---------------------------------------------------------------------------------


@pytest.fixture
def two_rules(cast):
    """A rule for OPS (so OPS and LOG: 8 people) and one for FIN (4 people), in force, with
    3 + 2 acknowledgements: the regulations and their versions in force."""
    ops = make(cast["head.ops"], "Dock rule", department_code="OPS", audience=["OPS"])
    fin = make(cast["head.fin"], "Cash rule", department_code="FIN", audience=["FIN"])
    ops_version, fin_version = publish(cast, ops), publish(cast, fin)
    acknowledge(cast, ops, "head.ops", cast.staff("OPS").username, cast.staff("LOG").username)
    acknowledge(cast, fin, "head.fin", cast.manager("FIN").username)
    return ops, fin, ops_version, fin_version


def _numbers(rows):
    return [(r.department.code, r.required, r.done, round(r.percent, 1)) for r in rows]


def test_compliance_by_department_and_overall(two_rules):
    _ops, _fin, ops_version, fin_version = two_rules

    rows, total = compliance_by_department([ops_version, fin_version])

    assert _numbers(rows) == [
        ("FIN", 4, 2, 50.0),
        ("LOG", 4, 1, 25.0),
        ("OPS", 4, 2, 50.0),
    ]
    assert (total.department, total.required, total.done) == (None, 12, 5)
    assert round(total.percent, 2) == 41.67

    rows, total = compliance_by_department(
        [ops_version, fin_version], departments=Department.objects.filter(code__in=["OPS", "LOG"])
    )
    assert _numbers(rows) == [("LOG", 4, 1, 25.0), ("OPS", 4, 2, 50.0)]
    assert (total.required, total.done) == (8, 3)

    rows, total = compliance_by_department([])
    assert rows == [] and (total.required, total.done, total.percent) == (0, 0, 100.0)


def test_overall_compliance_agrees_with_who_has_not_acknowledged(cast):
    """Everyone a regulation is for is asked to acknowledge it, the CEO, COO and auditor too
    (they have no department). The overall figure must count them: otherwise it says 100 %
    while the list of who has not acknowledged still names them."""
    regulation = make(cast["coo"], "For everyone")
    version = publish(cast, regulation)
    department_members = {m.username for m in cast.members if m.department is not None}
    acknowledge(cast, regulation, *department_members)
    missing = set(not_acknowledged(version).values_list("username", flat=True))
    assert missing == {"ceo", "coo", "auditor"}

    _rows, total = compliance_by_department([version])

    assert total.required - total.done == len(missing)
    assert total.required == len(everyone())
    assert total.percent < 100


def test_not_acknowledged_lists_exactly_the_missing_people(cast, two_rules):
    _ops, _fin, ops_version, _fin_version = two_rules
    missing = list(not_acknowledged(ops_version))
    assert {u.username for u in missing} == members_of(cast, "OPS", "LOG") - {
        "head.ops",
        cast.staff("OPS").username,
        cast.staff("LOG").username,
    }
    # Sorted by department, then name.
    codes = [u.person.department.code for u in missing]
    assert codes == sorted(codes)


def _not_acknowledged_url(regulation) -> str:
    return reverse("operations:regulation_not_acknowledged", args=[regulation.pk])


@pytest.mark.parametrize("role", ["coo", "ceo", "auditor", "head.ops", "manager:OPS"])
def test_the_not_acknowledged_export_lists_the_missing_people(cast, two_rules, who, client, role):
    ops, _fin, ops_version, _fin_version = two_rules
    client.force_login(who(role))
    expected = set(not_acknowledged(ops_version).values_list("username", flat=True))

    rows = csv_rows(client.get(_not_acknowledged_url(ops), {"export": "csv"}))
    assert {row[0] for row in rows[1:]} == expected
    assert len(rows) == 1 + len(expected)

    rows = xlsx_rows(client.get(_not_acknowledged_url(ops), {"export": "xlsx"}))
    assert {row[0] for row in rows[1:]} == expected

    page = client.get(_not_acknowledged_url(ops))
    assert {u.username for u in page.context["people"]} == expected
    filtered = client.get(_not_acknowledged_url(ops), {"department": "LOG"})
    assert {u.username for u in filtered.context["people"]} == expected & members_of(cast, "LOG")


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff:OPS", 403), ("staff:LOG", 403), ("head.log", 403), ("head.fin", 404)],
)
def test_who_may_not_see_the_not_acknowledged_list(two_rules, who, client, role, status):
    ops = two_rules[0]
    client.force_login(who(role))
    assert client.get(_not_acknowledged_url(ops)).status_code == status
    assert client.get(_not_acknowledged_url(ops), {"export": "csv"}).status_code == status


# -- the pages that ask --------------------------------------------------------------------------


def test_the_to_acknowledge_page_and_the_home_panel(cast, client):
    first = make(cast["coo"], "Alpha policy")
    second = make(cast["head.ops"], "Bravo rule", department_code="OPS", audience=["OPS"])
    hidden = make(cast["head.fin"], "Cash rule", department_code="FIN", audience=["FIN"])
    for regulation in (first, second, hidden):
        publish(cast, regulation)
    staff = cast.staff("LOG")
    client.force_login(staff)

    page = client.get(reverse("operations:regulation_to_acknowledge"))
    assert page.status_code == 200
    assert [r.title for r in page.context["regulations"]] == ["Alpha policy", "Bravo rule"]
    assert page.content.decode().count('data-testid="acknowledge"') == 2

    home = client.get("/")
    panel = next(p for p in home.context["panels"] if p["template"].endswith("to_acknowledge.html"))
    assert panel["context"]["count"] == 2
    assert 'data-testid="panel-to-acknowledge"' in home.content.decode()
    badge = next(
        i
        for i in home.context["nav_items"]
        if i["url"] == reverse("operations:regulation_to_acknowledge")
    )
    assert badge["badge"] == 2

    response = client.post(
        reverse("operations:regulation_acknowledge", args=[first.pk]),
        {"next": reverse("operations:regulation_to_acknowledge")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("operations:regulation_to_acknowledge")
    assert [r.title for r in response.context["regulations"]] == ["Bravo rule"]
    assert (
        said(
            staff,
            "Thank you: you acknowledged %(title)s, version %(number)s.",
            title="Alpha policy",
            number=1,
        )
        in response.content.decode()
    )

    acknowledgement_record(regulation=second, user=staff)
    home = client.get("/")
    assert 'data-testid="panel-to-acknowledge"' not in home.content.decode()
    assert not any(
        i["url"] == reverse("operations:regulation_to_acknowledge")
        for i in home.context["nav_items"]
    )
    page = client.get(reverse("operations:regulation_to_acknowledge"))
    assert 'data-testid="empty"' in page.content.decode()


def test_the_detail_page_asks_then_thanks(cast, client):
    regulation = make(cast["coo"], "Alpha policy")
    publish(cast, regulation)
    staff = cast.staff("OPS")
    client.force_login(staff)
    url = reverse("operations:regulation_detail", args=[regulation.pk])

    page = client.get(url).content.decode()
    assert 'data-testid="acknowledge-box"' in page and 'data-testid="acknowledged"' not in page

    response = client.post(reverse("operations:regulation_acknowledge", args=[regulation.pk]))
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert 'data-testid="acknowledge-box"' not in page and 'data-testid="acknowledged"' in page
    assert Acknowledgement.objects.filter(user=staff, version__regulation=regulation).count() == 1


def test_acknowledging_what_is_not_for_you_shows_why_on_the_page(cast, client):
    regulation = make(cast["coo"], "Finance only", audience=["FIN"])
    publish(cast, regulation)
    head = cast["head.ops"]
    client.force_login(head)
    before = written()

    response = client.post(
        reverse("operations:regulation_acknowledge", args=[regulation.pk]), follow=True
    )

    assert response.status_code == 200
    assert said(head, "This regulation is not addressed to you.") in response.content.decode()
    assert written() == before


def test_regulations_addressed_elsewhere_are_not_pending(cast):
    regulation = make(cast["coo"], "Finance only", audience=["FIN"])
    publish(cast, regulation)
    assert not pending_acknowledgements(cast["coo"]).exists()
    assert list(pending_acknowledgements(cast.staff("FIN"))) == [
        Regulation.objects.get(pk=regulation.pk)
    ]


def test_a_company_wide_role_in_a_department_is_asked_once(cast, client):
    """The auditor works in Logistics; a regulation for OPS and LOG reaches them through both.
    It is one item to acknowledge, counted once, listed once."""
    from organization.services.people import person_update

    person_update(person=cast["auditor"].person, department=Department.objects.get(code="LOG"))
    regulation = make(cast["coo"], "Operations and Logistics", audience=["OPS", "LOG"])
    publish(cast, regulation)
    auditor = cast["auditor"]

    assert list(pending_acknowledgements(auditor)) == [Regulation.objects.get(pk=regulation.pk)]
    assert pending_acknowledgements(auditor).count() == 1
    client.force_login(auditor)
    page = client.get(reverse("operations:regulation_to_acknowledge"))
    assert [r.title for r in page.context["regulations"]] == ["Operations and Logistics"]
    badge = next(
        i["badge"]
        for i in page.context["nav_items"]
        if i["url"] == reverse("operations:regulation_to_acknowledge")
    )
    assert badge == 1
