"""Pages of the annual plans (COO duty 1): the plan tree of a year, a plan and its revisions,
objectives with their milestones and monthly progress, the milestone timeline and "my
milestones".

Every queryset starts from ``Model.objects.for_user``: a plan, revision, objective or milestone
the user may not see answers 404 like a missing one. Every change goes through
``operations.services.plans``; its refusals come back on the form (nothing is written), or as a
403 page when the change is not the user's to make.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from approvals.models import ApprovalEvent, State
from core.exceptions import ApplicationError, NotAllowed, NotFound
from core.exports import Column
from core.views import FilteredListView, PredicateRequiredMixin, add_service_error
from operations.forms_plans import (
    MilestoneFilterSet,
    MilestoneForm,
    MilestoneUpdateForm,
    MyMilestoneFilterSet,
    NewRevisionForm,
    ObjectiveForm,
    PlanCreateForm,
    ProgressForm,
    RevisionSummaryForm,
    may_create_any_plan,
    plan_years,
)
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision
from operations.services import plans as services
from organization.models import Department

S = Milestone.Status
S_PENDING = list(Milestone.PENDING)
OBJECTIVE_FIELDS = (
    "title",
    "description",
    "weight",
    "kpi_name",
    "kpi_unit",
    "baseline",
    "target",
    "owner",
)


# -- helpers ---------------------------------------------------------------------------------


def _plans(user):
    return AnnualPlan.objects.for_user(user).with_revisions()


def _get_plan(request, pk: int) -> AnnualPlan:
    return get_object_or_404(_plans(request.user), pk=pk)


def _get_objective(request, pk: int) -> Objective:
    return get_object_or_404(Objective.objects.for_user(request.user).with_relations(), pk=pk)


def _get_milestone(request, pk: int) -> Milestone:
    return get_object_or_404(Milestone.objects.for_user(request.user).with_relations(), pk=pk)


def _refuse(exc: ApplicationError) -> None:
    """Turn a service's 404 or 403 into the page of the same status."""
    if isinstance(exc, NotFound):
        raise Http404 from exc
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(str(exc.message)) from exc


def _require_author(request, plan: AnnualPlan) -> None:
    if not services.may_edit_plan(request.user, plan):
        raise PermissionDenied(_("Only the plan's authors may change it."))


def _working_url(plan: AnnualPlan) -> str:
    return f"{reverse('operations:plan_detail', args=[plan.pk])}?show=working"


def _editable_working(request, plan: AnnualPlan) -> PlanRevision | None:
    """The plan's draft or returned revision, or None (with a message saying why)."""
    working = plan.working_revision
    if working is None or not working.is_editable:
        if working is None:
            messages.error(
                request, _("Start a new revision of the plan before changing its content.")
            )
        else:
            messages.error(
                request,
                _("Revision %(number)s is %(state)s and cannot be changed now.")
                % {"number": working.number, "state": working.get_status_display().lower()},
            )
        return None
    return working


def parse_year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _year_choices(user, year: int) -> list[int]:
    years = set(AnnualPlan.objects.for_user(user).values_list("year", flat=True).distinct())
    return sorted(years | set(plan_years()) | {year}, reverse=True)


def _events_by_revision(revisions: list[PlanRevision]) -> dict[int, list[ApprovalEvent]]:
    """The approval history of each revision, in one query (what ``events_for`` gives for one)."""
    found: dict[int, list[ApprovalEvent]] = defaultdict(list)
    if not revisions:
        return found
    events = ApprovalEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(PlanRevision),
        object_id__in=[r.pk for r in revisions],
    ).select_related("actor")
    for event in events:
        found[event.object_id].append(event)
    return found


def _objectives_of(revision: PlanRevision) -> list[Objective]:
    """A revision's objectives with their owners and milestones (three queries)."""
    objectives = list(
        revision.objectives.select_related("owner")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("owner").order_by("due_date", "pk"),
            )
        )
        .order_by("order", "pk")
    )
    for objective in objectives:
        objective.revision = revision
    return objectives


