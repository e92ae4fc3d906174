"""Pages of regulations, policies, standard procedures and department rules.

Views parse input, call one service (or selector) and show the outcome; every queryset starts
from ``for_user``, so a regulation the user may not see answers 404 like a missing one.
"""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from approvals.models import State
from core.exceptions import ApplicationError, NotFound
from core.exports import Column
from core.history import history_with_changes
from core.views import FilteredListView, PredicateRequiredMixin, add_service_error
from operations.filtersets import (
    NotAcknowledgedFilterSet,
    RegulationFilterSet,
    review_horizon,
    shown_version,
    with_shown_version,
)
from operations.forms import (
    AttachmentForm,
    RegulationCreateForm,
    RegulationForm,
    VersionCompareForm,
    VersionForm,
    author_choices,
    may_author,
    step_formset,
    steps_from,
)
from operations.models import (
    Acknowledgement,
    Attachment,
    ProcedureStep,
    Regulation,
    RegulationVersion,
)
from operations.selectors import (
    compliance_by_department,
    may_oversee,
    not_acknowledged,
    pending_acknowledgements,
    reviews_due,
    versions_in_force,
)
from operations.services.regulations import (
    acknowledgement_record,
    attachment_add,
    attachment_remove,
    regulation_create,
    regulation_update,
    version_start_new,
    version_update,
)
from organization.models import Department, Person, User
from organization.roles import Role, has_role, is_company_wide
from organization.scoping import scope_of

HISTORY_LIMIT = 20


def ordered_steps() -> Prefetch:
    return Prefetch("steps", queryset=ProcedureStep.objects.order_by("order", "id"))


def _regulations(user):
    return Regulation.objects.for_user(user).with_versions()


def _get_regulation(request, pk: int) -> Regulation:
    return get_object_or_404(_regulations(request.user), pk=pk)


