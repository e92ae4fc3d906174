"""Coordination request pages: scoping per role (404), page access (403), the state machine
through the pages, refusals with nothing written, reassignment, attachments, exports, the
matrix and its figures, the service levels, home panels and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from operations.models import (
    CoordinationAttachment,
    CoordinationRequest,
    CoordinationUpdate,
    ServiceLevel,
)
from operations.services.coordination import request_create, request_move
from operations.tests.helpers import PDF_BYTES, content_of, count_queries, csv_rows, xlsx_rows
from organization.models import Department, User

pytestmark = pytest.mark.django_db

S = CoordinationRequest.Status
ROLES = ["ceo", "coo", "auditor", "head.ops", "head.log", "head.fin", "manager:OPS", "staff:LOG"]


def soon(days: int = 7):
    return timezone.localdate() + timedelta(days=days)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def ask(user, source: str, target: str, subject: str, **extra) -> CoordinationRequest:
    return request_create(
        user=user,
        from_department=dept(source),
        to_department=dept(target),
        subject=subject,
        needed_by=extra.pop("needed_by", soon()),
        details=extra.pop("details", "Please."),
        **extra,
    )


def user_of(cast, key: str) -> User:
    kind, _, code = key.partition(":")
    if kind == "manager":
        return cast.manager(code)
    if kind == "staff":
        return cast.staff(code)
    return cast[key]


def url(name: str, *args) -> str:
    return reverse(f"operations:coordination_{name}", args=args)


def snapshot() -> dict:
    """What the coordination tables hold (to show a refusal wrote nothing)."""
    return {
        "requests": list(
            CoordinationRequest.objects.order_by("pk").values_list(
                "pk", "status", "to_department_id", "handler_id", "decline_reason", "resolution"
            )
        ),
        "updates": CoordinationUpdate.objects.count(),
        "attachments": CoordinationAttachment.objects.count(),
    }


@pytest.fixture(autouse=True)
def _in_english(cast):
    """Pages answer in each user's language; these tests read the English messages."""
    User.objects.update(language="en")


@pytest.fixture
def company(cast) -> dict[str, CoordinationRequest]:
    return {
        "ops_to_fin": ask(cast["head.ops"], "OPS", "FIN", "Budget figures for the docks"),
        "fin_to_log": ask(cast["head.fin"], "FIN", "LOG", "Invoices of the carriers"),
        "log_to_ops": ask(cast["head.log"], "LOG", "OPS", "A second forklift"),
    }


ALL = {"ops_to_fin", "fin_to_log", "log_to_ops"}
SEES = {
    "ceo": ALL,
    "coo": ALL,
    "auditor": ALL,
    "head.ops": ALL,  # OPS and LOG below it
    "head.log": {"fin_to_log", "log_to_ops"},
    "head.fin": {"ops_to_fin", "fin_to_log"},
    "manager:OPS": ALL,
    "staff:LOG": {"fin_to_log", "log_to_ops"},
}
MAY_CREATE = {"coo", "head.ops", "head.log", "head.fin", "manager:OPS"}
COMPANY_WIDE = {"ceo", "coo", "auditor"}


# -- access, role by role ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ROLES)
def test_pages_per_role(cast, company, client, key):
    client.force_login(user_of(cast, key))
    for name, item in company.items():
        expected = 200 if name in SEES[key] else 404
        assert client.get(item.get_absolute_url()).status_code == expected, name
        assert client.post(url("comment", item.pk), {"text": "Hi"}).status_code in (
            (302, 400) if expected == 200 else (404,)
        ), name
    for box in ("inbox", "outbox", "all"):
        page = client.get(url("list"), {"box": box})
        assert page.status_code == 200
    everything = client.get(url("list"), {"box": "all"}).content.decode()
    for name, item in company.items():
        assert (item.subject in everything) == (name in SEES[key]), name
    assert client.get(url("create")).status_code == (200 if key in MAY_CREATE else 403)
    assert client.get(url("matrix")).status_code == (200 if key in COMPANY_WIDE else 403)
    levels = client.get(url("service_levels"))
    assert levels.status_code == (200 if key in COMPANY_WIDE else 403)
    saving = client.post(url("service_levels"), {})
    assert saving.status_code == (400 if key == "coo" else 403)
    assert client.get(url("detail", 999999)).status_code == 404


