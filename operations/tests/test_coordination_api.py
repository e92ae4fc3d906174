"""The coordination requests API: the flows, role by role scoping, 404 outside it, 403 for the
wrong side, 400 with field errors, filters and query counts that do not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from operations.models import CoordinationRequest, CoordinationUpdate
from operations.services.coordination import request_create, request_move
from operations.tests.helpers import said, state_name
from organization.models import Department

# Until coo_portal/api_urls.py registers the viewsets, the tests mount them themselves.
pytestmark = pytest.mark.django_db

URL = "/api/v1/coordination-requests/"
S = CoordinationRequest.Status


def soon(days: int = 7) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def ask(by, to: str = "FIN", *, subject: str = "Stock", frm: str | None = None):
    return request_create(
        user=by,
        to_department=Department.objects.get(code=to),
        from_department=Department.objects.get(code=frm) if frm else None,
        subject=subject,
        details="For the audit.",
        needed_by=timezone.localdate() + timedelta(days=7),
    )


def post(api, pk: int, move: str, data: dict | None = None):
    return api.post(f"{URL}{pk}/{move}/", data or {}, format="json")


# -- the flows ------------------------------------------------------------------------------------


def test_create_and_the_whole_way(cast, api_as):
    api = api_as(cast["head.ops"])
    response = api.post(
        URL,
        {
            "to_department": "FIN",
            "subject": "Headcount figures",
            "details": "For the quarterly review.",
            "needed_by": soon(),
            "priority": "urgent",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    item = response.json()
    assert item["status"] == "open" and item["priority"] == "urgent"
    assert (item["from_department"], item["to_department"]) == ("OPS", "FIN")
    assert item["requested_by"] == "head.ops" and item["handler"] is None
    assert item["response_breached"] is False and item["resolution_breached"] is False
    assert item["first_response_at"] is None and item["response_due_at"]
    assert set(item) >= {
        "id",
        "subject",
        "details",
        "needed_by",
        "decline_reason",
        "resolution",
        "resolution_due_at",
        "resolved_at",
        "closed_at",
        "created_at",
    }
    pk = item["id"]

    fin = api_as(cast["head.fin"])
    item = post(fin, pk, "accept").json()
    assert item["status"] == "accepted" and item["handler"] == "head.fin"
    assert item["first_response_at"] is not None
    assert post(fin, pk, "start").json()["status"] == "in_progress"
    response = post(fin, pk, "resolve")
    assert response.status_code == 400 and "resolution" in response.json()
    item = post(fin, pk, "resolve", {"resolution": "Sent by e-mail."}).json()
    assert item["status"] == "resolved" and item["resolution"] == "Sent by e-mail."
    assert item["resolved_at"] is not None

    ops = api_as(cast["head.ops"])
    response = post(ops, pk, "reopen")
    assert response.status_code == 400 and "reason" in response.json()
    item = post(ops, pk, "reopen", {"reason": "Only half of it."}).json()
    assert item["status"] == "in_progress" and item["resolved_at"] is None
    fin = api_as(cast["head.fin"])
    post(fin, pk, "resolve", {"resolution": "All of it now."})
    ops = api_as(cast["head.ops"])
    item = post(ops, pk, "close").json()
    assert item["status"] == "closed" and item["closed_at"] is not None

    thread = ops.get(f"{URL}{pk}/comments/").json()
    assert [(u["from_status"], u["to_status"], u["author"]) for u in thread] == [
        ("", "open", "head.ops"),
        ("open", "accepted", "head.fin"),
        ("accepted", "in_progress", "head.fin"),
        ("in_progress", "resolved", "head.fin"),
        ("resolved", "in_progress", "head.ops"),
        ("in_progress", "resolved", "head.fin"),
        ("resolved", "closed", "head.ops"),
    ]
    assert thread[3]["text"] == "Sent by e-mail." and not thread[3]["is_comment"]
    # A closed request cannot be edited.
    response = ops.post(f"{URL}{pk}/comments/", {"text": "One more thing"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": said(cast["head.ops"], "A closed request cannot be changed.")
    }
    assert post(ops, pk, "reopen", {"reason": "Again"}).status_code == 400


def test_decline_needs_a_reason_and_reopen(cast, api_as):
    pk = ask(cast["head.ops"]).pk
    fin = api_as(cast["head.fin"])
    for data in ({}, {"reason": "  "}):
        response = post(fin, pk, "decline", data)
        assert response.status_code == 400
        assert response.json() == {
            "reason": [said(cast["head.fin"], "Give the reason for declining.")]
        }
    assert CoordinationRequest.objects.get(pk=pk).status == S.OPEN
    assert CoordinationUpdate.objects.filter(request_id=pk).count() == 1
    item = post(fin, pk, "decline", {"reason": "Not ours."}).json()
    assert item["status"] == "declined" and item["decline_reason"] == "Not ours."
    ops = api_as(cast["head.ops"])
    item = post(ops, pk, "reopen", {"reason": "It is yours."}).json()
    assert item["status"] == "open" and item["decline_reason"] == ""


def test_comments(cast, api_as):
    pk = ask(cast["head.ops"]).pk
    api = api_as(cast["head.fin"])
    response = api.post(f"{URL}{pk}/comments/", {"text": "Which quarter?"}, format="json")
    assert response.status_code == 201
    comment = response.json()
    assert comment["author"] == "head.fin" and comment["is_comment"] is True
    assert comment["text"] == "Which quarter?" and comment["to_status"] == ""
    response = api.post(f"{URL}{pk}/comments/", {"text": " "}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    auditor = api_as(cast["auditor"])
    assert len(auditor.get(f"{URL}{pk}/comments/").json()) == 2
    response = auditor.post(f"{URL}{pk}/comments/", {"text": "Hello"}, format="json")
    assert response.status_code == 403
    outsider = api_as(cast.staff("LOG"))
    assert outsider.get(f"{URL}{pk}/comments/").status_code == 404
    assert outsider.post(f"{URL}{pk}/comments/", {"text": "Hi"}).status_code == 404
    assert CoordinationUpdate.objects.filter(request_id=pk).count() == 2


def test_the_coo_asks_steps_in_and_reassigns(cast, api_as):
    api = api_as(cast["coo"])
    response = api.post(
        URL, {"to_department": "FIN", "subject": "Audit", "needed_by": soon()}, format="json"
    )
    assert response.status_code == 400 and "from_department" in response.json()
    response = api.post(
        URL,
        {"from_department": "LOG", "to_department": "FIN", "subject": "Audit", "needed_by": soon()},
        format="json",
    )
    assert response.status_code == 201 and response.json()["from_department"] == "LOG"
    assert response.json()["priority"] == "normal"
    pk = response.json()["id"]
    response = post(api, pk, "reassign", {"to_department": "OPS", "note": "Theirs."})
    assert response.status_code == 200 and response.json()["to_department"] == "OPS"
    staff = cast.staff("OPS")
    response = post(api, pk, "reassign", {"handler": staff.username})
    assert response.json()["handler"] == staff.username
    response = post(api, pk, "reassign", {})
    assert response.status_code == 400 and "to_department" in response.json()
    response = post(api, pk, "reassign", {"to_department": "LOG"})
    assert response.status_code == 400
    assert response.json() == {
        "to_department": [said(cast["coo"], "A department does not send a request to itself.")]
    }
    response = post(api, pk, "reassign", {"to_department": "NOPE", "handler": "nobody"})
    assert response.status_code == 400 and set(response.json()) == {"to_department", "handler"}
    assert post(api, pk, "accept").json()["status"] == "accepted"
    assert post(api, pk, "resolve", {"resolution": "Settled."}).json()["status"] == "resolved"
    assert post(api, pk, "close").json()["status"] == "closed"
    head = api_as(cast["head.ops"])
    response = post(head, ask(cast["head.log"]).pk, "reassign", {"to_department": "OPS"})
    assert response.status_code == 403


# -- refusals -------------------------------------------------------------------------------------


def test_the_wrong_side_gets_403_and_nothing_changes(cast, api_as):
    pk = ask(cast["head.ops"]).pk
    for user in (cast["head.ops"], cast["ceo"], cast["auditor"], cast.staff("FIN")):
        api = api_as(user)
        for move in ("accept", "start"):
            response = post(api, pk, move)
            assert response.status_code == 403, (user, move)
            assert response.json() == {
                "detail": said(user, "Only the department asked may do this.")
            }
        assert post(api, pk, "decline", {"reason": "No"}).status_code == 403
    fin = api_as(cast["head.fin"])
    post(fin, pk, "start")
    post(fin, pk, "resolve", {"resolution": "Done."})
    for user in (cast["head.fin"], cast.manager("FIN"), cast["ceo"]):
        api = api_as(user)
        response = post(api, pk, "close")
        assert response.status_code == 403
        assert response.json() == {
            "detail": said(user, "Only the department that asked may do this.")
        }
        assert post(api, pk, "reopen", {"reason": "Again"}).status_code == 403
    assert CoordinationRequest.objects.get(pk=pk).status == S.RESOLVED
    assert CoordinationUpdate.objects.filter(request_id=pk).count() == 3


def test_the_wrong_state_gets_400(cast, api_as):
    pk = ask(cast["head.ops"]).pk
    fin = api_as(cast["head.fin"])
    response = post(fin, pk, "resolve", {"resolution": "Done."})
    assert response.status_code == 400
    assert state_name(cast["head.fin"], S.OPEN) in response.json()["detail"]
    ops = api_as(cast["head.ops"])
    assert post(ops, pk, "close").status_code == 400
    fin = api_as(cast["head.fin"])
    post(fin, pk, "accept")
    assert post(fin, pk, "accept").status_code == 400
    assert CoordinationRequest.objects.get(pk=pk).status == S.ACCEPTED


def test_outside_scope_is_404(cast, api_as):
    pk = ask(cast["head.ops"]).pk  # OPS -> FIN
    for user in (cast.staff("LOG"), cast.manager("LOG"), cast["head.log"]):
        api = api_as(user)
        assert api.get(f"{URL}{pk}/").status_code == 404
        for move in ("accept", "decline", "start", "resolve", "close", "reopen", "reassign"):
            assert post(api, pk, move, {"reason": "x", "resolution": "x"}).status_code == 404
    assert api_as(cast["head.fin"]).get(f"{URL}{pk}/").status_code == 200
    assert api_as(cast["auditor"]).get(f"{URL}{pk}/").status_code == 200
    assert api_as(cast.staff("OPS")).get(f"{URL}{pk}/").status_code == 200
    assert api_as(cast["head.ops"]).get(f"{URL}999999/").status_code == 404


def test_bad_input_gives_the_fields_and_writes_nothing(cast, api_as):
    api = api_as(cast["head.ops"])
    response = api.post(
        URL,
        {"to_department": "NOPE", "subject": "", "needed_by": "soon", "priority": "whenever"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"to_department", "subject", "needed_by", "priority"}
    response = api.post(URL, {}, format="json")
    assert set(response.json()) == {"to_department", "subject", "needed_by"}
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    for data, field in [
        ({"to_department": "OPS", "subject": "Self", "needed_by": soon()}, "to_department"),
        ({"to_department": "FIN", "subject": "Late", "needed_by": yesterday}, "needed_by"),
        ({"to_department": "FIN", "subject": "  ", "needed_by": soon()}, "subject"),
    ]:
        response = api.post(URL, data, format="json")
        assert response.status_code == 400 and field in response.json(), data
    response = api.post(
        URL,
        {"from_department": "FIN", "to_department": "LOG", "subject": "X", "needed_by": soon()},
        format="json",
    )
    assert response.status_code == 403
    assert not CoordinationRequest.objects.exists()
    assert not CoordinationUpdate.objects.exists()


@pytest.mark.parametrize("key", ["staff:LOG", "ceo", "auditor"])
def test_who_may_not_ask(cast, who, api_as, key):
    api = api_as(who(key))
    response = api.post(
        URL,
        {"from_department": "LOG", "to_department": "FIN", "subject": "X", "needed_by": soon()},
        format="json",
    )
    assert response.status_code == 403
    assert not CoordinationRequest.objects.exists()


def test_anonymous_is_refused(cast, api_client):
    assert api_client.get(URL).status_code in (401, 403)


# -- scoping and filters --------------------------------------------------------------------------


@pytest.fixture
def four(cast):
    return {
        "OPS>FIN": ask(cast["head.ops"], "FIN", subject="OPS>FIN").pk,
        "LOG>FIN": ask(cast["head.log"], "FIN", subject="LOG>FIN").pk,
        "FIN>LOG": ask(cast["head.fin"], "LOG", subject="FIN>LOG").pk,
        "OPS>LOG": ask(cast["head.ops"], "LOG", subject="OPS>LOG").pk,
    }


EVERYTHING = {"OPS>FIN", "LOG>FIN", "FIN>LOG", "OPS>LOG"}
SCOPES = {
    "ceo": EVERYTHING,
    "coo": EVERYTHING,
    "auditor": EVERYTHING,
    "head.ops": EVERYTHING,
    "head.log": {"LOG>FIN", "FIN>LOG", "OPS>LOG"},
    "head.fin": {"OPS>FIN", "LOG>FIN", "FIN>LOG"},
    "manager:OPS": EVERYTHING,
    "manager:FIN": {"OPS>FIN", "LOG>FIN", "FIN>LOG"},
    "staff:OPS": {"OPS>FIN", "OPS>LOG"},
    "staff:LOG": {"LOG>FIN", "FIN>LOG", "OPS>LOG"},
    "staff:FIN": {"OPS>FIN", "LOG>FIN", "FIN>LOG"},
}


@pytest.mark.parametrize("key", list(SCOPES))
def test_list_is_scoped_per_role(cast, who, api_as, four, key):
    body = api_as(who(key)).get(URL).json()
    assert body["count"] == len(SCOPES[key])
    assert {item["subject"] for item in body["results"]} == SCOPES[key]
    hidden = EVERYTHING - SCOPES[key]
    for subject in hidden:
        assert api_as(who(key)).get(f"{URL}{four[subject]}/").status_code == 404


def subjects(api, **params) -> set[str]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return {item["subject"] for item in response.json()["results"]}


def test_filters(cast, api_as, four):
    fin = api_as(cast["head.fin"])
    assert subjects(fin, box="inbox") == {"OPS>FIN", "LOG>FIN"}
    assert subjects(fin, box="outbox") == {"FIN>LOG"}
    coo = api_as(cast["coo"])
    assert subjects(coo, to_department="LOG") == {"FIN>LOG", "OPS>LOG"}
    assert subjects(coo, from_department="OPS") == {"OPS>FIN", "OPS>LOG"}
    assert subjects(coo, from_department="OPS", to_department="LOG") == {"OPS>LOG"}
    assert coo.get(URL, {"from_department": "NOPE"}).status_code == 400
    assert coo.get(URL, {"box": "sideways"}).status_code == 400
    request_move(
        request=CoordinationRequest.objects.get(pk=four["OPS>LOG"]),
        user=cast["head.log"],
        move="accept",
    )
    assert subjects(coo, status="accepted") == {"OPS>LOG"}
    assert subjects(coo, status="open") == EVERYTHING - {"OPS>LOG"}
    CoordinationRequest.objects.filter(pk=four["LOG>FIN"]).update(
        priority="urgent", response_due_at=timezone.now() - timedelta(hours=1)
    )
    CoordinationRequest.objects.filter(pk=four["FIN>LOG"]).update(
        resolution_due_at=timezone.now() - timedelta(hours=1)
    )
    assert subjects(coo, priority="urgent") == {"LOG>FIN"}
    assert subjects(coo, breached="true") == {"LOG>FIN", "FIN>LOG"}
    assert subjects(coo, breached="false") == {"OPS>FIN", "OPS>LOG"}
    item = coo.get(f"{URL}{four['LOG>FIN']}/").json()
    assert item["response_breached"] is True and item["resolution_breached"] is False
    CoordinationRequest.objects.filter(pk=four["OPS>FIN"]).update(details="The ledger, please")
    assert subjects(coo, search="LEDGER please") == {"OPS>FIN"}
    assert subjects(coo, search="OPS>") == {"OPS>FIN", "OPS>LOG"}


# -- query counts ---------------------------------------------------------------------------------


def grow(cast, count: int) -> None:
    ops, fin, log = cast["head.ops"], cast["head.fin"], cast["head.log"]
    for n in range(count):
        kind = n % 3
        if kind == 0:
            r = ask(ops, "FIN", subject=f"Ask {n}")
            request_move(request=r, user=fin, move="accept")
        elif kind == 1:
            r = ask(log, "FIN", subject=f"Ask {n}")
            request_move(request=r, user=fin, move="decline", text="No.")
        else:
            ask(fin, "LOG", subject=f"Ask {n}")


def queries(api, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = api.get(url, params or {})
        assert response.status_code == 200, url
    return len(context)


def measure(cast, api_as) -> dict[str, int]:
    counts = {}
    first = CoordinationRequest.objects.filter(to_department__code="LOG").order_by("pk").first()
    for key, user in [
        ("coo", cast["coo"]),
        ("head.ops", cast["head.ops"]),
        ("staff:LOG", cast.staff("LOG")),
    ]:
        api = api_as(user)
        counts[f"list {key}"] = queries(api, URL)
        counts[f"inbox {key}"] = queries(api, URL, {"box": "inbox", "breached": "false"})
        counts[f"detail {key}"] = queries(api, f"{URL}{first.pk}/")
        counts[f"thread {key}"] = queries(api, f"{URL}{first.pk}/comments/")
    return counts


def test_query_counts_do_not_grow(cast, api_as):
    grow(cast, 3)
    small = measure(cast, api_as)
    grow(cast, 20)
    first = CoordinationRequest.objects.filter(to_department__code="LOG").order_by("pk").first()
    for n in range(5):
        CoordinationUpdate.objects.create(request=first, author=cast["head.fin"], text=f"C{n}")
    large = measure(cast, api_as)
    assert small == large
    assert max(large.values()) <= 12, large
