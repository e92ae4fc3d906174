"""Forms of the coordination pages. They parse input; the services decide (a missing reason or
resolution is the service's refusal, shown on the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from operations.models import CoordinationRequest, ServiceLevel
from operations.services.regulations import ALLOWED_UPLOADS
from organization.models import Department, User

PRIORITIES = CoordinationRequest._meta.get_field("priority").choices


class CoordinationRequestForm(forms.Form):
    """A new request from one of ``from_departments`` to another department."""

    from_department = forms.ModelChoiceField(
        label=_("From department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        empty_label=None,
        help_text=_("The department asking."),
    )
    to_department = forms.ModelChoiceField(
        label=_("To department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        help_text=_("The department asked."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    details = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    needed_by = forms.DateField(
        label=_("Needed by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITIES, initial="normal")
    file = forms.FileField(
        label=_("Attachment"),
        required=False,
        error_messages={"empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ALLOWED_UPLOADS))}),
        help_text=_("Optional. PDF, Office documents or images, 20 MB at most."),
    )

    def __init__(self, *args, from_departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_department"].queryset = from_departments
        self.fields["to_department"].queryset = Department.objects.active().order_by("name")
        for name in ("from_department", "to_department"):
            self.fields[name].label_from_instance = lambda d: f"{d.name} ({d.code})"


class ReasonForm(forms.Form):
    """Declining or reopening: the service asks for the reason."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ResolutionForm(forms.Form):
    """Resolving: the service asks for what was done."""

    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReassignForm(forms.Form):
    """The COO sends the request to another department and/or names who handles it."""

    to_department = forms.ModelChoiceField(
        label=_("Send to department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("(keep)"),
    )
    handler = forms.ModelChoiceField(
        label=_("Handled by"),
        queryset=User.objects.none(),
        to_field_name="username",
        required=False,
        widget=forms.TextInput(attrs={"list": "coordination-handlers", "autocomplete": "off"}),
        help_text=_("A username; people of the department asked are suggested."),
        error_messages={"invalid_choice": _("No active person has this username.")},
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_department"].queryset = Department.objects.active().order_by("name")
        self.fields["to_department"].label_from_instance = lambda d: f"{d.name} ({d.code})"
        self.fields["handler"].queryset = User.objects.filter(is_active=True)


class ServiceLevelForm(forms.Form):
    """The targets of every priority, one pair of fields per priority (``<priority>-hours``,
    ``<priority>-days``)."""

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        hours = ServiceLevel._meta.get_field("response_hours")
        days = ServiceLevel._meta.get_field("resolution_days")
        self.rows = []
        for priority, label in PRIORITIES:
            target = targets[priority]
            self.fields[f"{priority}-response_hours"] = forms.IntegerField(
                label=hours.verbose_name,
                initial=target.response_hours,
                min_value=1,
                max_value=24 * 30,
            )
            self.fields[f"{priority}-resolution_days"] = forms.IntegerField(
                label=days.verbose_name,
                initial=target.resolution_days,
                min_value=1,
                max_value=365,
            )
            self.rows.append(
                (
                    priority,
                    label,
                    self[f"{priority}-response_hours"],
                    self[f"{priority}-resolution_days"],
                )
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def targets(self) -> list[tuple[str, int, int]]:
        return [
            (
                priority,
                self.cleaned_data[f"{priority}-response_hours"],
                self.cleaned_data[f"{priority}-resolution_days"],
            )
            for priority, _label in PRIORITIES
        ]
