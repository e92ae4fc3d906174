"""List and detail pages (and the API list) run a fixed number of SQL queries, whatever the
number of regulations: the same with 3 as with 15."""

from __future__ import annotations

import pytest
from django.urls import reverse

from operations.models import Regulation
from operations.services.regulations import acknowledgement_record, attachment_add
from operations.tests.helpers import (
    PDF_BYTES,
    content_of,
    count_queries,
    make,
    publish,
    start_version,
    upload,
)


def grow(cast, start: int, stop: int) -> None:
    """More regulations, through the services: published or not, with new versions, steps,
    attachments, chosen audiences and acknowledgements."""
    for n in range(start, stop):
        variant = n % 4
        if variant == 0:
            regulation = make(cast["coo"], f"Policy {n:02d}", kind=Regulation.Kind.POLICY)
            publish(cast, regulation)
            start_version(cast, regulation, f"Policy {n}, second text.")
        elif variant == 1:
            regulation = make(
                cast["head.ops"],
                f"Dock rule {n:02d}",
                kind=Regulation.Kind.DEPARTMENT_RULE,
                department_code="OPS",
                audience=["OPS"],
                category=f"Category {n}",
            )
            publish(cast, regulation)
            acknowledgement_record(regulation=regulation, user=cast.staff("LOG"))
        elif variant == 2:
            regulation = make(
                cast["head.log"],
                f"Procedure {n:02d}",
                kind=Regulation.Kind.PROCEDURE,
                department_code="LOG",
            )
            attachment_add(
                version=regulation.latest_version,
                user=cast["head.log"],
                upload=upload(f"form-{n}.pdf", PDF_BYTES, "application/pdf"),
            )
            publish(cast, regulation)
        else:
            make(cast["head.fin"], f"Cash rule {n:02d}", department_code="FIN")


def measure(client, api, detail_pk: int) -> dict[str, int]:
    pages = {
        "list": (reverse("operations:regulation_list"), {}),
        "list-filtered": (reverse("operations:regulation_list"), {"status": "published"}),
        "list-export": (reverse("operations:regulation_list"), {"export": "csv"}),
        "detail": (reverse("operations:regulation_detail", args=[detail_pk]), {}),
        "to-acknowledge": (reverse("operations:regulation_to_acknowledge"), {}),
        "home": ("/", {}),
    }
    counts = {name: count_queries(client, path, **params) for name, (path, params) in pages.items()}
    counts["api-list"] = count_queries(api, "/api/v1/regulations/")
    counts["api-detail"] = count_queries(api, f"/api/v1/regulations/{detail_pk}/")
    return counts


@pytest.mark.parametrize("role", ["coo", "head.ops", "staff:LOG", "head.fin"])
def test_pages_run_the_same_queries_with_3_or_15_regulations(
    cast, who, client, api_as, role, django_assert_num_queries
):
    grow(cast, 0, 3)
    first = Regulation.objects.order_by("pk").first()  # in force, with a second version drafted
    user = who(role)
    client.force_login(user)
    api = api_as(user)
    small = measure(client, api, first.pk)

    grow(cast, 3, 15)
    assert Regulation.objects.count() == 15
    large = measure(client, api, first.pk)

    assert large == small
    # And pinned, for the lists: whatever rows they show, the same number of queries.
    listing = reverse("operations:regulation_list")
    with django_assert_num_queries(small["list"]):
        response = client.get(listing)
    shown = len(response.context["regulations"])
    assert shown == Regulation.objects.for_user(who(role)).count()
    assert shown >= 4  # the pages above had rows to show, not an empty list
    with django_assert_num_queries(small["api-list"]):
        body = api.get("/api/v1/regulations/").json()
    assert body["count"] == shown
    assert content_of(client.get(listing, {"export": "csv"})).count(b"\n") == shown + 1