def test_boxes(cast, company, client):
    client.force_login(cast["head.fin"])
    inbox = client.get(url("list")).content.decode()  # the default for a head
    assert 'aria-current="page" data-testid="box-inbox"' in inbox
    assert "Budget figures for the docks" in inbox and "Invoices of the carriers" not in inbox
    outbox = client.get(url("list"), {"box": "outbox"}).content.decode()
    assert "Invoices of the carriers" in outbox and "Budget figures" not in outbox
    client.force_login(cast.staff("LOG"))
    inbox = client.get(url("list")).content.decode()
    assert "Invoices of the carriers" in inbox and "A second forklift" not in inbox
    assert url("create") not in inbox
    client.force_login(cast["ceo"])
    page = client.get(url("list")).content.decode()  # the default for the CEO: all
    assert all(item.subject in page for item in company.values())
    assert url("matrix") in page and url("create") not in page


def test_filters_and_exports(cast, company, client):
    late = company["fin_to_log"]
    CoordinationRequest.objects.filter(pk=late.pk).update(
        response_due_at=timezone.now() - timedelta(hours=1),
        needed_by=timezone.localdate() - timedelta(days=1),
    )
    request_move(request=company["log_to_ops"], user=cast["head.ops"], move="accept")
    client.force_login(cast["coo"])
    list_url = url("list")

    def subjects(**params) -> set[str]:
        page = client.get(list_url, {"box": "all", **params}).content.decode()
        return {item.subject for item in company.values() if item.subject in page}

    assert subjects(breached="true") == {"Invoices of the carriers"}
    assert subjects(breached="false") == {"Budget figures for the docks", "A second forklift"}
    assert subjects(overdue="true") == {"Invoices of the carriers"}
    assert subjects(status="accepted") == {"A second forklift"}
    assert subjects(status="active") == {item.subject for item in company.values()}
    assert subjects(from_department="FIN", to_department="LOG") == {"Invoices of the carriers"}
    assert subjects(to_department="OPS") == {"A second forklift"}
    assert subjects(search="forklift second") == {"A second forklift"}
    page = client.get(list_url, {"box": "all", "breached": "true"}).content.decode()
    assert 'data-testid="response-breached"' in page and 'data-testid="overdue"' in page

    rows = csv_rows(client.get(list_url, {"box": "all", "export": "csv", "breached": "true"}))
    header, body = rows[0], rows[1:]
    assert "Response target missed" in header and len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Subject"] == "Invoices of the carriers"
    assert (row["From department"], row["To department"]) == ("FIN", "LOG")
    assert row["Response target missed"] == "yes" and row["Past needed-by"] == "yes"
    rows = xlsx_rows(client.get(list_url, {"box": "all", "export": "xlsx"}))
    assert len(rows) == 4 and rows[0][1] == "Subject"
    # an export is scoped like the page
    client.force_login(cast["head.log"])
    rows = csv_rows(client.get(list_url, {"box": "all", "export": "csv"}))
    assert {r[1] for r in rows[1:]} == {"Invoices of the carriers", "A second forklift"}


# -- creating ----------------------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "from_department": "OPS",
        "to_department": "FIN",
        "subject": "Quarterly cost figures",
        "details": "For the board.",
        "needed_by": soon().isoformat(),
        "priority": "high",
    }
    data.update(overrides)
    return data


