"""Pages of work reports and their action items (COO duty 7).

Every queryset starts from ``WorkReport.objects.for_user`` or ``ActionItem.objects.for_user``:
what the user may not see answers 404 like a missing object. The page-level checks (who may
write, review, raise or move) use the predicates of ``operations.services.reports``; the moves
themselves are the services', whose refusals come back on the form that asked, with nothing
written.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.exceptions import ApplicationError
from core.exports import Column
from core.history import history_with_changes
from core.views import FilteredListView, PredicateRequiredMixin, add_service_error
from operations.filtersets_reports import ActionItemFilterSet, WorkReportFilterSet
from operations.forms_reports import (
    ActionItemForm,
    ReportStartForm,
    ResolutionForm,
    ReturnForm,
    ReviewForm,
    ScheduleFormSet,
    SectionsForm,
    kpi_formset,
    kpis_from,
    manager_of,
    schedule_initial,
    start_initial,
    writable_departments,
)
from operations.models import ActionItem, ReportKind, WorkReport
from operations.services import reports as services
from organization.models import Department
from organization.roles import Role, has_role, is_company_wide

Status = WorkReport.Status
HISTORY_LIMIT = 20
#: The grid's default number of periods, and the most it shows.
GRID_PERIODS = {ReportKind.WEEKLY: 8, ReportKind.MONTHLY: 6}
GRID_MAX_PERIODS = 26


def _reports(user):
    return WorkReport.objects.for_user(user).with_people()


def _items(user):
    return ActionItem.objects.for_user(user).with_relations()


def _yes_no(value) -> str:
    if value is None:
        return ""
    return _("yes") if value else _("no")


REPORT_COLUMNS = [
    Column(gettext_lazy("Kind"), lambda r: r.get_kind_display()),
    Column(gettext_lazy("Period start"), lambda r: r.period_start),
    Column(gettext_lazy("Period end"), lambda r: r.period_end),
    Column(gettext_lazy("Department"), lambda r: r.department.code),
    Column(gettext_lazy("Individual"), lambda r: _yes_no(r.individual)),
    Column(gettext_lazy("Author"), lambda r: r.author.username),
    Column(gettext_lazy("Status"), lambda r: r.get_status_display()),
    Column(gettext_lazy("Due"), lambda r: r.due_at),
    Column(gettext_lazy("First submitted"), lambda r: r.first_submitted_at),
    Column(gettext_lazy("On time"), lambda r: _yes_no(r.on_time)),
    Column(gettext_lazy("Rating"), lambda r: r.rating),
    Column(gettext_lazy("Reviewed by"), lambda r: r.reviewed_by.username if r.reviewed_by else ""),
    Column(gettext_lazy("Reviewed at"), lambda r: r.reviewed_at),
    Column(
        gettext_lazy("Hours to review"),
        lambda r: round(r.review_duration.total_seconds() / 3600, 1) if r.review_duration else "",
    ),
    Column(gettext_lazy("Summary"), lambda r: r.summary),
]

ACTION_ITEM_COLUMNS = [
    Column(gettext_lazy("Problem"), lambda i: i.title),
    Column(gettext_lazy("Status"), lambda i: i.get_status_display()),
    Column(gettext_lazy("Department"), lambda i: i.department.code),
    Column(gettext_lazy("Owner"), lambda i: i.owner.username),
    Column(gettext_lazy("Due date"), lambda i: i.due_date),
    Column(gettext_lazy("Overdue"), lambda i: _("yes") if i.is_overdue else ""),
    Column(gettext_lazy("Raised by"), lambda i: i.created_by.username),
    Column(gettext_lazy("Report period"), lambda i: i.report.period_start),
    Column(gettext_lazy("Resolution"), lambda i: i.resolution),
    Column(gettext_lazy("Closed at"), lambda i: i.closed_at),
]


# -- who may do what on the pages --------------------------------------------------------------


def may_start_report(user) -> bool:
    """Heads (department reports) and anyone with a manager (individual reports)."""
    return writable_departments(user).exists() or manager_of(user) is not None


def may_see_grid(user) -> bool:
    """The grid and the schedules are for the CEO, the COO and the auditor."""
    return is_company_wide(user)


def may_set_schedules(user) -> bool:
    return has_role(user, Role.COO)


def may_review_some(user) -> bool:
    return has_role(user, Role.COO, Role.MANAGER, Role.DEPARTMENT_HEAD)


def to_review(queryset, user):
    """Submitted reports ``user`` reviews: department ones for the COO, individual ones for the
    manager named as their reviewer."""
    condition = Q(individual=True, reviewer=user)
    if has_role(user, Role.COO):
        condition |= Q(individual=False)
    return queryset.filter(condition, status=Status.SUBMITTED)


# -- the list ----------------------------------------------------------------------------------

SCOPES = [
    ("all", gettext_lazy("All I may see")),
    ("to_review", gettext_lazy("To review")),
    ("mine", gettext_lazy("Written by me")),
]


class ReportListView(FilteredListView):
    """Reports with filters, search, export; tabs for "to review" and "written by me"."""

    template_name = "operations/reports/report_list.html"
    filterset_class = WorkReportFilterSet
    export_columns = REPORT_COLUMNS
    export_filename = "work-reports"

    def scopes(self):
        user = self.request.user
        return [(k, label) for k, label in SCOPES if k != "to_review" or may_review_some(user)]

    def scope(self) -> str:
        wanted = self.request.GET.get("scope", "")
        return wanted if wanted in [k for k, _label in self.scopes()] else "all"

    def get_base_queryset(self):
        user = self.request.user
        queryset = _reports(user)
        scope = self.scope()
        if scope == "to_review":
            return to_review(queryset, user).order_by("submitted_at", "pk")
        if scope == "mine":
            queryset = queryset.filter(author=user)
        return queryset.order_by("-period_start", "department__name", "individual", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        query = self.request.GET.copy()
        for key in ("page", "export", "scope"):
            query.pop(key, None)
        context.update(
            reports=context["object_list"],
            scope=self.scope(),
            scopes=self.scopes(),
            filters_query=query.urlencode(),
            may_create=may_start_report(user),
            may_see_grid=may_see_grid(user),
            to_review_count=to_review(WorkReport.objects.for_user(user), user).count()
            if may_review_some(user)
            else 0,
        )
        return context


# -- writing -----------------------------------------------------------------------------------


def _sections_and_kpis_valid(form, kpis) -> bool:
    return all([form.is_valid(), kpis.is_valid()])


class ReportCreateView(PredicateRequiredMixin, View):
    """A new report: a department's (heads) or one's own to one's manager; saved as a draft,
    or submitted at once. ``?kind=&period_start=`` prefill the period."""

    template_name = "operations/reports/report_form.html"
    predicate = staticmethod(may_start_report)

    def render_page(self, form, kpis):
        return render(self.request, self.template_name, {"form": form, "kpis": kpis})

    def get(self, request):
        form = ReportStartForm(user=request.user, initial=start_initial(request.GET))
        return self.render_page(form, kpi_formset())

    def post(self, request):
        form = ReportStartForm(request.POST, user=request.user)
        kpis = kpi_formset(request.POST)
        if not _sections_and_kpis_valid(form, kpis):
            return self.render_page(form, kpis)
        submit = "submit" in request.POST
        try:
            with transaction.atomic():
                report = services.report_create(
                    user=request.user, kpis=kpis_from(kpis), **form.start_data(), **form.sections()
                )
                if submit:
                    report = services.report_submit(report=report, user=request.user)
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message) from None
            add_service_error(form, exc)
            return self.render_page(form, kpis)
        if submit:
            messages.success(request, _("The report is submitted for review."))
        else:
            messages.success(request, _("The report is saved as a draft. Submit it when ready."))
        return redirect(report)


class ReportEditView(View):
    """The sections and KPI rows of a draft or returned report, for its author side."""

    template_name = "operations/reports/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.report = get_object_or_404(_reports(request.user), pk=kwargs["pk"])
        if not services.is_author_side(request.user, self.report):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form, kpis):
        return render(
            self.request,
            self.template_name,
            {"form": form, "kpis": kpis, "report": self.report},
        )

    def get(self, request, pk: int):
        if not self.report.is_editable:
            messages.warning(
                request,
                _("A report that is %(status)s cannot be changed.")
                % {"status": self.report.get_status_display().lower()},
            )
            return redirect(self.report)
        initial = {name: getattr(self.report, name) for name in WorkReport.SECTIONS}
        return self.render_page(SectionsForm(initial=initial), kpi_formset(report=self.report))

    def post(self, request, pk: int):
        form = SectionsForm(request.POST)
        kpis = kpi_formset(request.POST)
        if not _sections_and_kpis_valid(form, kpis):
            return self.render_page(form, kpis)
        submit = "submit" in request.POST
        try:
            with transaction.atomic():
                report = services.report_update(
                    report=self.report, user=request.user, kpis=kpis_from(kpis), **form.sections()
                )
                if submit:
                    report = services.report_submit(report=report, user=request.user)
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message) from None
            add_service_error(form, exc)
            return self.render_page(form, kpis)
        messages.success(
            request,
            _("The report is submitted for review.") if submit else _("The report is saved."),
        )
        return redirect(report)


# -- the report and its moves ------------------------------------------------------------------


class ReportDetailView(View):
    """Every section, the KPI table, dates and timeliness, the review, the timeline, the action
    items raised from it, and the forms of the moves the user may make."""

    template_name = "operations/reports/report_detail.html"

    def get(self, request, pk: int, return_form=None, review_form=None, status=200):
        report = get_object_or_404(_reports(request.user), pk=pk)
        moves = services.allowed_moves(request.user, report)
        events = report.events.select_related("actor").order_by("created_at", "pk")
        items = report.action_items.select_related("owner").order_by("due_date", "pk")
        return render(
            request,
            self.template_name,
            {
                "report": report,
                "kpis": list(report.kpis.all()),
                "events": list(events),
                "action_items": list(items),
                "moves": moves,
                "return_form": return_form or ReturnForm(),
                "review_form": review_form or ReviewForm(),
                "now": timezone.now(),
                "sections": [
                    (WorkReport._meta.get_field(name).verbose_name, getattr(report, name))
                    for name in WorkReport.SECTIONS
                ],
            },
            status=status,
        )


class ReportSubmitView(View):
    """POST: the author side sends the report for review; a refusal comes back as a message."""

    def post(self, request, pk: int):
        report = get_object_or_404(_reports(request.user), pk=pk)
        if not services.is_author_side(request.user, report):
            raise PermissionDenied
        try:
            services.report_submit(report=report, user=request.user)
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message) from None
            messages.error(request, exc.message)
            if report.is_editable and exc.field in WorkReport.SECTIONS:
                return redirect("operations:report_edit", pk=report.pk)
        else:
            messages.success(request, _("The report is submitted for review."))
        return redirect(report)


def _review_move(request, pk: int, *, form_class, form_name: str, perform, done: str):
    """POST a reviewer's form (return, review): a refusal is shown on the form, which the
    report's page shows again (status 400), with nothing written."""
    report = get_object_or_404(_reports(request.user), pk=pk)
    if not services.may_review(request.user, report):
        raise PermissionDenied
    form = form_class(request.POST)
    if form.is_valid():
        try:
            perform(report, form.cleaned_data)
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.message) from None
            add_service_error(form, exc)
        else:
            messages.success(request, done)
            return redirect(report)
    return ReportDetailView().get(request, pk, **{form_name: form}, status=400)


