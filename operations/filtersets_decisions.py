"""The filter set of the decision log (status, department, decided by, dates, search)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from operations.filtersets import BootstrapFilterSet
from operations.models import DecisionRequest
from organization.models import Department, User


def deciders(request) -> object:
    """The people who have decided something (the CEO, past and present)."""
    return User.objects.filter(
        pk__in=DecisionRequest.objects.exclude(decided_by=None).values("decided_by")
    ).order_by("last_name", "first_name", "username")


class DecisionFilterSet(BootstrapFilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=DecisionRequest.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        label=_("Department"),
        empty_label=_("Any"),
    )
    decided_by = django_filters.ModelChoiceFilter(
        queryset=deciders,
        to_field_name="username",
        label=_("Decided by"),
        empty_label=_("Anyone"),
    )
    escalated_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Escalated from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    escalated_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Escalated until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = DecisionRequest
        fields = ["search", "status", "department", "decided_by", "escalated_from", "escalated_to"]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(title__icontains=word)
                | Q(context__icontains=word)
                | Q(instructions__icontains=word)
            )
        return queryset.filter(condition)