def test_create_page(cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    head = cast["head.ops"]
    client.force_login(head)
    page = client.get(url("create")).content.decode()
    assert 'value="OPS" selected' in page and 'value="FIN"' in page
    assert '<option value="FIN">' not in page.split('name="to_department"')[0]  # not asking as FIN
    before = snapshot()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(url("create"), form_data(needed_by=yesterday))
    assert response.status_code == 400
    assert "The needed-by date cannot be in the past." in response.content.decode()
    response = client.post(url("create"), form_data(to_department="OPS"))
    assert "A department does not send a request to itself." in response.content.decode()
    response = client.post(url("create"), form_data(from_department="FIN"))
    assert response.status_code == 400  # not one of the head's departments
    exe = SimpleUploadedFile("tool.exe", b"MZ..", content_type="application/octet-stream")
    response = client.post(url("create"), {**form_data(), "file": exe})
    assert response.status_code == 400
    assert "tool.exe cannot be attached" in response.content.decode()
    assert snapshot() == before  # the request was not kept without its file
    pdf = SimpleUploadedFile("costs.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(url("create"), {**form_data(from_department="LOG"), "file": pdf})
    created = CoordinationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert (created.from_department.code, created.to_department.code) == ("LOG", "FIN")
    assert created.requested_by == head and created.priority == "high"
    assert created.attachments.get().name == "costs.pdf"
    target = ServiceLevel.DEFAULTS["high"]
    assert created.response_due_at - created.created_at == pytest.approx(
        timedelta(hours=target[0]), abs=timedelta(seconds=5)
    )


def test_coo_chooses_the_department(cast, client):
    client.force_login(cast["coo"])
    response = client.post(url("create"), form_data(from_department="FIN", to_department="LOG"))
    created = CoordinationRequest.objects.get()
    assert response.status_code == 302
    assert (created.from_department.code, created.requested_by) == ("FIN", cast["coo"])


# -- the state machine through the pages -------------------------------------------------------


def moves_on(client, item) -> set[str]:
    page = client.get(item.get_absolute_url()).content.decode()
    names = ("accept", "decline", "start", "resolve", "close", "reopen", "reassign")
    return {name for name in names if f'data-testid="move-{name}"' in page}


def test_full_state_machine(cast, client):
    head_ops, head_fin = cast["head.ops"], cast["head.fin"]
    client.force_login(head_ops)
    client.post(url("create"), form_data(priority="normal"))
    item = CoordinationRequest.objects.get()
    assert moves_on(client, item) == set()  # the requester waits
    client.force_login(head_fin)
    assert moves_on(client, item) == {"accept", "decline", "start"}
    response = client.post(url("accept", item.pk), follow=True)
    assert "Request accepted." in response.content.decode()
    item.refresh_from_db()
    assert item.status == S.ACCEPTED and item.handler == head_fin
    assert item.first_response_at is not None
    assert moves_on(client, item) == {"decline", "start", "resolve"}
    client.post(url("start", item.pk))
    assert CoordinationRequest.objects.get(pk=item.pk).status == S.IN_PROGRESS
    # resolving needs a resolution: the service's message on the form, nothing written
    before = snapshot()
    response = client.post(url("resolve", item.pk), {"resolve-resolution": "  "})
    assert response.status_code == 400
    assert "Say how it was resolved." in response.content.decode()
    assert snapshot() == before
    # the receiving side may not close
    response = client.post(url("close", item.pk), follow=True)
    assert "Only the department that asked may do this." in response.content.decode()
    assert snapshot() == before
    client.post(url("resolve", item.pk), {"resolve-resolution": "Figures sent by mail."})
    item.refresh_from_db()
    assert item.status == S.RESOLVED and item.resolution == "Figures sent by mail."
    client.force_login(head_ops)
    assert moves_on(client, item) == {"close", "reopen"}
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Figures sent by mail." in page and 'data-state="met"' in page
    client.post(url("comment", item.pk), {"text": "Thanks, received."})
    response = client.post(url("close", item.pk), follow=True)
    assert "Request closed." in response.content.decode()
    item.refresh_from_db()
    assert item.status == S.CLOSED and item.closed_at is not None
    thread = list(item.updates.order_by("created_at", "pk").values_list("from_status", "to_status"))
    assert thread == [
        ("", "open"),
        ("open", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "resolved"),
        ("", ""),
        ("resolved", "closed"),
    ]
    # a closed request takes no comment: refused with the message, nothing written
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="comment-form"' not in page and 'data-testid="attachment-form"' not in page
    before = snapshot()
    response = client.post(url("comment", item.pk), {"text": "One more thing."})
    assert response.status_code == 400
    assert "A closed request cannot be changed." in response.content.decode()
    assert snapshot() == before


def test_decline_and_reopen(cast, client):
    item = ask(cast["head.ops"], "OPS", "FIN", "A new laptop")
    client.force_login(cast["head.fin"])
    before = snapshot()
    response = client.post(url("decline", item.pk), {"decline-reason": ""})
    assert response.status_code == 400
    assert "Give the reason for declining." in response.content.decode()
    assert snapshot() == before
    client.post(url("decline", item.pk), {"decline-reason": "Not in this year's budget."})
    item.refresh_from_db()
    assert item.status == S.DECLINED and item.decline_reason == "Not in this year's budget."
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="decline-reason"' in page
    # only the department that asked reopens
    response = client.post(url("reopen", item.pk), {"reopen-reason": "Please."}, follow=True)
    assert "Only the department that asked may do this." in response.content.decode()
    client.force_login(cast.manager("OPS"))
    before = snapshot()
    response = client.post(url("reopen", item.pk), {"reopen-reason": ""})
    assert response.status_code == 400
    assert "Say why it is reopened." in response.content.decode()
    assert snapshot() == before
    client.post(url("reopen", item.pk), {"reopen-reason": "The old one broke."})
    item.refresh_from_db()
    assert item.status == S.OPEN and item.reopen_count == 1 and item.decline_reason == ""
    # the auditor sees everything and moves nothing
    client.force_login(cast["auditor"])
    assert moves_on(client, item) == set()
    response = client.post(url("accept", item.pk), follow=True)
    assert "Only the department asked may do this." in response.content.decode()
    assert CoordinationRequest.objects.get(pk=item.pk).status == S.OPEN


def test_coo_reassigns(cast, client):
    item = ask(cast["head.ops"], "OPS", "FIN", "Docks budget")
    client.force_login(cast["head.ops"])
    response = client.post(url("reassign", item.pk), {"to_department": "LOG"}, follow=True)
    assert "Only the COO reassigns requests." in response.content.decode()
    coo = cast["coo"]
    client.force_login(coo)
    assert "reassign" in moves_on(client, item)
    before = snapshot()
    response = client.post(url("reassign", item.pk), {"to_department": "", "handler": ""})
    assert response.status_code == 400
    assert "Choose a department or a person." in response.content.decode()
    response = client.post(url("reassign", item.pk), {"handler": "nobody.at.all"})
    assert response.status_code == 400
    assert "No active person has this username." in response.content.decode()
    response = client.post(url("reassign", item.pk), {"to_department": "OPS"})
    assert "A department does not send a request to itself." in response.content.decode()
    assert snapshot() == before
    handler = cast.staff("LOG")
    response = client.post(
        url("reassign", item.pk),
        {"to_department": "LOG", "handler": handler.username, "note": "Logistics owns it."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.to_department.code == "LOG" and item.handler == handler
    assert item.updates.filter(text__contains="Logistics owns it.").exists()
    client.force_login(cast["head.fin"])  # no longer FIN's request
    assert client.get(item.get_absolute_url()).status_code == 404
    client.force_login(handler)  # the handler may now act on it
    assert moves_on(client, item) == {"accept", "decline", "start"}


def test_attachments(cast, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = ask(cast["head.ops"], "OPS", "FIN", "Signed contract")
    client.force_login(cast["head.fin"])
    add = url("attachment_add", item.pk)
    pdf = SimpleUploadedFile("contract.pdf", PDF_BYTES, content_type="application/pdf")
    assert client.post(add, {"file": pdf}).status_code == 302
    fake = SimpleUploadedFile("tool.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(add, {"file": fake}, follow=True)
    assert "tool.exe cannot be attached" in response.content.decode()
    attachment = item.attachments.get()
    assert attachment.name == "contract.pdf" and attachment.uploaded_by == cast["head.fin"]
    assert item.updates.filter(text__contains="contract.pdf").exists()
    download = url("attachment_download", item.pk, attachment.pk)
    assert download in client.get(item.get_absolute_url()).content.decode()
    response = client.get(download)
    assert response.status_code == 200 and content_of(response).startswith(b"%PDF")
    client.force_login(cast["head.log"])  # LOG neither sent nor received it
    assert client.get(download).status_code == 404
    pdf.seek(0)
    assert client.post(add, {"file": pdf}).status_code == 404
    client.force_login(cast["auditor"])  # reads it, attaches nothing
    assert client.get(download).status_code == 200
    pdf.seek(0)
    response = client.post(add, {"file": pdf}, follow=True)
    assert "Only the two departments and the COO may attach files." in response.content.decode()
    assert item.attachments.count() == 1
    other = ask(cast["head.fin"], "FIN", "LOG", "Another")
    assert client.get(url("attachment_download", other.pk, attachment.pk)).status_code == 404


# -- matrix, figures, service levels -----------------------------------------------------------


def test_matrix_and_figures(cast, company, client):
    ask(cast["head.ops"], "OPS", "FIN", "A second ask of Finance")
    closed = ask(cast["head.fin"], "FIN", "OPS", "Closed one")
    for move, user in (("accept", "head.ops"), ("start", "head.ops")):
        request_move(request=closed, user=cast[user], move=move)
    request_move(request=closed, user=cast["head.ops"], move="resolve", text="Done.")
    CoordinationRequest.objects.filter(pk=closed.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    request_move(request=closed, user=cast["head.fin"], move="close")
    client.force_login(cast["auditor"])
    response = client.get(url("matrix"))
    page = response.content.decode()
    rows = {row["department"].code: row for row in response.context["rows"]}
    columns = [d.code for d in response.context["columns"]]
    assert set(rows) == {"OPS", "FIN", "LOG"} and set(columns) == {"FIN", "LOG", "OPS"}
    cell = rows["OPS"]["cells"][columns.index("FIN")]
    assert cell["count"] == 2  # the closed FIN -> OPS request is not counted
    assert rows["FIN"]["cells"][columns.index("OPS")]["count"] == 0
    assert response.context["total"] == 4
    assert "from_department=OPS" in cell["url"] and "to_department=FIN" in cell["url"]
    assert cell["url"].replace("&", "&amp;") in page
    listed = client.get(cell["url"]).content.decode()
    assert "Budget figures for the docks" in listed and "A second ask of Finance" in listed
    assert "A second forklift" not in listed
    figures = {row["department"].code: row for row in response.context["figures"]}
    assert figures["FIN"]["received"] == 2 and figures["OPS"]["received"] == 2
    assert figures["OPS"]["resolved"] == 1
    assert figures["OPS"]["average_shown"]["unit"] == "days"
    assert figures["OPS"]["average_shown"]["value"] == pytest.approx(3, abs=0.01)
    assert figures["OPS"]["answered_in_time_pct"] == 100.0  # only the answered one counts
    assert "3.0 days" in page
    every = client.get(url("matrix"), {"all": "1"}).context
    assert len(every["columns"]) == Department.objects.filter(active=True).count()


def test_service_levels(cast, client):
    client.force_login(cast["ceo"])
    page = client.get(url("service_levels")).content.decode()
    assert "24 hours" in page and 'data-testid="service-level-form"' not in page
    client.force_login(cast["coo"])
    data = {}
    for priority, (hours, days) in ServiceLevel.DEFAULTS.items():
        data[f"{priority}-response_hours"] = hours
        data[f"{priority}-resolution_days"] = days
    data["normal-response_hours"] = 12
    data["low-response_hours"] = 24 * 30  # after the 20-day resolution: refused
    response = client.post(url("service_levels"), data)
    assert response.status_code == 400
    assert "The first response cannot be due after the resolution." in response.content.decode()
    assert not ServiceLevel.objects.exists()  # nothing partial
    data["low-response_hours"] = 36
    response = client.post(url("service_levels"), data, follow=True)
    assert "Service levels saved" in response.content.decode()
    levels = {s.priority: (s.response_hours, s.resolution_days) for s in ServiceLevel.objects.all()}
    assert levels["normal"] == (12, 10) and levels["low"] == (36, 20)
    item = ask(cast["head.ops"], "OPS", "FIN", "Under the new targets")
    assert item.response_due_at - item.created_at == pytest.approx(
        timedelta(hours=12), abs=timedelta(seconds=5)
    )


# -- home panels -------------------------------------------------------------------------------


def test_home_panels(cast, company, client):
    CoordinationRequest.objects.filter(pk=company["ops_to_fin"].pk).update(
        response_due_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(cast["head.fin"])
    page = client.get("/").content.decode()
    assert 'data-testid="panel-coordination-to-answer"' in page
    assert "Budget figures for the docks" in page and 'data-testid="response-breached"' in page
    assert 'data-testid="panel-coordination-to-confirm"' not in page
    item = company["ops_to_fin"]
    request_move(request=item, user=cast["head.fin"], move="start")
    request_move(request=item, user=cast["head.fin"], move="resolve", text="Sent.")
    client.force_login(cast["head.ops"])
    page = client.get("/").content.decode()
    assert 'data-testid="panel-coordination-to-confirm"' in page
    assert "Budget figures for the docks" in page
    client.force_login(cast.staff("LOG"))
    page = client.get("/").content.decode()
    assert "panel-coordination" not in page
    client.force_login(cast["coo"])
    page = client.get("/").content.decode()
    assert 'data-testid="panel-coordination-breached"' in page
    assert 'data-testid="breached-count">0<' in page
    CoordinationRequest.objects.filter(pk=company["fin_to_log"].pk).update(
        response_due_at=timezone.now() - timedelta(hours=1)
    )
    page = client.get("/").content.decode()
    assert 'data-testid="breached-count">1<' in page


# -- query counts ------------------------------------------------------------------------------


def grow(cast, count: int) -> None:
    """``count`` requests; every (pair, state) combination appears within twelve."""
    pairs = [("head.ops", "OPS", "FIN"), ("head.fin", "FIN", "LOG"), ("head.log", "LOG", "FIN")]
    for n in range(count):
        key, source, target = pairs[n % 3]
        item = ask(cast[key], source, target, f"Request {n}")
        receiver = cast[{"FIN": "head.fin", "LOG": "head.log"}[target]]
        state = n % 4
        if state >= 1:
            request_move(request=item, user=receiver, move="accept")
            item.updates.create(author=cast[key], text=f"Comment {n}")
        if state >= 2:
            request_move(request=item, user=receiver, move="resolve", text="Done.")
        if state == 3:
            request_move(request=item, user=cast[key], move="close")


def measure(cast, client) -> dict[str, int]:
    counts = {}
    for key in ("coo", "auditor", "head.fin", "manager:OPS", "staff:LOG"):
        user = user_of(cast, key)
        first = CoordinationRequest.objects.for_user(user).order_by("pk").first()
        client.force_login(user)
        counts[f"list {key}"] = count_queries(client, url("list"), box="all")
        counts[f"inbox {key}"] = count_queries(client, url("list"), box="inbox")
        counts[f"csv {key}"] = count_queries(client, url("list"), box="all", export="csv")
        counts[f"detail {key}"] = count_queries(client, first.get_absolute_url())
        counts[f"home {key}"] = count_queries(client, "/")
        if key in ("coo", "auditor"):
            counts[f"matrix {key}"] = count_queries(client, url("matrix"))
            counts[f"levels {key}"] = count_queries(client, url("service_levels"))
    return counts


def test_query_counts_do_not_grow(cast, client):
    grow(cast, 12)
    small = measure(cast, client)
    grow(cast, 24)
    large = measure(cast, client)
    assert small == large
    pages = {key: n for key, n in large.items() if not key.startswith("home")}
    assert max(pages.values()) <= 25, pages
    assert max(large.values()) <= 45, large  # the home page holds every app's panels