class ReportReturnView(View):
    def post(self, request, pk: int):
        return _review_move(
            request,
            pk,
            form_class=ReturnForm,
            form_name="return_form",
            perform=lambda report, data: services.report_return(
                report=report, user=request.user, comment=data["comment"]
            ),
            done=_("The report is returned to its author for revision."),
        )


class ReportReviewView(View):
    def post(self, request, pk: int):
        return _review_move(
            request,
            pk,
            form_class=ReviewForm,
            form_name="review_form",
            perform=lambda report, data: services.report_review(
                report=report, user=request.user, rating=data["rating"], comment=data["comment"]
            ),
            done=_("The report is reviewed."),
        )


# -- the COO's grid and the schedules ----------------------------------------------------------


class ReportGridView(PredicateRequiredMixin, View):
    """Department x period: on time, late, missing or not yet due, with the rating."""

    template_name = "operations/reports/report_grid.html"
    predicate = staticmethod(may_see_grid)

    def get(self, request):
        kind = request.GET.get("kind")
        if kind not in ReportKind.values:
            kind = ReportKind.WEEKLY
        try:
            periods = int(request.GET.get("periods", ""))
        except ValueError:
            periods = GRID_PERIODS[kind]
        periods = max(1, min(periods, GRID_MAX_PERIODS))
        starts, rows = services.timeliness_grid(
            kind=kind, periods=periods, today=timezone.localdate()
        )
        return render(
            request,
            self.template_name,
            {
                "kind": kind,
                "kinds": ReportKind.choices,
                "periods": periods,
                "starts": starts,
                "rows": rows,
                "states": GRID_STATES,
            },
        )


