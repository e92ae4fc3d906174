"""One FilterSet per model, used by the list pages and the API alike."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.models import State
from operations.models import Regulation, RegulationVersion
from organization.models import Department, User


def with_shown_version(queryset: QuerySet[Regulation], user) -> QuerySet[Regulation]:
    """Annotate ``latest_visible``: whether ``user`` may see the regulation's latest version.

    The version shown to a user is the latest one when they may see it (authors, their
    overseers, the company-wide roles: drafts and decisions included), and the version in
    force otherwise; the list, its status filter, its export and the API agree on this.
    Visibility is ``RegulationVersion.objects.for_user``, not a rule of its own.
    """
    if "latest_visible" in queryset.query.annotations:
        return queryset
    visible = RegulationVersion.objects.for_user(user).filter(pk=OuterRef("latest_version_id"))
    return queryset.annotate(latest_visible=Exists(visible))


def shown_version(regulation: Regulation) -> RegulationVersion | None:
    """The version shown of a regulation annotated by :func:`with_shown_version`."""
    if getattr(regulation, "latest_visible", False) and regulation.latest_version_id:
        return regulation.latest_version
    return regulation.current_version


def review_horizon():
    """The last day a review counts as due soon (the reminder window of the daily job)."""
    return timezone.localdate() + timedelta(days=settings.REGULATION_REVIEW_REMINDER_DAYS)


class BootstrapFilterSet(django_filters.FilterSet):
    """Gives the filter widgets Bootstrap's classes, for the shared filter form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class RegulationFilterSet(BootstrapFilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(
        choices=Regulation.Kind.choices, label=_("Kind"), empty_label=_("Any")
    )
    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        null_label=_("Company-wide"),
        label=_("Department"),
        empty_label=_("Any"),
    )
    status = django_filters.ChoiceFilter(
        choices=State.choices, method="filter_status", label=_("Status"), empty_label=_("Any")
    )
    category = django_filters.CharFilter(
        lookup_expr="iexact",
        label=_("Category"),
        widget=forms.TextInput(attrs={"list": "regulation-categories"}),
    )
    due_for_review = django_filters.BooleanFilter(
        method="filter_due_for_review",
        label=_("Due for review"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = Regulation
        fields = ["search", "kind", "department", "status", "category", "due_for_review"]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(title__icontains=word) | Q(category__icontains=word)
        return queryset.filter(condition)

    def filter_status(self, queryset, name, value):
        """The status of the version shown to the user (see :func:`with_shown_version`)."""
        user = getattr(self.request, "user", None)
        if user is None:
            return queryset.filter(latest_version__status=value)
        queryset = with_shown_version(queryset, user)
        return queryset.filter(
            Q(latest_visible=True, latest_version__status=value)
            | Q(latest_visible=False, current_version__status=value)
        )

    def filter_due_for_review(self, queryset, name, value):
        due = Regulation.objects.due_for_review(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=due) if value else queryset.exclude(pk__in=due)


class NotAcknowledgedFilterSet(BootstrapFilterSet):
    """Filters of the "who has not acknowledged" list (rows are users)."""

    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    department = django_filters.ModelChoiceFilter(
        field_name="person__department",
        queryset=Department.objects.order_by("code"),
        to_field_name="code",
        label=_("Department"),
        empty_label=_("Any"),
    )

    class Meta:
        model = User
        fields = ["search", "department"]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(username__icontains=word)
            )
        return queryset.filter(condition)