def _mark_milestones(user, objectives: list[Objective], revision: PlanRevision) -> None:
    """Say on each milestone whether ``user`` may update it (only on the plan in force)."""
    in_force = revision.status == State.APPROVED
    author = services.may_edit_plan(user, revision.plan)
    for objective in objectives:
        for milestone in objective.milestones.all():
            milestone.may_update = in_force and (
                author or milestone.owner_id == user.pk or objective.owner_id == user.pk
            )


# -- the plan tree of a year -----------------------------------------------------------------


class PlanListView(TemplateView):
    """The company plan and the departments' plans of a year, as a tree, with progress."""

    template_name = "operations/plans/plan_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        year = parse_year(self.request.GET.get("year"), today.year)
        plans = list(_plans(user).filter(year=year))
        in_force = [p.current_revision_id for p in plans if p.current_revision_id]
        progress = services.progress_by_revision(in_force)
        late = dict(
            Milestone.objects.filter(objective__revision_id__in=in_force, status=S.LATE)
            .values_list("objective__revision_id")
            .annotate(n=Count("pk"))
        )
        working_ids = [p.working_revision.pk for p in plans if p.working_revision]
        visible_working = set(
            PlanRevision.objects.for_user(user)
            .filter(pk__in=working_ids)
            .values_list("pk", flat=True)
        )
        draftable = year in plan_years(today)
        for plan in plans:
            plan.progress = progress.get(plan.current_revision_id, 0)
            plan.late_count = late.get(plan.current_revision_id, 0)
            working = plan.working_revision
            plan.shown_working = working if working and working.pk in visible_working else None

        company_plan = next((p for p in plans if p.department_id is None), None)
        by_department = {p.department_id: p for p in plans if p.department_id}
        departments = {d.pk: d for d in Department.objects.managed_by(user).active()}
        departments.update({p.department_id: p.department for p in by_department.values()})
        rows = []
        for department, depth in _tree(list(departments.values())):
            plan = by_department.get(department.pk)
            rows.append(
                {
                    "department": department,
                    "depth": depth,
                    "indent": depth * 1.5,
                    "plan": plan,
                    "may_create": plan is None
                    and draftable
                    and department.active
                    and services.may_create_plan(user, department),
                }
            )
        context.update(
            year=year,
            years=_year_choices(user, year),
            company_plan=company_plan,
            may_create_company=company_plan is None
            and draftable
            and services.may_create_plan(user, None),
            rows=rows,
            company_figure=services.company_progress(year=year),
            tab="plans",
        )
        return context


