"""Filter sets of the work report and action item lists (pages, exports and the API alike)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from operations.filtersets import BootstrapFilterSet
from operations.models import ActionItem, ReportKind, WorkReport
from organization.models import Department, User

YES_NO = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class WorkReportFilterSet(BootstrapFilterSet):
    """Kind, status, department, period, on time or late, department or individual reports."""

    TIMELINESS = [("on_time", _("On time")), ("late", _("Late"))]
    AUTHORSHIP = [("department", _("Department reports")), ("individual", _("Individual reports"))]

    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(
        choices=ReportKind.choices, label=_("Kind"), empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        choices=WorkReport.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        label=_("Department"),
        empty_label=_("Any"),
    )
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("Period from"), widget=DateInput()
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("Period to"), widget=DateInput()
    )
    timeliness = django_filters.ChoiceFilter(
        choices=TIMELINESS, method="filter_timeliness", label=_("On time"), empty_label=_("Any")
    )
    authorship = django_filters.ChoiceFilter(
        choices=AUTHORSHIP, method="filter_authorship", label=_("Reports"), empty_label=_("All")
    )

    class Meta:
        model = WorkReport
        fields = [
            "search",
            "kind",
            "status",
            "department",
            "period_from",
            "period_to",
            "timeliness",
            "authorship",
        ]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(summary__icontains=word)
                | Q(accomplishments__icontains=word)
                | Q(problems__icontains=word)
                | Q(next_steps__icontains=word)
                | Q(department__name__icontains=word)
                | Q(department__code__iexact=word)
                | Q(author__first_name__icontains=word)
                | Q(author__last_name__icontains=word)
            )
        return queryset.filter(condition)

    def filter_timeliness(self, queryset, name, value):
        return queryset.filter(on_time=value == "on_time")

    def filter_authorship(self, queryset, name, value):
        return queryset.filter(individual=value == "individual")


class ActionItemFilterSet(BootstrapFilterSet):
    """Status, department, owner and overdue."""

    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=ActionItem.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        label=_("Department"),
        empty_label=_("Any"),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(action_items__isnull=False)
        .distinct()
        .order_by("last_name", "first_name", "username"),
        to_field_name="username",
        label=_("Owner"),
        empty_label=_("Anyone"),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue"), widget=forms.Select(choices=YES_NO)
    )

    class Meta:
        model = ActionItem
        fields = ["search", "status", "department", "owner", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["owner"].label_from_instance = lambda u: u.display_name

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(title__icontains=word) | Q(description__icontains=word)
        return queryset.filter(condition)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=ActionItem.ACTIVE, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
