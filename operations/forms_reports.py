"""Forms of the work report and action item pages. They parse input; the services decide
(a required section, the rating's range, a return's comment are the services' to refuse)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from operations.models import ReportKind, WorkReport
from operations.models.reports import Weekday
from operations.services import reports as services
from organization.models import Department, Person, User
from organization.roles import Role, has_role
from organization.scoping import scope_of

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: KPI rows shown empty below the filled ones (more can be added by saving and editing again).
KPI_EXTRA = 3


def manager_of(user: User) -> User | None:
    """The active manager of ``user`` (the reviewer of their individual reports), if any."""
    person = Person.objects.filter(user=user).select_related("manager__user").first()
    if person is None or person.manager_id is None or not person.manager.user.is_active:
        return None
    return person.manager.user


def writable_departments(user: User):
    """Departments whose reports ``user`` may write (heads: theirs and those below)."""
    if not has_role(user, Role.DEPARTMENT_HEAD):
        return Department.objects.none()
    return Department.objects.filter(pk__in=scope_of(user).department_ids, active=True).order_by(
        "name"
    )


class SectionsForm(forms.Form):
    """The report's text sections. None is required here: a draft may be incomplete; the
    service refuses to submit a report with an empty required section."""

    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    accomplishments = forms.CharField(
        label=_("Accomplishments"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    problems = forms.CharField(
        label=_("Problems and risks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Each problem can become a tracked action item once the report is sent."),
    )
    next_steps = forms.CharField(
        label=_("Plan for the next period"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    support_needed = forms.CharField(
        label=_("Support needed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional."),
    )

    def sections(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in WorkReport.SECTIONS}


class ReportStartForm(SectionsForm):
    """A new report: which period, for whom, and its sections."""

    DEPARTMENT = "department"
    INDIVIDUAL = "individual"

    kind = forms.ChoiceField(label=_("Kind"), choices=ReportKind.choices)
    period_start = forms.DateField(
        label=_("First day of the period"),
        widget=DATE_WIDGET,
        help_text=_("A Monday for a weekly report, the 1st for a monthly one."),
    )
    author_kind = forms.ChoiceField(
        label=_("Report"),
        widget=forms.RadioSelect,
        choices=[],
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
    )

    field_order = ["kind", "period_start", "author_kind", "department", *WorkReport.SECTIONS]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        departments = list(writable_departments(user))
        self.manager = manager_of(user)
        choices = []
        if departments:
            choices.append((self.DEPARTMENT, _("A department report (reviewed by the COO)")))
        if self.manager is not None:
            choices.append(
                (
                    self.INDIVIDUAL,
                    _("My individual report to my manager, %(name)s")
                    % {"name": self.manager.display_name},
                )
            )
        self.fields["author_kind"].choices = choices
        if choices:
            self.fields["author_kind"].initial = choices[0][0]
        self.fields["department"].queryset = writable_departments(user)
        if departments:
            own = scope_of(user).own_department_id
            self.fields["department"].initial = next(
                (d.code for d in departments if d.pk == own), departments[0].code
            )
        else:
            del self.fields["department"]
        if len(choices) == 1:
            self.fields["author_kind"].widget = forms.HiddenInput()

    @property
    def may_start(self) -> bool:
        return bool(self.fields["author_kind"].choices)

    def start_data(self) -> dict:
        data = self.cleaned_data
        individual = data["author_kind"] == self.INDIVIDUAL
        return {
            "kind": data["kind"],
            "period_start": data["period_start"],
            "individual": individual,
            "department": None if individual else data.get("department"),
        }


def default_period_start(kind: str, today: dt.date | None = None) -> dt.date:
    """The last finished period of ``kind``: the one a report is due for now."""
    today = today or timezone.localdate()
    return services.previous_period_start(kind, services.period_of(kind, today)[0])


def start_initial(query) -> dict:
    """The create form's prefill from ``?kind=&period_start=`` (the reminders link there)."""
    kind = query.get("kind")
    if kind not in ReportKind.values:
        kind = ReportKind.WEEKLY
    initial = {"kind": kind, "period_start": default_period_start(kind)}
    with contextlib.suppress(ValueError):
        initial["period_start"] = dt.date.fromisoformat(query.get("period_start", ""))
    return initial