GRID_STATES = [
    (services.Timeliness.ON_TIME, gettext_lazy("On time"), "success"),
    (services.Timeliness.LATE, gettext_lazy("Late"), "warning"),
    (services.Timeliness.MISSING, gettext_lazy("Missing"), "danger"),
    (services.Timeliness.NOT_DUE, gettext_lazy("Not yet due"), "light"),
]


class ReportScheduleView(PredicateRequiredMixin, View):
    """When each department's reports are due: the COO sets them; CEO and auditor read."""

    template_name = "operations/reports/report_schedules.html"
    predicate = staticmethod(may_see_grid)

    def departments(self):
        return list(Department.objects.active().order_by("name"))

    def formset(self, departments, data=None):
        weekly = services.schedules_by_department(ReportKind.WEEKLY)
        monthly = services.schedules_by_department(ReportKind.MONTHLY)
        initial = [
            schedule_initial(
                d,
                weekly.get(d.pk) or services.default_schedule(ReportKind.WEEKLY),
                monthly.get(d.pk) or services.default_schedule(ReportKind.MONTHLY),
            )
            for d in departments
        ]
        return ScheduleFormSet(data, initial=initial, prefix="schedules")

    def render_page(self, departments, formset):
        may_edit = may_set_schedules(self.request.user)
        if not may_edit:
            for form in formset.forms:
                for field in form.fields.values():
                    field.disabled = True
        return render(
            self.request,
            self.template_name,
            {
                "rows": list(zip(departments, formset.forms, strict=True)),
                "formset": formset,
                "may_edit": may_edit,
            },
        )

    def get(self, request):
        departments = self.departments()
        return self.render_page(departments, self.formset(departments))

    def post(self, request):
        if not may_set_schedules(request.user):
            raise PermissionDenied
        departments = self.departments()
        formset = self.formset(departments, request.POST)
        if formset.is_valid():
            rows = [
                (form.cleaned_data["department"], form.schedules())
                for form in formset.forms
                if form.cleaned_data
            ]
            changed = services.schedules_set(user=request.user, rows=rows)
            messages.success(
                request,
                _("Schedules saved (%(count)s changed). They apply to reports started from now.")
                % {"count": changed},
            )
            return redirect("operations:report_schedules")
        if len(formset.forms) != len(departments):
            messages.error(request, _("The departments changed meanwhile; nothing was saved."))
            return redirect("operations:report_schedules")
        return self.render_page(departments, formset)


