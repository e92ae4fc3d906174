"""The REST API's error format and pagination (core.api)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.test import APIRequestFactory

from core import api
from core.exceptions import ApplicationError, NotAllowed

CONTEXT = {"view": None, "args": (), "kwargs": {}, "request": None}


def handle(exc):
    return api.exception_handler(exc, CONTEXT)


def test_the_api_uses_the_portals_handler():
    assert api_settings.EXCEPTION_HANDLER is api.exception_handler


def test_an_application_error_is_a_400_with_detail():
    response = handle(ApplicationError("The budget is closed."))
    assert response.status_code == 400
    assert response.data == {"detail": "The budget is closed."}


def test_an_application_error_naming_a_field_is_a_400_on_that_field():
    response = handle(ApplicationError("Must be positive.", field="amount"))
    assert response.status_code == 400
    assert response.data == {"amount": ["Must be positive."]}


def test_a_lazy_message_is_rendered_as_text():
    response = handle(ApplicationError(gettext_lazy("Lazy message.")))
    assert response.data == {"detail": "Lazy message."}
    assert type(response.data["detail"]) is str


def test_not_allowed_is_a_403():
    response = handle(NotAllowed("Only the COO may close a budget."))
    assert response.status_code == 403
    assert response.data == {"detail": "Only the COO may close a budget."}


def test_not_allowed_on_a_field_is_a_403_on_that_field():
    response = handle(NotAllowed("You may not change this.", field="head"))
    assert response.status_code == 403
    assert response.data == {"head": ["You may not change this."]}


def test_a_django_validation_error_is_a_400_per_field():
    exc = DjangoValidationError(
        {
            "name": ["This field is required.", "Too short."],
            "code": [DjangoValidationError("%(value)s is taken.", params={"value": "OPS"})],
            "__all__": ["The dates overlap."],
        }
    )
    response = handle(exc)
    assert response.status_code == 400
    assert response.data == {
        "name": ["This field is required.", "Too short."],
        "code": ["OPS is taken."],
        "non_field_errors": ["The dates overlap."],
    }


@pytest.mark.parametrize(
    ("exc", "messages"),
    [
        (DjangoValidationError("Just wrong."), ["Just wrong."]),
        (DjangoValidationError(["First.", "Second."]), ["First.", "Second."]),
    ],
)
def test_a_django_validation_error_without_fields_is_non_field(exc, messages):
    response = handle(exc)
    assert response.status_code == 400
    assert response.data == {"non_field_errors": messages}


def test_django_permission_denied_is_a_403():
    assert handle(PermissionDenied("Not yours.")).data == {"detail": "Not yours."}
    response = handle(PermissionDenied())
    assert response.status_code == 403
    assert response.data == {"detail": "Permission denied."}


def test_drf_errors_keep_drfs_format():
    response = handle(drf_exceptions.NotFound())
    assert response.status_code == 404
    assert "detail" in response.data

    response = handle(drf_exceptions.ValidationError({"name": ["Bad."]}))
    assert response.status_code == 400
    assert response.data == {"name": ["Bad."]}


def test_an_unexpected_error_is_left_to_propagate():
    assert handle(RuntimeError("boom")) is None


# --- pagination ---------------------------------------------------------------------------


def _page(query: str, items: list[int]):
    request = Request(APIRequestFactory().get("/api/v1/things/" + query))
    paginator = api.Pagination()
    page = paginator.paginate_queryset(items, request)
    return paginator.get_paginated_response(page).data


def test_pagination_default_page_size_comes_from_settings(settings):
    data = _page("", list(range(120)))
    assert data["count"] == 120
    assert data["results"] == list(range(settings.REST_FRAMEWORK["PAGE_SIZE"]))
    assert "page=2" in data["next"]


def test_pagination_page_size_may_be_chosen_up_to_500():
    assert len(_page("?page_size=7", list(range(20)))["results"]) == 7
    assert len(_page("?page_size=10000", list(range(800)))["results"]) == 500
