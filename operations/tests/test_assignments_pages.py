"""Assignment pages and API: scoping per role (404), moves by role, bad input, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from operations.models import Assignment
from operations.services.assignments import (
    assignment_complete,
    assignment_create,
    assignment_start,
)
from organization.models import Department, User

pytestmark = pytest.mark.django_db

S = Assignment.Status


def soon(days=7):
    return timezone.localdate() + timedelta(days=days)


def give(by, *, to=None, code=None, title="Count the pallets"):
    department = Department.objects.get(code=code) if code else None
    return assignment_create(
        user=by, title=title, due_date=soon(), assignee=to, department=department
    )


@pytest.fixture(autouse=True)
def _in_english(cast):
    """Pages answer in each user's language; these tests read the English messages."""
    User.objects.update(language="en")


@pytest.fixture
def company(cast):
    """One assignment to a LOG staff member, one to FIN, one to the OPS department."""
    return {
        "log_staff": give(cast["coo"], to=cast.staff("LOG"), title="Staff task"),
        "fin": give(cast["ceo"], code="FIN", title="Finance task"),
        "ops": give(cast["ceo"], code="OPS", title="Operations task"),
    }


def user_of(cast, key):
    kind, _, code = key.partition(":")
    if kind == "manager":
        return cast.manager(code)
    if kind == "staff":
        return cast.staff(code)
    return cast[key]


SEES = {
    "ceo": {"log_staff", "fin", "ops"},
    "coo": {"log_staff", "fin", "ops"},
    "auditor": {"log_staff", "fin", "ops"},
    "head.ops": {"log_staff", "ops"},  # OPS and LOG below it
    "head.log": {"log_staff"},
    "head.fin": {"fin"},
    "manager:OPS": {"log_staff", "ops"},
    "staff:LOG": {"log_staff"},
    "staff:FIN": {"fin"},
    "staff:OPS": {"ops"},
}


@pytest.mark.parametrize("key", sorted(SEES))
def test_scoping_per_role(cast, company, client, key):
    user = user_of(cast, key)
    visible = set(Assignment.objects.for_user(user).values_list("title", flat=True))
    assert visible == {company[k].title for k in SEES[key]}
    client.force_login(user)
    for name, assignment in company.items():
        response = client.get(assignment.get_absolute_url())
        assert response.status_code == (200 if name in SEES[key] else 404), name
    response = client.get(reverse("operations:assignment_list"), {"scope": "all"})
    assert response.status_code == 200


def test_list_scopes(cast, company, client):
    client.force_login(cast["ceo"])
    url = reverse("operations:assignment_list")
    by_me = client.get(url).content.decode()  # the CEO's default: assigned by me
    assert "Finance task" in by_me and "Staff task" not in by_me
    everything = client.get(url, {"scope": "all"}).content.decode()
    assert "Staff task" in everything
    client.force_login(cast.staff("LOG"))
    mine = client.get(url).content.decode()
    assert "Staff task" in mine and "Finance task" not in mine
    assert reverse("operations:assignment_create") not in mine
    client.force_login(cast["head.ops"])
    overseen = client.get(url, {"scope": "all"}).content.decode()
    assert "Staff task" in overseen and "Operations task" in overseen
    assert "Finance task" not in overseen


