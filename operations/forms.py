"""Forms of the regulation pages. They parse input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.registry import registration_for
from operations.models import Regulation, RegulationVersion
from operations.services.regulations import ALLOWED_UPLOADS, StepData
from organization.models import Department
from organization.scoping import scope_of


def _probe(department: Department | None) -> RegulationVersion:
    return RegulationVersion(regulation=Regulation(department=department))


def may_author(user, regulation: Regulation) -> bool:
    """Whether the approval policy lets ``user`` write this regulation (for showing buttons;
    the services check again)."""
    return registration_for(RegulationVersion).policy.may_author(
        user, RegulationVersion(regulation=regulation)
    )


def author_choices(user) -> tuple[bool, list[Department]]:
    """Where ``user`` may write, as the approval policy says: company-wide or not, and in which
    active departments (one query; the policy's answers are cached on the user)."""
    policy = registration_for(RegulationVersion).policy
    company_wide = policy.may_author(user, _probe(None))
    scope = scope_of(user)
    candidates = Department.objects.active().order_by("code")
    if not scope.company_wide:
        candidates = candidates.filter(pk__in=scope.department_ids)
    departments = [d for d in candidates if policy.may_author(user, _probe(d))]
    return company_wide, departments


class RegulationForm(forms.ModelForm):
    """What describes a regulation. The department choices are those the user may write for."""

    class Meta:
        model = Regulation
        fields = [
            "title",
            "kind",
            "department",
            "category",
            "review_interval_months",
            "audience_all",
            "audience_departments",
        ]
        widgets = {"audience_departments": forms.CheckboxSelectMultiple}
        help_texts = {
            "department": _(
                "Who approves depends on it: company-wide items are approved by the CEO, "
                "department items by the COO or the CEO."
            ),
            "category": _("Free text, to group related items: for example Safety or Purchasing."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        company_wide, departments = author_choices(user)
        allowed = {d.pk for d in departments}
        if self.instance.department_id:
            allowed.add(self.instance.department_id)
        field = self.fields["department"]
        field.queryset = Department.objects.filter(pk__in=allowed).order_by("code")
        field.required = not company_wide
        field.empty_label = _("Company-wide") if company_wide else None
        audience = self.fields["audience_departments"]
        audience.queryset = Department.objects.active().order_by("code")
        audience.help_text = _(
            "Only used when it is not for everyone: the chosen departments and those below them."
        )

    def metadata(self) -> dict:
        """The cleaned fields as the services take them."""
        data = dict(self.cleaned_data)
        data["audience_departments"] = list(data.get("audience_departments") or [])
        return data


class RegulationCreateForm(RegulationForm):
    body = forms.CharField(
        label=_("Text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        help_text=_("Markdown: headings (#), lists (-, 1.), tables, links, **bold**."),
    )


class VersionForm(forms.Form):
    """The text of the version being drafted."""

    body = forms.CharField(
        label=_("Text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "font-monospace"}),
        help_text=_("Markdown: headings (#), lists (-, 1.), tables, links, **bold**."),
    )
    summary_of_changes = forms.CharField(
        label=_("Summary of changes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to submit: what changed against the version before, and why."),
    )


class StepForm(forms.Form):
    """One row of a procedure's steps. A row left empty is ignored."""

    title = forms.CharField(label=_("Step"), max_length=200, required=False)
    responsible_role = forms.CharField(label=_("Responsible role"), max_length=120, required=False)
    inputs = forms.CharField(
        label=_("Input"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outputs = forms.CharField(
        label=_("Output"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    time_limit = forms.CharField(label=_("Time limit"), max_length=80, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    @property
    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(
            (data.get(name) or "").strip()
            for name in ("title", "responsible_role", "inputs", "outputs", "time_limit")
        )

    def clean(self):
        data = super().clean()
        if self.has_content:
            if not (data.get("title") or "").strip():
                self.add_error("title", _("Name the step, or empty the whole row."))
            if not (data.get("responsible_role") or "").strip():
                self.add_error("responsible_role", _("Say who does this step."))
        return data


class BaseStepFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            order = form.fields["ORDER"]
            order.label = _("Order")
            order.widget.attrs.update({"class": "form-control form-control-sm", "min": 1})


StepFormSet = forms.formset_factory(StepForm, formset=BaseStepFormSet, extra=3, can_order=True)


def step_formset(data=None, *, version: RegulationVersion | None = None):
    """The steps form: the version's steps (if any), then three empty rows."""
    initial = None
    if version is not None:
        initial = [
            {
                "title": s.title,
                "responsible_role": s.responsible_role,
                "inputs": s.inputs,
                "outputs": s.outputs,
                "time_limit": s.time_limit,
            }
            for s in version.steps.order_by("order", "id")
        ]
    return StepFormSet(data, initial=initial, prefix="steps")


def steps_from(formset) -> list[StepData]:
    """The filled rows of a valid steps formset, in the order asked (rows without an order
    number keep their place after the numbered ones)."""
    rows = []
    for position, form in enumerate(formset.forms):
        if not form.has_content:
            continue
        order = form.cleaned_data.get("ORDER")
        rows.append((order is None, order or 0, position, form.cleaned_data))
    rows.sort(key=lambda row: row[:3])
    return [
        StepData(
            title=data["title"],
            responsible_role=data["responsible_role"],
            inputs=data.get("inputs") or "",
            outputs=data.get("outputs") or "",
            time_limit=data.get("time_limit") or "",
        )
        for *_ignored, data in rows
    ]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        error_messages={
            "required": _("Choose a file to attach."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(sorted(ALLOWED_UPLOADS)), "class": "form-control"}
        ),
        help_text=_("PDF, Office documents or images, 20 MB at most."),
    )


class VersionCompareForm(forms.Form):
    """Two version numbers to compare (GET)."""

    a = forms.TypedChoiceField(label=_("From version"), coerce=int)
    b = forms.TypedChoiceField(label=_("To version"), coerce=int)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        label = _("v%(number)s · %(status)s")
        choices = [
            (v.number, label % {"number": v.number, "status": v.get_status_display().lower()})
            for v in versions
        ]
        for name in ("a", "b"):
            self.fields[name].choices = choices
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
