"""The filter set of coordination requests (the list page and the API alike), and the query
conditions the list, its tabs and the home panels share."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from operations.filtersets import BootstrapFilterSet
from operations.models import CoordinationRequest
from organization.models import Department
from organization.scoping import scope_of

Status = CoordinationRequest.Status

#: The pseudo-status of the requests still waiting for the receiving department.
ACTIVE = "active"

YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def my_department_ids(user) -> set[int]:
    """The departments ``user`` speaks for: their own, and those they oversee."""
    scope = scope_of(user)
    ids = set(scope.department_ids)
    if scope.own_department_id is not None:
        ids.add(scope.own_department_id)
    return ids


def inbox_q(user) -> Q:
    """Requests to the user's departments, or handled by the user."""
    return Q(to_department_id__in=my_department_ids(user)) | Q(handler=user)


def outbox_q(user) -> Q:
    """Requests from the user's departments, or made by the user."""
    return Q(from_department_id__in=my_department_ids(user)) | Q(requested_by=user)


def response_breached_q(now=None) -> Q:
    """The first answer came after its target, or is still missing past it (as
    ``CoordinationRequest.response_breached``)."""
    now = now or timezone.now()
    return Q(first_response_at__isnull=False, first_response_at__gt=F("response_due_at")) | Q(
        first_response_at__isnull=True, status=Status.OPEN, response_due_at__lt=now
    )


def resolution_breached_q(now=None) -> Q:
    """Resolved after its target, or still active past it (as
    ``CoordinationRequest.resolution_breached``)."""
    now = now or timezone.now()
    return Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due_at")) | Q(
        resolved_at__isnull=True,
        status__in=CoordinationRequest.ACTIVE,
        resolution_due_at__lt=now,
    )


def breached_q(now=None) -> Q:
    now = now or timezone.now()
    return response_breached_q(now) | resolution_breached_q(now)


def overdue_q(today=None) -> Q:
    """Still active past the needed-by date (as ``CoordinationRequest.is_past_needed_by``)."""
    return Q(status__in=CoordinationRequest.ACTIVE, needed_by__lt=today or timezone.localdate())


class CoordinationRequestFilterSet(BootstrapFilterSet):
    """Filters of the coordination list (and the API)."""

    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=[(ACTIVE, _("Waiting (open, accepted, in progress)")), *Status.choices],
        method="filter_status",
        label=_("Status"),
        empty_label=_("Any"),
    )
    priority = django_filters.ChoiceFilter(
        choices=CoordinationRequest._meta.get_field("priority").choices,
        label=_("Priority"),
        empty_label=_("Any"),
    )
    from_department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        label=_("From department"),
        empty_label=_("Any"),
    )
    to_department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        label=_("To department"),
        empty_label=_("Any"),
    )
    breached = django_filters.BooleanFilter(
        method="filter_breached",
        label=_("Target missed"),
        widget=forms.Select(choices=YES_NO),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Past needed-by"),
        widget=forms.Select(choices=YES_NO),
    )

    class Meta:
        model = CoordinationRequest
        fields = [
            "search",
            "status",
            "priority",
            "from_department",
            "to_department",
            "breached",
            "overdue",
        ]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(subject__icontains=word) | Q(details__icontains=word)
        return queryset.filter(condition)

    def filter_status(self, queryset, name, value):
        if value == ACTIVE:
            return queryset.filter(status__in=CoordinationRequest.ACTIVE)
        return queryset.filter(status=value)

    def filter_breached(self, queryset, name, value):
        condition = breached_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_overdue(self, queryset, name, value):
        condition = overdue_q()
        return queryset.filter(condition) if value else queryset.exclude(condition)