# -- action items ------------------------------------------------------------------------------


class ActionItemCreateView(View):
    """A problem of a submitted or reviewed report becomes a tracked action item."""

    template_name = "operations/reports/action_item_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.report = get_object_or_404(_reports(request.user), pk=kwargs["pk"])
        user = request.user
        if not (
            services.may_review(user, self.report) or services.is_author_side(user, self.report)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form):
        return render(self.request, self.template_name, {"form": form, "report": self.report})

    def get(self, request, pk: int):
        if not services.may_raise_action_item(request.user, self.report):
            messages.warning(request, _("Action items are raised from submitted reports."))
            return redirect(self.report)
        initial = {
            "owner": self.report.author.username,
            "due_date": timezone.localdate() + dt.timedelta(days=14),
        }
        return self.render_page(ActionItemForm(initial=initial))

    def post(self, request, pk: int):
        form = ActionItemForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.action_item_create(
                    report=self.report,
                    user=request.user,
                    title=data["title"],
                    owner=data["owner"],
                    due_date=data["due_date"],
                    description=data["description"],
                )
            except ApplicationError as exc:
                if exc.status_code == 403:
                    raise PermissionDenied(exc.message) from None
                add_service_error(form, exc)
            else:
                messages.success(request, _("Action item created."))
                return redirect(item)
        return self.render_page(form)


