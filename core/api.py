"""Framework pieces of the REST API: pagination and error format."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    """DRF's handler, taught the portal's own errors.

    Every error is JSON: ``{"detail": "..."}`` or ``{"field": ["message", ...]}``.
    """
    if isinstance(exc, ApplicationError):
        body = {exc.field: [str(exc.message)]} if exc.field else {"detail": str(exc.message)}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {
                (field if field != "__all__" else "non_field_errors"): [str(m) for m in msgs]
                for field, msgs in exc.message_dict.items()
            }
        else:
            body = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "Permission denied."}, status=403)
    return drf_exception_handler(exc, context)
