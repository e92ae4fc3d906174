"""Forms of the organization pages. They validate input; the services do the writing."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from organization.models import Department, Person, User
from organization.roles import Role


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "parent", "head", "description", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"code": _("Short and unique, in capitals: for example OPS or LOG.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Department.objects.active().order_by("code")
        self.fields["head"].queryset = Person.objects.active().select_related("user")
        if self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                pk=self.instance.pk
            )

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


def time_zone_choices():
    return [("", _("The company's time zone"))] + [
        (name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name
    ]


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    manager = forms.ModelChoiceField(
        label=_("Reports to"), queryset=Person.objects.none(), required=False
    )
    hire_date = forms.DateField(label=_("Hire date"), required=False, widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, person: Person | None = None, **kwargs):
        self.person = person
        if person is not None:
            user = person.user
            current = {
                "username": user.username,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "department": person.department_id,
                "position": person.position,
                "manager": person.manager_id,
                "hire_date": person.hire_date,
                "phone": person.phone,
                "roles": person.role_names,
                "active": person.active,
            }
            # The view passes an (empty) initial of its own: the record's values come first.
            kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.active().order_by("code")
        managers = Person.objects.active().select_related("user")
        if person is not None:
            managers = managers.exclude(pk=person.pk)
            self.fields["username"].disabled = True
        else:
            del self.fields["active"]
        self.fields["manager"].queryset = managers


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, required=False)

    class Meta:
        model = User
        fields = ["language", "time_zone"]
        labels = {"language": _("Language")}
        help_texts = {
            "language": _("Empty: the language your browser asks for."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks")), *settings.LANGUAGES]
