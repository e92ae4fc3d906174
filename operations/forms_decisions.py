"""Forms of the escalation and decision pages. They parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from operations.models import Assignment, DecisionOption
from operations.services.decisions import FollowUp
from organization.models import Department, User

OPTION_ROWS = 4
FOLLOW_UP_ROWS = 2

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionForm(forms.Form):
    """What the COO brings to the CEO (the options are a formset beside it)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    context = forms.CharField(
        label=_("Context"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The problem, what has been tried, and why it needs the CEO."),
    )
    recommendation = forms.CharField(
        label=_("Recommendation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Which option you recommend, and why."),
    )
    deadline = forms.DateField(label=_("Decide by"), widget=DATE_INPUT)
    department = forms.ModelChoiceField(
        label=_("Department concerned"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.active().order_by("code")
        self.fields["department"].label_from_instance = lambda d: f"{d.code} · {d.name}"


class OptionForm(forms.Form):
    """One option. A row left entirely empty is ignored (the service drops it)."""

    title = forms.CharField(label=_("Option"), max_length=200, required=False)
    pros = forms.CharField(
        label=_("Pros"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    cons = forms.CharField(
        label=_("Cons"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def row(self) -> dict:
        data = getattr(self, "cleaned_data", {})
        return {key: (data.get(key) or "").strip() for key in ("title", "pros", "cons")}


OptionFormSet = formset_factory(OptionForm, extra=OPTION_ROWS, max_num=10, validate_max=True)


def option_formset(data=None) -> forms.BaseFormSet:
    return OptionFormSet(data, prefix="options")


def options_from(formset) -> list[dict]:
    """Every row of a valid formset, blank ones included (the service drops those)."""
    return [form.row() for form in formset.forms]


class DecideForm(forms.Form):
    """The CEO's decision: one of the request's options, and instructions."""

    option = forms.TypedChoiceField(
        label=_("Option chosen"), widget=forms.RadioSelect, coerce=int, choices=()
    )
    instructions = forms.CharField(
        label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, options: list[DecisionOption] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.options = {o.pk: o for o in options}
        self.fields["option"].choices = [(o.pk, o.title) for o in options]

    def clean_option(self) -> DecisionOption:
        """The chosen option itself, so that the service never mistakes an id for a number."""
        return self.options[self.cleaned_data["option"]]


def people_choices() -> list[tuple[str, str]]:
    """Active people, for the follow-up rows' person select (one query for all rows)."""
    users = User.objects.filter(is_active=True, person__active=True).order_by(
        "last_name", "first_name", "username"
    )
    return [("", "---------")] + [(u.username, f"{u.display_name} ({u.username})") for u in users]


def department_choices() -> list[tuple[str, str]]:
    departments = Department.objects.active().order_by("code")
    return [("", "---------")] + [(d.code, f"{d.code} · {d.name}") for d in departments]


class FollowUpForm(forms.Form):
    """One follow-up assignment to create with the decision; an empty row is ignored."""

    title = forms.CharField(label=_("Follow-up task"), max_length=200, required=False)
    assignee = forms.ChoiceField(label=_("Person"), required=False, choices=())
    department = forms.ChoiceField(label=_("or department"), required=False, choices=())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE_INPUT)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Assignment.Priority.choices, initial="normal", required=False
    )

    def __init__(self, *args, people=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = people
        self.fields["department"].choices = departments
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-sm")

    @property
    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(k) for k in ("title", "assignee", "department", "due_date"))

    def clean(self):
        data = super().clean()
        if not self.has_content:
            return data
        if not (data.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("Give every follow-up task a title."))
        due = data.get("due_date")
        if due is None and "due_date" not in self.errors:
            self.add_error("due_date", _("Give every follow-up task a due date."))
        elif due is not None and due < timezone.localdate():
            self.add_error("due_date", _("The due date cannot be in the past."))
        if bool(data.get("assignee")) == bool(data.get("department")):
            self.add_error(
                "assignee",
                _("Assign it to one person or to one department, not both and not neither."),
            )
        return data


FollowUpFormSet = formset_factory(FollowUpForm, extra=FOLLOW_UP_ROWS, max_num=10)


def follow_up_formset(data=None) -> forms.BaseFormSet:
    return FollowUpFormSet(
        data,
        prefix="followups",
        form_kwargs={"people": people_choices(), "departments": department_choices()},
    )


def follow_ups_from(formset) -> list[FollowUp]:
    """The FollowUp objects of a valid formset's filled rows (one query per kind of target)."""
    rows = [form.cleaned_data for form in formset.forms if form.has_content]
    usernames = {row["assignee"] for row in rows if row.get("assignee")}
    codes = {row["department"] for row in rows if row.get("department")}
    users = (
        {u.username: u for u in User.objects.filter(username__in=usernames)} if usernames else {}
    )
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)} if codes else {}
    return [
        FollowUp(
            title=row["title"].strip(),
            due_date=row["due_date"],
            assignee=users.get(row.get("assignee") or ""),
            department=departments.get(row.get("department") or ""),
            priority=row.get("priority") or Assignment.Priority.NORMAL,
        )
        for row in rows
    ]


class RequestInfoForm(forms.Form):
    question = forms.CharField(
        label=_("What do you need to know?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ProvideInfoForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}))


class DeferForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