def _next_url(request, default: str) -> str:
    """Where to go back after a POST: the page that sent it, if it is one of ours."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _in_force(regulation: Regulation) -> RegulationVersion | None:
    """The version in force, if the regulation has one that is still published."""
    version = regulation.current_version
    return version if version is not None and version.status == State.PUBLISHED else None


def _may_author_anywhere(user) -> bool:
    company_wide, departments = author_choices(user)
    return company_wide or bool(departments)


# -- the list ---------------------------------------------------------------------------------


def _shown_number(r):
    version = shown_version(r)
    return version.number if version else None


def _shown_status(r):
    version = shown_version(r)
    return version.get_status_display() if version else ""


REGULATION_COLUMNS = [
    Column(gettext_lazy("Title"), lambda r: r.title),
    Column(gettext_lazy("Kind"), lambda r: r.get_kind_display()),
    Column(gettext_lazy("Department"), lambda r: r.department.code if r.department else ""),
    Column(gettext_lazy("Category"), lambda r: r.category),
    Column(gettext_lazy("Version"), _shown_number),
    Column(gettext_lazy("Status"), _shown_status),
    Column(
        gettext_lazy("Version in force"),
        lambda r: r.current_version.number if r.current_version else None,
    ),
    Column(gettext_lazy("Owner"), lambda r: r.owner.username),
    Column(gettext_lazy("Next review"), lambda r: r.next_review_date),
]


class RegulationListView(FilteredListView):
    """Every regulation the user may see, with the version shown to them."""

    template_name = "operations/regulation_list.html"
    filterset_class = RegulationFilterSet
    paginate_by = 25
    export_columns = REGULATION_COLUMNS
    export_filename = "regulations"

    def get_base_queryset(self):
        user = self.request.user
        return with_shown_version(_regulations(user), user).order_by("title", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        regulations = list(context["object_list"])
        for regulation in regulations:
            regulation.shown = shown_version(regulation)
        context["regulations"] = regulations
        context["may_create"] = _may_author_anywhere(user)
        context["may_see_compliance"] = may_see_compliance(user)
        context["categories"] = list(
            Regulation.objects.for_user(user)
            .exclude(category="")
            .order_by("category")
            .values_list("category", flat=True)
            .distinct()
        )
        context["today"] = timezone.localdate()
        context["review_horizon"] = review_horizon()
        return context


# -- create and edit --------------------------------------------------------------------------


class RegulationCreateView(PredicateRequiredMixin, View):
    """A new regulation and its first version, as a draft owned by the user."""

    template_name = "operations/regulation_form.html"
    predicate = staticmethod(_may_author_anywhere)

    def render_page(self, form, steps):
        return render(self.request, self.template_name, {"form": form, "steps": steps})

    def get(self, request):
        return self.render_page(RegulationCreateForm(user=request.user), step_formset())

    def post(self, request):
        form = RegulationCreateForm(request.POST, user=request.user)
        steps = step_formset(request.POST)
        if not all([form.is_valid(), steps.is_valid()]):
            return self.render_page(form, steps)
        try:
            regulation = regulation_create(
                user=request.user, steps=steps_from(steps), **form.metadata()
            )
        except (ApplicationError, ValidationError) as exc:
            add_service_error(form, exc)
            return self.render_page(form, steps)
        messages.success(
            request,
            _("%(title)s is saved as a draft (version 1). Submit it for approval when it is ready.")
            % {"title": regulation.title},
        )
        return redirect(regulation)


class RegulationEditView(View):
    """The regulation's description and its working version's text, steps and attachments."""

    template_name = "operations/regulation_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.regulation = _get_regulation(request, kwargs["pk"])
        if not may_author(request.user, self.regulation):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form, version_form, steps, version):
        attachments = list(version.attachments.all()) if version is not None else []
        return render(
            self.request,
            self.template_name,
            {
                "regulation": self.regulation,
                "version": version,
                "form": form,
                "version_form": version_form,
                "steps": steps,
                "attachments": attachments,
                "attachment_form": AttachmentForm(),
            },
        )

    def metadata_form(self, data=None):
        # A copy: the form's validation must not change the object the service locks and saves.
        instance = Regulation.objects.get(pk=self.regulation.pk)
        return RegulationForm(data, instance=instance, user=self.request.user)

    def get(self, request, pk: int):
        version = self.regulation.working_version
        if version is None or not version.is_editable:
            latest = self.regulation.latest_version
            if version is None:
                message = _(
                    "Version %(number)s is %(state)s and cannot be edited in place: start a new "
                    "version to change it."
                )
            else:
                message = _(
                    "Version %(number)s is %(state)s and cannot be edited now: it can be "
                    "changed again if it is returned for changes."
                )
            target = version or latest
            messages.warning(
                request,
                message
                % {
                    "number": target.number if target else "—",
                    "state": target.get_status_display().lower() if target else "—",
                },
            )
            return redirect(self.regulation)
        version_form = VersionForm(
            initial={"body": version.body, "summary_of_changes": version.summary_of_changes}
        )
        return self.render_page(
            self.metadata_form(), version_form, step_formset(version=version), version
        )

    def post(self, request, pk: int):
        # The version the user was editing; if it is no longer editable, the service says so.
        version = self.regulation.working_version or self.regulation.latest_version
        form = self.metadata_form(request.POST)
        version_form = VersionForm(request.POST)
        steps = step_formset(request.POST)
        if not all([form.is_valid(), version_form.is_valid(), steps.is_valid()]):
            return self.render_page(form, version_form, steps, version)
        failed = form
        try:
            with transaction.atomic():
                data = form.metadata()
                audience = data.pop("audience_departments")
                regulation_update(
                    regulation=self.regulation,
                    user=request.user,
                    audience_departments=audience,
                    **data,
                )
                failed = version_form
                version_update(
                    version=version,
                    user=request.user,
                    body=version_form.cleaned_data["body"],
                    summary_of_changes=version_form.cleaned_data["summary_of_changes"],
                    steps=steps_from(steps),
                )
        except (ApplicationError, ValidationError) as exc:
            add_service_error(failed, exc)
            return self.render_page(form, version_form, steps, version)
        messages.success(
            request,
            _("%(title)s, version %(number)s, is saved.")
            % {"title": form.cleaned_data["title"], "number": version.number},
        )
        return redirect("operations:regulation_detail", pk=self.regulation.pk)


# -- the detail page --------------------------------------------------------------------------


def _compare_initial(versions: list[RegulationVersion], current) -> dict[str, int]:
    """What to compare by default: the version in force (or the one before the newest) with
    the newest the user may see."""
    newest = versions[0]
    numbers = {v.number for v in versions}
    if current is not None and current.number in numbers and current.number != newest.number:
        return {"a": current.number, "b": newest.number}
    return {"a": versions[min(1, len(versions) - 1)].number, "b": newest.number}


class RegulationDetailView(TemplateView):
    """A regulation: the version in force, the working version, history and acknowledgements."""

    template_name = "operations/regulation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        regulation = get_object_or_404(
            _regulations(user).prefetch_related("audience_departments"), pk=kwargs["pk"]
        )
        versions = list(
            RegulationVersion.objects.for_user(user)
            .filter(regulation=regulation)
            .select_related("created_by")
            .order_by("-number")
        )
        visible = {v.pk for v in versions}
        current = regulation.current_version
        working = regulation.working_version
        if working is not None and working.pk not in visible:
            working = None
        prefetch_related_objects(
            [v for v in (current, working) if v is not None], ordered_steps(), "attachments"
        )
        in_force = _in_force(regulation)
        author = may_author(user, regulation)
        context.update(
            regulation=regulation,
            current=current,
            in_force=in_force,
            working=working,
            versions=versions,
            may_author=author,
            may_edit_draft=author and working is not None and working.is_editable,
            may_start_new=author and regulation.working_version is None,
            # The archive button (and the approval history) of the version in force, for
            # those who may act on it or oversee approvals.
            show_current_panel=author or user.has_perm("approvals.view_approvalevent"),
            attachment_form=AttachmentForm(),
            compare_form=(
                VersionCompareForm(initial=_compare_initial(versions, current), versions=versions)
                if len(versions) > 1
                else None
            ),
        )
        if in_force is not None:
            context["pending"] = pending_acknowledgements(user).filter(pk=regulation.pk).exists()
            context["acknowledgement"] = Acknowledgement.objects.filter(
                version=in_force, user=user
            ).first()
            if may_oversee(user, regulation):
                rows, total = compliance_by_department([in_force])
                context["compliance"] = {"rows": rows, "total": total}
        if user.has_perm("operations.view_historicalregulation"):
            # Saving only the version pointers leaves a record without visible changes.
            context["history"] = [
                entry
                for entry in history_with_changes(
                    regulation.history.select_related("history_user"), limit=HISTORY_LIMIT
                )
                if entry["changes"] or entry["record"].history_type != "~"
            ]
        return context


# -- workflow around the text ----------------------------------------------------------------


class RegulationNewVersionView(View):
    """POST: start the next version as a draft, then edit it."""

    def post(self, request, pk: int):
        regulation = _get_regulation(request, pk)
        try:
            version = version_start_new(regulation=regulation, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(regulation)
        messages.success(
            request,
            _("Version %(number)s is started as a draft, from the text of the one before.")
            % {"number": version.number},
        )
        return redirect("operations:regulation_edit", pk=regulation.pk)


class RegulationAcknowledgeView(View):
    """POST: the user has read the version in force."""

    def post(self, request, pk: int):
        regulation = _get_regulation(request, pk)
        try:
            acknowledgement = acknowledgement_record(regulation=regulation, user=request.user)
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Thank you: you acknowledged %(title)s, version %(number)s.")
                % {"title": regulation.title, "number": acknowledgement.version.number},
            )
        return redirect(_next_url(request, regulation.get_absolute_url()))


# -- attachments ------------------------------------------------------------------------------


def _attachments(request, regulation: Regulation):
    return Attachment.objects.filter(
        version__regulation=regulation,
        version__in=RegulationVersion.objects.for_user(request.user),
    ).select_related("version__regulation")


class AttachmentAddView(View):
    """POST (multipart): attach a file to the version being drafted."""

    def post(self, request, pk: int):
        regulation = _get_regulation(request, pk)
        back = _next_url(request, regulation.get_absolute_url())
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in form.errors.get("file", []):
                messages.error(request, error)
            return redirect(back)
        # The version being drafted; without one, the service explains why nothing can be added.
        version = regulation.working_version or regulation.latest_version
        if version is None:
            raise Http404
        try:
            attachment = attachment_add(
                version=version, user=request.user, upload=form.cleaned_data["file"]
            )
        except (ApplicationError, ValidationError) as exc:
            message = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
            messages.error(request, message)
        else:
            messages.success(request, _("%(name)s is attached.") % {"name": attachment.name})
        return redirect(back)


class AttachmentDeleteView(View):
    """POST: remove an attachment from the version being drafted."""

    def post(self, request, pk: int, attachment_id: int):
        regulation = _get_regulation(request, pk)
        attachment = get_object_or_404(_attachments(request, regulation), pk=attachment_id)
        try:
            attachment_remove(attachment=attachment, user=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(name)s is removed.") % {"name": attachment.name})
        return redirect(_next_url(request, regulation.get_absolute_url()))


class AttachmentDownloadView(View):
    """GET: the file of an attachment of a version the user may see (media is not public)."""

    def get(self, request, pk: int, attachment_id: int):
        regulation = _get_regulation(request, pk)
        attachment = get_object_or_404(_attachments(request, regulation), pk=attachment_id)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=attachment.name)


# -- comparing versions -----------------------------------------------------------------------


def _version_text(version: RegulationVersion) -> list[str]:
    lines = version.body.splitlines()
    steps = list(version.steps.all())
    if steps:
        lines += ["", "## " + _("Steps")]
        for step in steps:
            details = [
                _("responsible: %(role)s") % {"role": step.responsible_role},
                _("input: %(text)s") % {"text": step.inputs} if step.inputs else "",
                _("output: %(text)s") % {"text": step.outputs} if step.outputs else "",
                _("time limit: %(text)s") % {"text": step.time_limit} if step.time_limit else "",
            ]
            lines.append(f"{step.order}. {step.title} ({'; '.join(d for d in details if d)})")
    return lines


def _unified_rows(old: list[str], new: list[str]) -> list[dict]:
    """A unified diff as rows: kind (same, add, del, gap), old and new line numbers, text."""
    rows = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        if rows:
            rows.append({"kind": "gap"})
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset, text in enumerate(old[i1:i2]):
                    rows.append(
                        {
                            "kind": "same",
                            "old": i1 + offset + 1,
                            "new": j1 + offset + 1,
                            "text": text,
                        }
                    )
            if tag in ("replace", "delete"):
                for offset, text in enumerate(old[i1:i2]):
                    rows.append({"kind": "del", "old": i1 + offset + 1, "new": None, "text": text})
            if tag in ("replace", "insert"):
                for offset, text in enumerate(new[j1:j2]):
                    rows.append({"kind": "add", "old": None, "new": j1 + offset + 1, "text": text})
    return rows


class RegulationDiffView(TemplateView):
    """The differences between two versions the user may see (``?a=1&b=2``)."""

    template_name = "operations/regulation_diff.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        regulation = _get_regulation(self.request, kwargs["pk"])
        versions = list(
            RegulationVersion.objects.for_user(self.request.user)
            .filter(regulation=regulation)
            .prefetch_related(ordered_steps())
            .order_by("-number")
        )
        if not versions:
            raise Http404
        data = self.request.GET if {"a", "b"} & set(self.request.GET) else None
        initial = _compare_initial(versions, regulation.current_version)
        form = VersionCompareForm(data, initial=initial, versions=versions)
        if data is not None and not form.is_valid():
            raise Http404
        numbers = form.cleaned_data if data is not None else initial
        by_number = {v.number: v for v in versions}
        old, new = by_number[numbers["a"]], by_number[numbers["b"]]
        rows = _unified_rows(_version_text(old), _version_text(new))
        context.update(
            regulation=regulation,
            form=form,
            old=old,
            new=new,
            rows=rows,
            added=sum(1 for r in rows if r["kind"] == "add"),
            removed=sum(1 for r in rows if r["kind"] == "del"),
        )
        return context


# -- acknowledgements -------------------------------------------------------------------------

NOT_ACKNOWLEDGED_COLUMNS = [
    Column(gettext_lazy("Username"), lambda u: u.username),
    Column(gettext_lazy("Name"), lambda u: u.display_name),
    Column(
        gettext_lazy("Department"),
        lambda u: u.person.department.code if u.person.department else "",
    ),
    Column(gettext_lazy("E-mail"), lambda u: u.email),
]


class NotAcknowledgedListView(FilteredListView):
    """Who has not acknowledged the version in force, for those who oversee the regulation.

    Heads and managers see the people whose records they may see (their departments); the
    company-wide roles see everyone.
    """

    template_name = "operations/not_acknowledged_list.html"
    filterset_class = NotAcknowledgedFilterSet
    paginate_by = 50
    export_columns = NOT_ACKNOWLEDGED_COLUMNS

    def dispatch(self, request, *args, **kwargs):
        self.regulation = _get_regulation(request, kwargs["pk"])
        if not may_oversee(request.user, self.regulation):
            raise PermissionDenied
        self.version = _in_force(self.regulation)
        self.export_filename = f"not-acknowledged-{self.regulation.pk}"
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        if self.version is None:
            return User.objects.none()
        return not_acknowledged(self.version).filter(
            person__in=Person.objects.for_user(self.request.user)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["regulation"] = self.regulation
        context["version"] = self.version
        context["people"] = list(context["object_list"])
        return context


class ToAcknowledgeListView(ListView):
    """My "to read and acknowledge" list."""

    template_name = "operations/to_acknowledge_list.html"
    paginate_by = 25
    context_object_name = "regulations"

    def get_queryset(self):
        return pending_acknowledgements(self.request.user)


def may_see_compliance(user) -> bool:
    return is_company_wide(user) or has_role(user, Role.DEPARTMENT_HEAD)


class ComplianceView(PredicateRequiredMixin, TemplateView):
    """Acknowledgements due and done per department, over every version in force.

    The CEO, COO and auditor see every department; a department head sees theirs.
    """

    template_name = "operations/compliance.html"
    predicate = staticmethod(may_see_compliance)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        scope = scope_of(user)
        departments = (
            None if scope.company_wide else Department.objects.filter(pk__in=scope.department_ids)
        )
        versions = versions_in_force(user)
        rows, total = compliance_by_department(versions, departments=departments)
        context.update(
            rows=rows, total=total, versions=len(versions), company_wide=scope.company_wide
        )
        return context


class DueForReviewListView(ListView):
    """Regulations in force whose review falls due soon or is overdue: the user's own, or for
    the CEO, COO and auditor every one."""

    template_name = "operations/due_for_review_list.html"
    paginate_by = 25
    context_object_name = "regulations"

    def get_queryset(self):
        user = self.request.user
        if is_company_wide(user):
            queryset = Regulation.objects.for_user(user).due_for_review(timezone.localdate())
        else:
            queryset = reviews_due(user, today=timezone.localdate())
        return queryset.select_related("department", "owner", "current_version").order_by(
            "next_review_date", "title"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["today"] = timezone.localdate()
        context["everyone"] = is_company_wide(self.request.user)
        return context
