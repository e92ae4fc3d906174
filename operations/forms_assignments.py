"""Forms and the filter set of the assignment pages. They parse input; the services decide."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from operations.filtersets import BootstrapFilterSet
from operations.models import Assignment
from organization.models import Department, User

SCOPES = [
    ("by_me", _("Assigned by me")),
    ("mine", _("Assigned to me or my department")),
    ("all", _("All I may see")),
]


class AssignmentFilterSet(BootstrapFilterSet):
    """Filters of the assignment list and the API alike."""

    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=Assignment.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    priority = django_filters.ChoiceFilter(
        choices=Assignment.Priority.choices, label=_("Priority"), empty_label=_("Any")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )

    class Meta:
        model = Assignment
        fields = ["search", "status", "priority", "overdue"]

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= Q(title__icontains=word) | Q(description__icontains=word)
        return queryset.filter(condition)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=Assignment.ACTIVE, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class AssignmentForm(forms.Form):
    """A new assignment: to one person (by username) or one department."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Assignment.Priority.choices, initial="normal"
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        to_field_name="username",
        required=False,
        help_text=_("Choose a person or a department."),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, person__active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["assignee"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"
        self.fields["department"].queryset = Department.objects.active().order_by("code")

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("assignee")) == bool(data.get("department")):
            self.add_error(
                "assignee",
                _("Assign it to one person or to one department, not both and not neither."),
            )
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))