class KpiForm(forms.Form):
    """One KPI row. A row left entirely empty is ignored."""

    name = forms.CharField(label=_("KPI"), max_length=120, required=False)
    value = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=2, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    target = forms.DecimalField(label=_("Target"), max_digits=14, decimal_places=2, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.fields["value"].widget.attrs["step"] = "0.01"
        self.fields["target"].widget.attrs["step"] = "0.01"

    @property
    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(k) not in (None, "") for k in ("name", "value", "unit", "target"))

    def clean(self):
        data = super().clean()
        if self.has_content:
            if not (data.get("name") or "").strip() and "name" not in self.errors:
                self.add_error("name", _("Give every KPI row a name."))
            if data.get("value") is None and "value" not in self.errors:
                self.add_error("value", _("Give the value of every KPI row."))
        return data

    def row(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "value": data.get("value"),
            "unit": data.get("unit") or "",
            "target": data.get("target"),
        }


KpiFormSet = forms.formset_factory(KpiForm, extra=KPI_EXTRA, max_num=30, validate_max=True)


def kpi_formset(data=None, *, report: WorkReport | None = None):
    initial = None
    if report is not None:
        initial = [
            {"name": k.name, "value": k.value, "unit": k.unit, "target": k.target}
            for k in report.kpis.all()
        ]
    return KpiFormSet(data, initial=initial, prefix="kpis")


def kpis_from(formset) -> list[dict]:
    return [form.row() for form in formset.forms if form.has_content]


class ReturnForm(forms.Form):
    """The reviewer's reason for returning a report (ids apart from the review form's)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_return_%s")
        super().__init__(*args, **kwargs)

    comment = forms.CharField(
        label=_("What needs revising"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RatingField(forms.CharField):
    """A select of 1 to 5; the value goes to the service as typed, which checks its range."""

    def __init__(self, **kwargs):
        choices = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]
        super().__init__(widget=forms.Select(choices=choices), **kwargs)


class ReviewForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_review_%s")
        super().__init__(*args, **kwargs)

    rating = RatingField(
        label=_("Efficiency rating (1 to 5)"),
        required=False,
        help_text=_("1: far below expectations, 3: as expected, 5: outstanding."),
    )
    comment = forms.CharField(
        label=_("Review comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionItemForm(forms.Form):
    """A problem of the report turned into a tracked action item."""

    title = forms.CharField(label=_("Problem"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), to_field_name="username", required=False
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE_WIDGET, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            is_active=True, person__active=True
        ).order_by("last_name", "first_name", "username")
        self.fields["owner"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"


class ResolutionForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution or reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to close, cancel or reopen."),
    )


class ScheduleForm(forms.Form):
    """One department's schedules (a row of the schedules page): weekly and monthly."""

    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), to_field_name="code", widget=forms.HiddenInput
    )
    weekly_active = forms.BooleanField(label=_("Weekly reports expected"), required=False)
    weekday = forms.TypedChoiceField(label=_("Due weekday"), choices=Weekday.choices, coerce=int)
    weekly_time = forms.TimeField(
        label=_("Weekly due time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    monthly_active = forms.BooleanField(label=_("Monthly reports expected"), required=False)
    day_of_month = forms.IntegerField(label=_("Due day of the month"), min_value=1, max_value=28)
    monthly_time = forms.TimeField(
        label=_("Monthly due time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif name != "department":
                field.widget.attrs["class"] = "form-control form-control-sm"
        self.fields["day_of_month"].widget.attrs["style"] = "width: 5.5rem"

    def schedules(self) -> dict[str, services.Schedule]:
        data = self.cleaned_data
        return {
            ReportKind.WEEKLY: services.Schedule(
                kind=ReportKind.WEEKLY,
                weekday=data["weekday"],
                due_time=data["weekly_time"],
                active=data["weekly_active"],
            ),
            ReportKind.MONTHLY: services.Schedule(
                kind=ReportKind.MONTHLY,
                day_of_month=data["day_of_month"],
                due_time=data["monthly_time"],
                active=data["monthly_active"],
            ),
        }


def schedule_initial(department: Department, weekly, monthly) -> dict:
    return {
        "department": department.code,
        "weekly_active": weekly.active,
        "weekday": weekly.weekday,
        "weekly_time": weekly.due_time,
        "monthly_active": monthly.active,
        "day_of_month": monthly.day_of_month,
        "monthly_time": monthly.due_time,
    }


ScheduleFormSet = forms.formset_factory(ScheduleForm, extra=0)