def _tree(departments: list[Department]) -> list[tuple[Department, int]]:
    """Departments in tree order with their depth; those whose parent is not shown are roots."""
    shown = {d.pk for d in departments}
    children: dict[int | None, list[Department]] = defaultdict(list)
    for department in departments:
        parent = department.parent_id if department.parent_id in shown else None
        children[parent].append(department)
    ordered: list[tuple[Department, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for department in sorted(children.get(parent, []), key=lambda d: d.code):
            ordered.append((department, depth))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return ordered


class PlanCreateView(PredicateRequiredMixin, View):
    """Start a year's plan: the company's (the COO, the CEO) or a department's (also its head)."""

    template_name = "operations/plans/plan_form.html"
    predicate = staticmethod(may_create_any_plan)

    def get(self, request):
        initial = {}
        if request.GET.get("year"):
            initial["year"] = request.GET["year"]
        if request.GET.get("department"):
            initial["department"] = request.GET["department"]
        form = PlanCreateForm(user=request.user, initial=initial)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = PlanCreateForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                plan = services.plan_create(
                    user=request.user,
                    year=form.cleaned_data["year"],
                    department=form.cleaned_data["department"],
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("%(plan)s started: add its objectives.") % {"plan": plan}
                )
                return redirect(plan)
        return render(request, self.template_name, {"form": form})


# -- a plan and its revisions ----------------------------------------------------------------


class PlanDetailView(TemplateView):
    """The plan in force (or the working revision with ``?show=working``), its objectives and
    milestones, and the list of revisions with their approval history."""

    template_name = "operations/plans/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        plan = _get_plan(self.request, kwargs["pk"])
        revisions = list(
            PlanRevision.objects.for_user(user)
            .filter(plan=plan)
            .select_related("created_by", "submitted_by", "decided_by")
            .order_by("-number")
        )
        events = _events_by_revision(revisions)
        for revision in revisions:
            revision.plan = plan
            revision.events = events.get(revision.pk, [])
        by_pk = {r.pk: r for r in revisions}
        current = by_pk.get(plan.current_revision_id)
        working = plan.working_revision
        working = by_pk.get(working.pk) if working is not None else None
        show_working = working is not None and (
            current is None or self.request.GET.get("show") == "working"
        )
        shown = working if show_working else current
        author = services.may_edit_plan(user, plan)
        objectives = _objectives_of(shown) if shown is not None else []
        if shown is not None:
            _mark_milestones(user, objectives, shown)
        progress = services.progress_by_revision([r.pk for r in (current, working) if r])
        editable = bool(shown is not None and shown is working and working.is_editable and author)
        context.update(
            plan=plan,
            revisions=revisions,
            current=current,
            working=working,
            shown=shown,
            showing_working=show_working,
            objectives=objectives,
            weight_total=sum(o.weight for o in objectives),
            progress=progress.get(shown.pk, 0) if shown else 0,
            current_progress=progress.get(current.pk, 0) if current else None,
            editable=editable,
            may_author=author,
            may_edit_summary=bool(working is not None and working.is_editable and author),
            may_new_revision=author and current is not None and plan.working_revision is None,
            today=timezone.localdate(),
            working_url=_working_url(plan),
        )
        return context


class PlanRevisionView(TemplateView):
    """Any revision of a plan the user may see, read-only, with its approval history."""

    template_name = "operations/plans/plan_revision.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        plan = _get_plan(self.request, kwargs["pk"])
        revision = get_object_or_404(
            PlanRevision.objects.for_user(user).select_related(
                "created_by", "submitted_by", "decided_by"
            ),
            plan=plan,
            number=kwargs["number"],
        )
        revision.plan = plan
        objectives = _objectives_of(revision)
        for objective in objectives:
            for milestone in objective.milestones.all():
                milestone.may_update = False
        context.update(
            plan=plan,
            revision=revision,
            events=_events_by_revision([revision]).get(revision.pk, []),
            objectives=objectives,
            weight_total=sum(o.weight for o in objectives),
            progress=services.progress_by_revision([revision.pk]).get(revision.pk, 0),
            is_current=revision.pk == plan.current_revision_id,
            today=timezone.localdate(),
        )
        return context


class PlanNewRevisionView(View):
    """A new draft revision of an approved plan, saying what it changes."""

    template_name = "operations/plans/revision_form.html"

    def _context(self, plan, form):
        return {"plan": plan, "form": form, "new": True}

    def get(self, request, pk: int):
        plan = _get_plan(request, pk)
        _require_author(request, plan)
        if plan.working_revision is not None:
            messages.info(
                request,
                _("Revision %(number)s is already being worked on.")
                % {"number": plan.working_revision.number},
            )
            return redirect(_working_url(plan))
        return render(request, self.template_name, self._context(plan, NewRevisionForm()))

    def post(self, request, pk: int):
        plan = _get_plan(request, pk)
        _require_author(request, plan)
        form = NewRevisionForm(request.POST)
        if form.is_valid():
            try:
                revision = services.revision_start(
                    plan=plan,
                    user=request.user,
                    summary_of_changes=form.cleaned_data["summary_of_changes"],
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Revision %(number)s started: change the plan, then submit it.")
                    % {"number": revision.number},
                )
                return redirect(_working_url(plan))
        return render(request, self.template_name, self._context(plan, form))


class PlanRevisionEditView(View):
    """The summary of changes of the working revision."""

    template_name = "operations/plans/revision_form.html"

    def _revision(self, request, pk: int):
        plan = _get_plan(request, pk)
        _require_author(request, plan)
        return plan, _editable_working(request, plan)

    def get(self, request, pk: int):
        plan, revision = self._revision(request, pk)
        if revision is None:
            return redirect(plan)
        form = RevisionSummaryForm(initial={"summary_of_changes": revision.summary_of_changes})
        return render(
            request, self.template_name, {"plan": plan, "revision": revision, "form": form}
        )

    def post(self, request, pk: int):
        plan, revision = self._revision(request, pk)
        if revision is None:
            return redirect(plan)
        form = RevisionSummaryForm(request.POST)
        if form.is_valid():
            try:
                services.revision_update(
                    revision=revision,
                    user=request.user,
                    summary_of_changes=form.cleaned_data["summary_of_changes"],
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Summary of changes saved."))
                return redirect(_working_url(plan))
        return render(
            request, self.template_name, {"plan": plan, "revision": revision, "form": form}
        )


# -- objectives ------------------------------------------------------------------------------


class ObjectiveCreateView(View):
    """Add an objective to the plan's draft revision."""

    template_name = "operations/plans/objective_form.html"

    def _revision(self, request, pk: int):
        plan = _get_plan(request, pk)
        _require_author(request, plan)
        return plan, _editable_working(request, plan)

    def get(self, request, pk: int):
        plan, revision = self._revision(request, pk)
        if revision is None:
            return redirect(plan)
        form = ObjectiveForm(plan=plan)
        return render(request, self.template_name, {"plan": plan, "form": form})

    def post(self, request, pk: int):
        plan, revision = self._revision(request, pk)
        if revision is None:
            return redirect(plan)
        form = ObjectiveForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                objective = services.objective_save(
                    revision=revision, user=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Objective added."))
                return redirect(f"{_working_url(plan)}#objective-{objective.pk}")
        return render(request, self.template_name, {"plan": plan, "form": form})


class ObjectiveDetailView(View):
    """An objective: its KPI, progress by month, milestones, and the owner's progress form."""

    template_name = "operations/plans/objective_detail.html"

    def get(self, request, pk: int, progress_form=None, status=200):
        user = request.user
        objective = _get_objective(request, pk)
        revision = objective.revision
        plan = revision.plan
        milestones = list(objective.milestones.select_related("owner").order_by("due_date", "pk"))
        objective_list = [objective]
        for milestone in milestones:
            milestone.objective = objective
        objective._prefetched_objects_cache = {"milestones": milestones}
        _mark_milestones(user, objective_list, revision)
        in_force = revision.status == State.APPROVED
        may_report = in_force and services.may_report_progress(user, objective)
        if may_report and progress_form is None:
            progress_form = ProgressForm(
                year=plan.year,
                initial={
                    "month": _default_month(plan.year),
                    "percent_complete": objective.percent_complete,
                    "kpi_value": objective.kpi_actual,
                },
            )
        author = services.may_edit_plan(user, plan)
        return render(
            request,
            self.template_name,
            {
                "objective": objective,
                "revision": revision,
                "plan": plan,
                "milestones": milestones,
                "updates": list(
                    objective.progress_updates.select_related("author").order_by("-month")
                ),
                "in_force": in_force,
                "editable": author and revision.is_editable,
                # a refused report is shown with its form, even where none is offered
                "may_report": may_report or bool(progress_form and progress_form.is_bound),
                "progress_form": progress_form,
                "has_months": bool(progress_form and progress_form.fields["month"].choices),
                "today": timezone.localdate(),
            },
            status=status,
        )


def _default_month(year: int) -> str:
    today = timezone.localdate()
    month = today.replace(day=1) if year == today.year else dt.date(year, 12, 1)
    return month.isoformat()


class ObjectiveEditView(View):
    template_name = "operations/plans/objective_form.html"

    def _load(self, request, pk: int):
        objective = _get_objective(request, pk)
        plan = objective.revision.plan
        _require_author(request, plan)
        if not objective.revision.is_editable:
            messages.error(
                request,
                _("Revision %(number)s is %(state)s and cannot be changed: start a new revision.")
                % {
                    "number": objective.revision.number,
                    "state": objective.revision.get_status_display().lower(),
                },
            )
            return objective, plan, False
        return objective, plan, True

    def _render(self, request, objective, plan, form):
        return render(
            request, self.template_name, {"plan": plan, "objective": objective, "form": form}
        )

    def get(self, request, pk: int):
        objective, plan, editable = self._load(request, pk)
        if not editable:
            return redirect(objective)
        initial = {name: getattr(objective, name) for name in OBJECTIVE_FIELDS}
        form = ObjectiveForm(plan=plan, current_owner=objective.owner, initial=initial)
        return self._render(request, objective, plan, form)

    def post(self, request, pk: int):
        objective, plan, editable = self._load(request, pk)
        if not editable:
            return redirect(objective)
        form = ObjectiveForm(request.POST, plan=plan, current_owner=objective.owner)
        if form.is_valid():
            try:
                services.objective_save(
                    revision=objective.revision,
                    user=request.user,
                    objective=objective,
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Objective saved."))
                return redirect(objective)
        return self._render(request, objective, plan, form)


class ObjectiveDeleteView(View):
    """GET: confirm; POST: remove the objective (and its milestones) from the draft."""

    template_name = "operations/plans/confirm_delete.html"

    def _load(self, request, pk: int):
        objective = _get_objective(request, pk)
        _require_author(request, objective.revision.plan)
        return objective

    def get(self, request, pk: int):
        objective = self._load(request, pk)
        if not objective.revision.is_editable:
            _editable_working(request, objective.revision.plan)
            return redirect(objective)
        return render(
            request,
            self.template_name,
            {
                "obj": objective,
                "question": _("Remove the objective “%(title)s”?") % {"title": objective.title},
                "plan": objective.revision.plan,
                "cancel_url": objective.get_absolute_url(),
                "note": _("Its milestones are removed with it."),
            },
        )

    def post(self, request, pk: int):
        objective = self._load(request, pk)
        plan = objective.revision.plan
        try:
            services.objective_delete(objective=objective, user=request.user)
        except ApplicationError as exc:
            _refuse(exc)
            messages.error(request, exc.message)
            return redirect(objective)
        messages.success(request, _("Objective removed."))
        return redirect(_working_url(plan))


class ProgressRecordView(View):
    """POST: the owner's figure for a month (from the form on the objective's page)."""

    def get(self, request, pk: int):
        return redirect(_get_objective(request, pk))

    def post(self, request, pk: int):
        objective = _get_objective(request, pk)
        if not services.may_report_progress(request.user, objective):
            raise PermissionDenied(_("Only the objective's owner reports its progress."))
        form = ProgressForm(request.POST, year=objective.revision.plan.year)
        if form.is_valid():
            try:
                services.progress_record(
                    objective=objective, user=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Progress recorded."))
                return redirect(objective)
        return ObjectiveDetailView().get(request, pk, progress_form=form, status=400)


# -- milestones ------------------------------------------------------------------------------


class MilestoneCreateView(View):
    template_name = "operations/plans/milestone_form.html"

    def _load(self, request, pk: int):
        objective = _get_objective(request, pk)
        _require_author(request, objective.revision.plan)
        return objective

    def _render(self, request, objective, form):
        return render(
            request,
            self.template_name,
            {"objective": objective, "plan": objective.revision.plan, "form": form},
        )

    def get(self, request, pk: int):
        objective = self._load(request, pk)
        if not objective.revision.is_editable:
            _editable_working(request, objective.revision.plan)
            return redirect(objective)
        form = MilestoneForm(plan=objective.revision.plan, initial={"owner": objective.owner})
        return self._render(request, objective, form)

    def post(self, request, pk: int):
        objective = self._load(request, pk)
        form = MilestoneForm(request.POST, plan=objective.revision.plan)
        if form.is_valid():
            try:
                services.milestone_save(objective=objective, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Milestone added."))
                return redirect(objective)
        return self._render(request, objective, form)


class MilestoneEditView(View):
    template_name = "operations/plans/milestone_form.html"

    def _load(self, request, pk: int):
        milestone = _get_milestone(request, pk)
        _require_author(request, milestone.objective.revision.plan)
        return milestone

    def _render(self, request, milestone, form):
        objective = milestone.objective
        return render(
            request,
            self.template_name,
            {
                "objective": objective,
                "milestone": milestone,
                "plan": objective.revision.plan,
                "form": form,
            },
        )

    def get(self, request, pk: int):
        milestone = self._load(request, pk)
        if not milestone.objective.revision.is_editable:
            _editable_working(request, milestone.objective.revision.plan)
            return redirect(milestone)
        form = MilestoneForm(
            plan=milestone.objective.revision.plan,
            current_owner=milestone.owner,
            initial={
                "title": milestone.title,
                "due_date": milestone.due_date,
                "owner": milestone.owner,
            },
        )
        return self._render(request, milestone, form)

    def post(self, request, pk: int):
        milestone = self._load(request, pk)
        form = MilestoneForm(
            request.POST, plan=milestone.objective.revision.plan, current_owner=milestone.owner
        )
        if form.is_valid():
            try:
                services.milestone_save(
                    objective=milestone.objective,
                    user=request.user,
                    milestone=milestone,
                    **form.cleaned_data,
                )
            except ApplicationError as exc:
                _refuse(exc)
                add_service_error(form, exc)
            else:
                messages.success(request, _("Milestone saved."))
                return redirect(milestone)
        return self._render(request, milestone, form)


class MilestoneDeleteView(View):
    template_name = "operations/plans/confirm_delete.html"

    def _load(self, request, pk: int):
        milestone = _get_milestone(request, pk)
        _require_author(request, milestone.objective.revision.plan)
        return milestone

    def get(self, request, pk: int):
        milestone = self._load(request, pk)
        if not milestone.objective.revision.is_editable:
            _editable_working(request, milestone.objective.revision.plan)
            return redirect(milestone)
        return render(
            request,
            self.template_name,
            {
                "obj": milestone,
                "question": _("Remove the milestone “%(title)s”?") % {"title": milestone.title},
                "plan": milestone.objective.revision.plan,
                "cancel_url": milestone.get_absolute_url(),
            },
        )

    def post(self, request, pk: int):
        milestone = self._load(request, pk)
        try:
            services.milestone_delete(milestone=milestone, user=request.user)
        except ApplicationError as exc:
            _refuse(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Milestone removed."))
        return redirect(milestone)


class MilestoneUpdateView(View):
    """Where a milestone stands: status, percentage and evidence (note and file)."""

    template_name = "operations/plans/milestone_update.html"

    def _load(self, request, pk: int):
        milestone = _get_milestone(request, pk)
        if not services.may_update_milestone(request.user, milestone):
            raise PermissionDenied(
                _("Only the milestone's owner or the plan's authors may update it.")
            )
        return milestone

    def _form(self, request, milestone, data=None, files=None):
        may_cancel = services.may_edit_plan(request.user, milestone.objective.revision.plan)
        return MilestoneUpdateForm(data, files, milestone=milestone, may_cancel=may_cancel)

    def _render(self, request, milestone, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "milestone": milestone,
                "objective": milestone.objective,
                "plan": milestone.objective.revision.plan,
                "objective_visible": _objective_visible(request, milestone),
                "form": form,
                "today": timezone.localdate(),
                "next": _safe_next(request),
            },
            status=status,
        )

    def _in_force(self, request, milestone) -> bool:
        if milestone.objective.revision.status != State.APPROVED:
            messages.error(
                request, _("Progress is recorded against the plan in force, not against a draft.")
            )
            return False
        return True

    def get(self, request, pk: int):
        milestone = self._load(request, pk)
        if not self._in_force(request, milestone):
            return redirect(milestone)
        return self._render(request, milestone, self._form(request, milestone))

    def post(self, request, pk: int):
        milestone = self._load(request, pk)
        form = self._form(request, milestone, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.milestone_update(
                    milestone=milestone,
                    user=request.user,
                    status=data["status"],
                    percent_complete=data["percent_complete"],
                    evidence_note=data["evidence_note"],
                    evidence_file=data["evidence_file"] or None,
                )
            except ApplicationError as exc:
                _refuse(exc)
                if exc.field == "file":
                    exc.field = "evidence_file"
                add_service_error(form, exc)
            else:
                messages.success(request, _("Milestone updated."))
                if _safe_next(request):
                    return redirect(_safe_next(request))
                if _objective_visible(request, milestone):
                    return redirect(milestone)
                return redirect("operations:my_milestones")
        return self._render(request, milestone, form, status=400)


def _objective_visible(request, milestone: Milestone) -> bool:
    """Whether the user sees the milestone's objective (an owner may own a milestone of a plan
    they do not otherwise see)."""
    return Objective.objects.for_user(request.user).filter(pk=milestone.objective_id).exists()


def _safe_next(request) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


class MilestoneEvidenceView(View):
    """GET: the evidence file, for those who may see the milestone (media is not public)."""

    def get(self, request, pk: int):
        milestone = _get_milestone(request, pk)
        if not milestone.evidence_file:
            raise Http404
        try:
            handle = milestone.evidence_file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        name = milestone.evidence_file.name.rsplit("/", 1)[-1]
        return FileResponse(handle, as_attachment=True, filename=name)


# -- the timeline and my milestones ------------------------------------------------------------

MILESTONE_COLUMNS = [
    Column(gettext_lazy("Plan"), lambda m: str(m.objective.revision.plan)),
    Column(
        gettext_lazy("Department"),
        lambda m: (
            m.objective.revision.plan.department.code
            if m.objective.revision.plan.department_id
            else ""
        ),
    ),
    Column(gettext_lazy("Objective"), lambda m: m.objective.title),
    Column(gettext_lazy("Milestone"), lambda m: m.title),
    Column(gettext_lazy("Due date"), lambda m: m.due_date),
    Column(gettext_lazy("Status"), lambda m: m.get_status_display()),
    Column(gettext_lazy("Complete (%)"), lambda m: m.percent_complete),
    Column(gettext_lazy("Owner"), lambda m: m.owner.username),
    Column(gettext_lazy("Completed on"), lambda m: m.completed_on),
    Column(gettext_lazy("Evidence"), lambda m: m.evidence_note),
]


def _milestones(user):
    return Milestone.objects.for_user(user).in_force().with_relations()


def _by_month(milestones) -> list[tuple[dt.date, list[Milestone]]]:
    months: dict[dt.date, list[Milestone]] = {}
    for milestone in milestones:
        months.setdefault(milestone.due_date.replace(day=1), []).append(milestone)
    return list(months.items())


class PlanTimelineView(FilteredListView):
    """Milestones of the plans in force of a year, by month; filters by plan, status, owner."""

    template_name = "operations/plans/timeline.html"
    filterset_class = MilestoneFilterSet
    export_columns = MILESTONE_COLUMNS
    export_filename = "milestones"
    paginate_by = 100

    def year(self) -> int:
        return parse_year(self.request.GET.get("year"), timezone.localdate().year)

    def get_base_queryset(self):
        return (
            _milestones(self.request.user)
            .filter(objective__revision__plan__year=self.year())
            .order_by("due_date", "objective__revision__plan__department__code", "pk")
        )

    def get_queryset(self):
        year = self.year()
        plans = AnnualPlan.objects.for_user(self.request.user).filter(
            year=year, current_revision__isnull=False
        )
        departments = Department.objects.filter(annual_plans__in=plans).order_by("code")
        self.filterset = self.filterset_class(
            self.request.GET or None,
            queryset=self.get_base_queryset(),
            request=self.request,
            departments=departments,
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.year()
        filters = self.request.GET.copy()
        for key in ("page", "export", "year"):
            filters.pop(key, None)
        context.update(
            year=year,
            years=_year_choices(self.request.user, year),
            months=_by_month(context["object_list"]),
            filters_query=filters.urlencode(),
            today=timezone.localdate(),
            tab="timeline",
        )
        return context


class MyMilestonesView(FilteredListView):
    """The milestones the user owns on plans in force, overdue first."""

    template_name = "operations/plans/my_milestones.html"
    filterset_class = MyMilestoneFilterSet
    export_columns = MILESTONE_COLUMNS
    export_filename = "my-milestones"
    paginate_by = 50

    def get_base_queryset(self):
        today = timezone.localdate()
        return (
            _milestones(self.request.user)
            .filter(owner=self.request.user)
            .annotate(
                rank=Case(
                    When(
                        Q(status=S.LATE) | Q(status__in=S_PENDING, due_date__lt=today),
                        then=Value(0),
                    ),
                    When(status__in=S_PENDING, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                )
            )
            .order_by("rank", "due_date", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        milestones = context["object_list"]
        visible = set(
            Objective.objects.for_user(self.request.user)
            .filter(pk__in=[m.objective_id for m in milestones])
            .values_list("pk", flat=True)
        )
        for milestone in milestones:
            milestone.objective_visible = milestone.objective_id in visible
        context.update(
            milestones=milestones,
            today=timezone.localdate(),
            here=self.request.get_full_path(),
            tab="mine",
        )
        return context