ITEM_SCOPES = [("all", gettext_lazy("All I may see")), ("mine", gettext_lazy("Mine"))]


class ActionItemListView(FilteredListView):
    template_name = "operations/reports/action_item_list.html"
    filterset_class = ActionItemFilterSet
    export_columns = ACTION_ITEM_COLUMNS
    export_filename = "action-items"

    def scope(self) -> str:
        return "mine" if self.request.GET.get("scope") == "mine" else "all"

    def get_base_queryset(self):
        queryset = _items(self.request.user)
        if self.scope() == "mine":
            queryset = queryset.filter(owner=self.request.user)
        return queryset.order_by("due_date", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for key in ("page", "export", "scope"):
            query.pop(key, None)
        context.update(
            items=context["object_list"],
            scope=self.scope(),
            scopes=ITEM_SCOPES,
            filters_query=query.urlencode(),
        )
        return context


class ActionItemDetailView(View):
    template_name = "operations/reports/action_item_detail.html"

    def get(self, request, pk: int, move_form=None, status=200):
        item = get_object_or_404(_items(request.user), pk=pk)
        return render(
            request,
            self.template_name,
            {
                "item": item,
                "moves": services.action_item_moves(request.user, item),
                "move_form": move_form or ResolutionForm(),
                "history": history_with_changes(
                    item.history.select_related("history_user"), limit=HISTORY_LIMIT
                ),
            },
            status=status,
        )


MOVE_DONE = {
    "start": gettext_lazy("Work on the action item started."),
    "close": gettext_lazy("Action item closed."),
    "cancel": gettext_lazy("Action item cancelled."),
    "reopen": gettext_lazy("Action item reopened."),
}


class ActionItemMoveView(View):
    """POST: start, close, cancel or reopen, with the resolution or reason."""

    move = ""

    def post(self, request, pk: int):
        item = get_object_or_404(_items(request.user), pk=pk)
        if not services.may_manage_action_item(request.user, item):
            raise PermissionDenied
        form = ResolutionForm(request.POST)
        if form.is_valid():
            try:
                services.action_item_move(
                    item=item,
                    user=request.user,
                    move=self.move,
                    resolution=form.cleaned_data["resolution"],
                )
            except ApplicationError as exc:
                if exc.status_code == 403:
                    raise PermissionDenied(exc.message) from None
                add_service_error(form, exc)
            else:
                messages.success(request, MOVE_DONE[self.move])
                return redirect(item)
        return ActionItemDetailView().get(request, pk, move_form=form, status=400)


def new_report_url(kind: str, start: dt.date) -> str:
    return reverse("operations:report_create") + f"?kind={kind}&period_start={start.isoformat()}"
