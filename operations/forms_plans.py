"""Forms and filter sets of the annual plan pages. They parse input; the services decide.

Bounds that are business rules (weights from 1 to 100, percentages up to 100, milestone dates
inside the plan's year) are left to ``operations.services.plans``, so that the page shows the
service's own message and a refused form writes nothing.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from operations.filtersets import BootstrapFilterSet
from operations.models import AnnualPlan, Milestone
from operations.services import plans as services
from operations.services.regulations import ALLOWED_UPLOADS
from organization.models import Department, User
from organization.scoping import descendants

COMPANY = "company"


def _owner_queryset(plan: AnnualPlan | None, current: User | None = None):
    """People who may own an objective or a milestone: the active people of the plan's
    department and the departments below it (everyone active for the company plan), and the
    current owner."""
    people = Q(person__active=True)
    if plan is not None and plan.department_id is not None:
        people &= Q(person__department_id__in=descendants({plan.department_id}))
    if current is not None:
        people |= Q(pk=current.pk)
    return (
        User.objects.filter(is_active=True)
        .filter(people)
        .order_by("last_name", "first_name", "username")
    )


class OwnerField(forms.ModelChoiceField):
    """A person, chosen by username."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault("to_field_name", "username")
        super().__init__(**kwargs)

    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.username})"


def creatable_departments(user) -> list[Department]:
    """The active departments whose plan ``user`` may start."""
    return [
        d
        for d in Department.objects.managed_by(user).active().order_by("code")
        if services.may_create_plan(user, d)
    ]


def may_create_any_plan(user) -> bool:
    return services.may_create_plan(user, None) or bool(creatable_departments(user))


def plan_years(today: dt.date | None = None) -> list[int]:
    """The years a plan may be started for (the service's rule: last, this and next year)."""
    today = today or timezone.localdate()
    return [today.year - 1, today.year, today.year + 1]


class PlanCreateForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    department = forms.ChoiceField(label=_("Plan of"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in plan_years()]
        self.fields["year"].initial = timezone.localdate().year
        self._departments = {d.code: d for d in creatable_departments(user)}
        choices = []
        if services.may_create_plan(user, None):
            choices.append((COMPANY, _("The company")))
        choices += [(d.code, str(d)) for d in self._departments.values()]
        self.fields["department"].choices = choices

    def clean_department(self) -> Department | None:
        code = self.cleaned_data["department"]
        if code == COMPANY:
            return None
        return self._departments[code]


class RevisionSummaryForm(forms.Form):
    summary_of_changes = forms.CharField(
        label=_("Summary of changes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What this revision changes, and why: the approver reads it."),
    )


class NewRevisionForm(RevisionSummaryForm):
    summary_of_changes = forms.CharField(
        label=_("Summary of changes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What this revision changes, and why: the approver reads it."),
        error_messages={"required": _("Say what this revision changes.")},
    )


class ObjectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        help_text=_("Its share of the plan, from 1 to 100; the weights of a plan add up to 100."),
    )
    kpi_name = forms.CharField(label=_("KPI"), max_length=120)
    kpi_unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    baseline = forms.DecimalField(label=_("Baseline"), max_digits=14, decimal_places=2, initial=0)
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2)
    owner = OwnerField(label=_("Owner"))

    def __init__(self, *args, plan: AnnualPlan, current_owner: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owner_queryset(plan, current_owner)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    owner = OwnerField(label=_("Owner"))

    def __init__(self, *args, plan: AnnualPlan, current_owner: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _owner_queryset(plan, current_owner)


def month_choices(year: int, today: dt.date | None = None) -> list[tuple[str, str]]:
    """The months of ``year`` that have started, latest first."""
    today = today or timezone.localdate()
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [
        (dt.date(year, m, 1).isoformat(), date_format(dt.date(year, m, 1), "YEAR_MONTH_FORMAT"))
        for m in range(last, 0, -1)
    ]


class ProgressForm(forms.Form):
    month = forms.TypedChoiceField(label=_("Month"), coerce=dt.date.fromisoformat, empty_value=None)
    kpi_value = forms.DecimalField(
        label=_("KPI value"), max_digits=14, decimal_places=2, required=False
    )
    percent_complete = forms.IntegerField(label=_("Progress (%)"))
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices(year)


class MilestoneUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))
    percent_complete = forms.IntegerField(label=_("Complete (%)"), required=False)
    evidence_note = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What shows the work is done: a reference, a result, a link."),
    )
    evidence_file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ALLOWED_UPLOADS))}),
        help_text=_("PDF, Office documents or images, 20 MB at most. Replaces the current file."),
    )

    def __init__(self, *args, milestone: Milestone, may_cancel: bool, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": milestone.status,
                "percent_complete": milestone.percent_complete,
                "evidence_note": milestone.evidence_note,
            },
        )
        super().__init__(*args, **kwargs)
        statuses = {milestone.status, *services.MILESTONE_TARGETS}
        if not may_cancel and milestone.status != Milestone.Status.CANCELLED:
            statuses.discard(Milestone.Status.CANCELLED)
        self.fields["status"].choices = [
            (value, label) for value, label in Milestone.Status.choices if value in statuses
        ]


# -- filters ---------------------------------------------------------------------------------


class MilestoneFilterSet(BootstrapFilterSet):
    """Filters of the timeline and of "my milestones"."""

    department = django_filters.ChoiceFilter(
        method="filter_department", label=_("Plan"), empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        choices=Milestone.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    owner = django_filters.CharFilter(method="filter_owner", label=_("Owner"))

    class Meta:
        model = Milestone
        fields = ["department", "status", "owner"]

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["department"].choices = [
            (COMPANY, _("The company plan")),
            *((d.code, str(d)) for d in departments),
        ]

    def filter_department(self, queryset, name, value):
        if value == COMPANY:
            return queryset.filter(objective__revision__plan__department__isnull=True)
        return queryset.filter(objective__revision__plan__department__code=value)

    def filter_owner(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            condition &= (
                Q(owner__username__icontains=word)
                | Q(owner__first_name__icontains=word)
                | Q(owner__last_name__icontains=word)
            )
        return queryset.filter(condition)


class MyMilestoneFilterSet(BootstrapFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Milestone.Status.choices, label=_("Status"), empty_label=_("Any")
    )
    year = django_filters.NumberFilter(
        field_name="objective__revision__plan__year", label=_("Year")
    )

    class Meta:
        model = Milestone
        fields = ["status", "year"]