def test_filters_and_export(cast, company, client):
    Assignment.objects.filter(pk=company["fin"].pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(cast["coo"])
    url = reverse("operations:assignment_list")
    page = client.get(url, {"scope": "all", "overdue": "true"}).content.decode()
    assert "Finance task" in page and "Staff task" not in page
    page = client.get(url, {"scope": "all", "search": "staff"}).content.decode()
    assert "Staff task" in page and "Finance task" not in page
    response = client.get(url, {"scope": "all", "export": "csv", "status": "open"})
    body = b"".join(response.streaming_content).decode()
    assert "Finance task" in body and "Operations task" in body
    response = client.get(url, {"scope": "all", "export": "xlsx"})
    assert response.status_code == 200


def test_create_page_for_ceo_and_coo_only(cast, client):
    client.force_login(cast["head.ops"])
    assert client.get(reverse("operations:assignment_create")).status_code == 403
    client.force_login(cast["coo"])
    url = reverse("operations:assignment_create")
    assert client.get(url).status_code == 200
    staff = cast.staff("LOG")
    response = client.post(
        url,
        {
            "title": "Check the docks",
            "priority": "high",
            "due_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "assignee": staff.username,
        },
    )
    assert response.status_code == 200
    assert "The due date cannot be in the past." in response.content.decode()
    assert not Assignment.objects.exists()
    response = client.post(
        url,
        {"title": "Check the docks", "priority": "high", "due_date": soon().isoformat()},
    )
    assert "not both and not neither" in response.content.decode()
    response = client.post(
        url,
        {
            "title": "Check the docks",
            "priority": "high",
            "due_date": soon().isoformat(),
            "assignee": staff.username,
        },
    )
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and response["Location"] == assignment.get_absolute_url()
    assert assignment.assignee == staff and assignment.priority == "high"


def test_moves_through_the_pages(cast, client):
    coo, staff = cast["coo"], cast.staff("LOG")
    a = give(coo, to=staff)
    client.force_login(staff)
    page = client.get(a.get_absolute_url()).content.decode()
    assert 'data-testid="move-start"' in page and 'data-testid="move-confirm"' not in page
    client.post(reverse("operations:assignment_start", args=[a.pk]))
    client.post(reverse("operations:assignment_comment", args=[a.pk]), {"text": "Half way."})
    client.post(reverse("operations:assignment_complete", args=[a.pk]))
    # the assignee may not confirm: refused with a message, nothing changes
    response = client.post(reverse("operations:assignment_confirm", args=[a.pk]), follow=True)
    assert "Only the person who assigned it" in response.content.decode()
    assert Assignment.objects.get(pk=a.pk).status == S.DONE
    client.force_login(coo)
    page = client.get(a.get_absolute_url()).content.decode()
    assert 'data-testid="move-confirm"' in page and 'data-testid="move-reopen"' in page
    assert "Half way." in page
    response = client.post(reverse("operations:assignment_reopen", args=[a.pk]), {"reason": ""})
    assert response.status_code == 400
    assert Assignment.objects.get(pk=a.pk).status == S.DONE
    client.post(reverse("operations:assignment_reopen", args=[a.pk]), {"reason": "No March."})
    assert Assignment.objects.get(pk=a.pk).status == S.IN_PROGRESS
    client.force_login(cast.staff("FIN"))
    assert client.post(reverse("operations:assignment_start", args=[a.pk])).status_code == 404


def test_home_panel_and_navigation(cast, client):
    staff = cast.staff("LOG")
    a = give(cast["coo"], to=staff, title="Panel task")
    Assignment.objects.filter(pk=a.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert 'data-testid="panel-my-assignments"' in page and "Panel task" in page
    assert reverse("operations:assignment_list") in page
    client.force_login(cast.staff("FIN"))
    assert 'data-testid="panel-my-assignments"' not in client.get("/").content.decode()


def grow(cast, count: int) -> None:
    staff = cast.staff("LOG")
    for n in range(count):
        kind = n % 3
        if kind == 0:
            a = give(cast["coo"], to=staff, title=f"Person task {n}")
            assignment_start(assignment=a, user=staff)
        elif kind == 1:
            a = give(cast["ceo"], code="LOG", title=f"Department task {n}")
            assignment_complete(assignment=a, user=staff)
        else:
            a = give(cast["coo"], code="FIN", title=f"Finance task {n}")
            Assignment.objects.filter(pk=a.pk).update(
                due_date=timezone.localdate() - timedelta(days=1)
            )


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
        assert response.status_code == 200, url
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return len(context)


def measure(cast, client, api_as) -> dict[str, int]:
    counts = {}
    first = Assignment.objects.order_by("pk").first()
    url = reverse("operations:assignment_list")
    for key in ("coo", "auditor", "head.ops", "staff:LOG"):
        user = user_of(cast, key)
        client.force_login(user)
        counts[f"list {key}"] = queries(client, url, {"scope": "all"})
        counts[f"mine {key}"] = queries(client, url, {"scope": "mine"})
        counts[f"home {key}"] = queries(client, "/")
        counts[f"csv {key}"] = queries(client, url, {"scope": "all", "export": "csv"})
        counts[f"detail {key}"] = queries(client, first.get_absolute_url())
    api = api_as(cast["coo"])
    counts["api list"] = queries(api, "/api/v1/assignments/")
    return counts


def test_query_counts_do_not_grow(cast, client, api_as):
    grow(cast, 3)
    small = measure(cast, client, api_as)
    grow(cast, 20)
    large = measure(cast, client, api_as)
    assert small == large
    # The home page carries every capability's panels; its own test pins it.
    assert max(v for k, v in large.items() if not k.startswith("home")) <= 30, large


# -- the API ----------------------------------------------------------------------------------


def test_api_create_and_moves(cast, api_as):
    staff = cast.staff("LOG")
    api = api_as(cast["ceo"])
    response = api.post(
        "/api/v1/assignments/",
        {
            "title": "Call the bank",
            "description": "About the credit line.",
            "assignee": staff.username,
            "priority": "urgent",
            "due_date": soon().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["status"] == "open" and item["assignee"] == staff.username
    assert item["assigned_by"] == "ceo" and item["department"] is None
    assert item["overdue"] is False and item["priority"] == "urgent"
    pk = item["id"]
    api = api_as(staff)
    assert api.post(f"/api/v1/assignments/{pk}/start/").json()["status"] == "in_progress"
    assert api.post(f"/api/v1/assignments/{pk}/complete/").json()["status"] == "done"
    response = api.post(f"/api/v1/assignments/{pk}/confirm/")
    assert response.status_code == 403
    assert "Only the person who assigned it" in response.json()["detail"]
    api = api_as(cast["coo"])  # not the assigner
    assert api.post(f"/api/v1/assignments/{pk}/reopen/", {"reason": "x"}).status_code == 403
    api = api_as(cast["ceo"])
    response = api.post(f"/api/v1/assignments/{pk}/reopen/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"/api/v1/assignments/{pk}/reopen/", {"reason": "Again"}, format="json")
    assert response.json()["status"] == "in_progress"
    assert api.post(f"/api/v1/assignments/{pk}/cancel/").json()["status"] == "cancelled"
    response = api.post(f"/api/v1/assignments/{pk}/cancel/")
    assert response.status_code == 400 and "cancelled" in response.json()["detail"]


def test_api_department_and_scoping(cast, api_as):
    api = api_as(cast["coo"])
    response = api.post(
        "/api/v1/assignments/",
        {"title": "Close the books", "department": "FIN", "due_date": soon().isoformat()},
        format="json",
    )
    assert response.status_code == 201 and response.json()["department"] == "FIN"
    pk = response.json()["id"]
    outsider = api_as(cast.staff("LOG"))
    assert outsider.get(f"/api/v1/assignments/{pk}/").status_code == 404
    assert outsider.post(f"/api/v1/assignments/{pk}/start/").status_code == 404
    assert outsider.get("/api/v1/assignments/").json()["count"] == 0
    insider = api_as(cast.staff("FIN"))
    assert insider.get("/api/v1/assignments/").json()["count"] == 1
    assert insider.post(f"/api/v1/assignments/{pk}/cancel/").status_code == 403
    auditor = api_as(cast["auditor"])
    assert auditor.get(f"/api/v1/assignments/{pk}/").status_code == 200
    assert auditor.post(f"/api/v1/assignments/{pk}/start/").status_code == 403


def test_api_bad_input_per_field(cast, api_as):
    api = api_as(cast["coo"])
    response = api.post(
        "/api/v1/assignments/",
        {"title": "", "assignee": "nobody", "priority": "whenever", "due_date": "soon"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"title", "assignee", "priority", "due_date"}
    response = api.post(
        "/api/v1/assignments/",
        {
            "title": "Yesterday",
            "department": "FIN",
            "due_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "due_date" in response.json()
    response = api.post(
        "/api/v1/assignments/",
        {
            "title": "Both",
            "department": "FIN",
            "assignee": cast.staff("FIN").username,
            "due_date": soon().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "assignee" in response.json()
    assert not Assignment.objects.exists()
    response = api_as(cast["head.ops"]).post(
        "/api/v1/assignments/",
        {"title": "Mine", "department": "OPS", "due_date": soon().isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_attachments(cast, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    staff = cast.staff("LOG")
    a = give(cast["coo"], to=staff)
    client.force_login(staff)
    url = reverse("operations:assignment_attachment_add", args=[a.pk])
    pdf = SimpleUploadedFile("figures.pdf", b"%PDF-1.4 figures", content_type="application/pdf")
    client.post(url, {"file": pdf})
    fake = SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(url, {"file": fake}, follow=True)
    assert response.status_code == 200  # refused with a message on the page
    attachment = a.attachments.get()
    assert attachment.name == "figures.pdf"
    assert a.updates.filter(text__contains="figures.pdf").exists()
    download = reverse("operations:assignment_attachment_download", args=[a.pk, attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(cast.staff("FIN"))
    assert client.get(download).status_code == 404
    assert client.post(url, {"file": pdf}).status_code == 404
    client.force_login(cast["auditor"])  # sees it, may not attach
    assert client.get(download).status_code == 200
    pdf.seek(0)
    assert client.post(url, {"file": pdf}).status_code == 302
    assert a.attachments.count() == 1
