"""Annual plans: drafting revisions, objectives and milestones, progress, roll-ups, late job.

Content (objectives, milestones) changes only in a draft or returned revision; execution
(progress updates, milestone status and evidence) only on the revision in force. Approving a
new revision carries the execution of the one it replaces across by lineage, then supersedes it.
Refusals are ApplicationError (400), NotAllowed (403) or NotFound (404); nothing partial is
written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from approvals.models import State
from approvals.policies import ApprovalPolicy
from approvals.services import supersede
from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision, ProgressUpdate
from organization.models import Department, User
from organization.roles import Role, has_role
from organization.scoping import scope_of
from organization.services.notifications import notification_send


class PlanPolicy(ApprovalPolicy):
    """Plans follow the default policy (department plan: the COO or the CEO approves; company
    plan: the CEO), except that an approved revision is in force at once: no publication."""

    def refusal(self, user: User, obj, action: str) -> str | None:
        if action == "publish":
            return _("An approved plan is in force at once; it is not published separately.")
        return super().refusal(user, obj, action)


POLICY = PlanPolicy()


def may_edit_plan(user: User, plan: AnnualPlan) -> bool:
    """Who drafts a plan: the COO and the CEO; heads of the department for department plans."""
    if plan.department_id is None:
        return has_role(user, *POLICY.company_author_roles)
    if has_role(user, Role.COO, Role.CEO):
        return True
    return has_role(user, Role.DEPARTMENT_HEAD) and scope_of(user).covers_department(
        plan.department_id
    )


def may_create_plan(user: User, department: Department | None) -> bool:
    probe = AnnualPlan(department=department, year=2000)
    if department is not None:
        probe.department_id = department.pk
    return may_edit_plan(user, probe)


def _visible(model, user: User, pk: int):
    obj = model.objects.for_user(user).filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("Not found."))
    return obj


def _editable_revision(revision: PlanRevision, user: User) -> PlanRevision:
    revision = (
        PlanRevision.objects.select_for_update(of=("self",))
        .select_related("plan__department")
        .get(pk=_visible(PlanRevision, user, revision.pk).pk)
    )
    if not may_edit_plan(user, revision.plan):
        raise NotAllowed(_("Only the plan's authors may change it."))
    if not revision.is_editable:
        raise ApplicationError(
            _("Revision %(number)s is %(state)s and cannot be changed: start a new revision.")
            % {"number": revision.number, "state": revision.get_status_display().lower()}
        )
    return revision


# -- plans and revisions ------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, user: User, year: int, department: Department | None = None) -> AnnualPlan:
    """Start a year's plan (company-wide when ``department`` is None) with a first draft."""
    if not may_create_plan(user, department):
        if department is None:
            raise NotAllowed(_("Only the COO or the CEO may draft the company plan."))
        raise NotAllowed(_("Only the COO, the CEO or the department's head may draft its plan."))
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    today = timezone.localdate()
    if not today.year - 1 <= year <= today.year + 1:
        raise ApplicationError(
            _("Plans are drafted for last year, this year or next year (%(a)s to %(b)s).")
            % {"a": today.year - 1, "b": today.year + 1},
            field="year",
        )
    if department is not None and not department.active:
        raise ApplicationError(_("This department is no longer active."), field="department")
    if AnnualPlan.objects.filter(year=year, department=department).exists():
        raise ApplicationError(_("This plan already exists for %(year)s.") % {"year": year})
    plan = AnnualPlan.objects.create(year=year, department=department)
    revision = PlanRevision.objects.create(plan=plan, number=1, created_by=user)
    plan.latest_revision = revision
    plan.save(update_fields=["latest_revision", "updated_at"])
    return plan


@transaction.atomic
def revision_start(*, plan: AnnualPlan, user: User, summary_of_changes: str = "") -> PlanRevision:
    """A new draft revision of an approved plan, with a copy of its objectives and milestones."""
    plan = AnnualPlan.objects.select_for_update().get(pk=_visible(AnnualPlan, user, plan.pk).pk)
    if not may_edit_plan(user, plan):
        raise NotAllowed(_("Only the plan's authors may change it."))
    if plan.working_revision is not None:
        raise ApplicationError(
            _("Revision %(number)s is already being worked on.")
            % {"number": plan.working_revision.number}
        )
    source = plan.current_revision
    if source is None:
        raise ApplicationError(_("The plan has no approved revision to start from."))
    number = (plan.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    revision = PlanRevision.objects.create(
        plan=plan,
        number=number,
        created_by=user,
        summary_of_changes=(summary_of_changes or "").strip(),
    )
    _copy_content(source, revision)
    plan.latest_revision = revision
    plan.save(update_fields=["latest_revision", "updated_at"])
    return revision


def _copy_content(source: PlanRevision, target: PlanRevision) -> None:
    objectives = list(source.objectives.prefetch_related("milestones", "progress_updates"))
    copies = Objective.objects.bulk_create(
        Objective(
            revision=target,
            lineage=o.lineage,
            order=o.order,
            title=o.title,
            description=o.description,
            weight=o.weight,
            kpi_name=o.kpi_name,
            kpi_unit=o.kpi_unit,
            baseline=o.baseline,
            target=o.target,
            owner_id=o.owner_id,
            percent_complete=o.percent_complete,
            kpi_actual=o.kpi_actual,
        )
        for o in objectives
    )
    milestones, updates = [], []
    for original, copy in zip(objectives, copies, strict=True):
        milestones += [
            Milestone(
                objective=copy,
                lineage=m.lineage,
                title=m.title,
                due_date=m.due_date,
                owner_id=m.owner_id,
                status=m.status,
                percent_complete=m.percent_complete,
                completed_on=m.completed_on,
                evidence_note=m.evidence_note,
                evidence_file=m.evidence_file.name,
            )
            for m in original.milestones.all()
        ]
        updates += [_copy_update(u, copy) for u in original.progress_updates.all()]
    Milestone.objects.bulk_create(milestones)
    ProgressUpdate.objects.bulk_create(updates)


def _copy_update(update: ProgressUpdate, objective: Objective) -> ProgressUpdate:
    return ProgressUpdate(
        objective=objective,
        month=update.month,
        kpi_value=update.kpi_value,
        percent_complete=update.percent_complete,
        comment=update.comment,
        author_id=update.author_id,
        created_at=update.created_at,
    )


def _carry_execution(source: PlanRevision, target: PlanRevision) -> None:
    """Bring the progress recorded on ``source`` (in force until now) across to ``target``."""
    old = {o.lineage: o for o in source.objectives.prefetch_related("progress_updates")}
    old_milestones = {m.lineage: m for m in Milestone.objects.filter(objective__revision=source)}
    objectives = list(target.objectives.all())
    ProgressUpdate.objects.filter(objective__in=objectives).delete()
    updates = []
    for objective in objectives:
        previous = old.get(objective.lineage)
        if previous is None:
            objective.percent_complete, objective.kpi_actual = 0, None
            continue
        objective.percent_complete = previous.percent_complete
        objective.kpi_actual = previous.kpi_actual
        updates += [_copy_update(u, objective) for u in previous.progress_updates.all()]
    Objective.objects.bulk_update(objectives, ["percent_complete", "kpi_actual"])
    ProgressUpdate.objects.bulk_create(updates)
    milestones = list(Milestone.objects.filter(objective__revision=target))
    for milestone in milestones:
        previous = old_milestones.get(milestone.lineage)
        if previous is None:
            continue
        milestone.status = previous.status
        milestone.percent_complete = previous.percent_complete
        milestone.completed_on = previous.completed_on
        milestone.evidence_note = previous.evidence_note
        milestone.evidence_file = previous.evidence_file.name
    Milestone.objects.bulk_update(
        milestones,
        ["status", "percent_complete", "completed_on", "evidence_note", "evidence_file"],
    )


@transaction.atomic
def revision_update(*, revision: PlanRevision, user: User, summary_of_changes: str) -> PlanRevision:
    revision = _editable_revision(revision, user)
    revision.summary_of_changes = (summary_of_changes or "").strip()
    revision.save(update_fields=["summary_of_changes", "updated_at"])
    return revision


def revision_check_submittable(*, revision: PlanRevision) -> None:
    """A plan goes to approval with at least one objective and weights that add up to 100."""
    totals = revision.objectives.aggregate(total=Sum("weight"))
    if not totals["total"]:
        raise ApplicationError(_("Add at least one objective before submitting the plan."))
    if totals["total"] != 100:
        raise ApplicationError(
            _("The objectives' weights add up to %(total)s; they must add up to 100.")
            % {"total": totals["total"]}
        )
    if revision.number > 1 and not revision.summary_of_changes.strip():
        raise ApplicationError(
            _("Say what this revision changes before submitting it."), field="summary_of_changes"
        )


def revision_after_approve(*, revision: PlanRevision, user: User) -> None:
    """The approved revision is in force: it takes over progress and supersedes the old one."""
    plan = AnnualPlan.objects.select_for_update().get(pk=revision.plan_id)
    previous = plan.current_revision
    if previous is not None and previous.pk != revision.pk:
        _carry_execution(previous, revision)
        supersede(obj=previous, user=user)
    plan.current_revision = revision
    plan.latest_revision = revision
    plan.save(update_fields=["current_revision", "latest_revision", "updated_at"])


def revision_after_archive(*, revision: PlanRevision) -> None:
    """An archived draft is dropped: the plan's latest revision goes back to the one in force."""
    plan = AnnualPlan.objects.select_for_update().get(pk=revision.plan_id)
    if plan.current_revision_id == revision.pk:
        plan.current_revision = None
    if plan.latest_revision_id == revision.pk:
        plan.latest_revision = (
            plan.revisions.exclude(pk=revision.pk).exclude(status=State.ARCHIVED).first()
        )
    plan.save(update_fields=["current_revision", "latest_revision", "updated_at"])


# -- objectives and milestones (content) --------------------------------------------------------


def _check_owner(owner: User | None) -> None:
    if owner is None or not owner.is_active:
        raise ApplicationError(_("Choose an active person as the owner."), field="owner")


def _whole_number(raw) -> int | None:
    """``raw`` as a whole number (an int, an integral float or Decimal, or digits in a string);
    None for anything else, booleans and fractions included."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)


def _kpi_figure(raw, *, field: str, message: str, required: bool) -> Decimal | None:
    """A KPI figure (baseline, target, value) as a Decimal of at most 12 digits and 2 places."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ApplicationError(_("Give the KPI's target."), field=field)
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ApplicationError(message % {"value": raw}, field=field)
    return value.quantize(Decimal("0.01"))


OBJECTIVE_FIELDS = (
    "title",
    "description",
    "weight",
    "kpi_name",
    "kpi_unit",
    "baseline",
    "target",
    "owner",
    "order",
)


@transaction.atomic
def objective_save(
    *, revision: PlanRevision, user: User, objective: Objective | None = None, **fields
) -> Objective:
    """Add an objective to a draft revision, or change one of its objectives."""
    revision = _editable_revision(revision, user)
    if objective is not None and objective.revision_id != revision.pk:
        raise NotFound(_("Not found."))
    unknown = set(fields) - set(OBJECTIVE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %s.") % ", ".join(sorted(unknown)))
    objective = objective or Objective(revision=revision)
    for name, value in fields.items():
        setattr(objective, name, value.strip() if isinstance(value, str) else value)
    if not objective.title:
        raise ApplicationError(_("Give the objective a title."), field="title")
    if not objective.kpi_name:
        raise ApplicationError(_("Name the KPI that measures it."), field="kpi_name")
    objective.target = _kpi_figure(
        objective.target,
        field="target",
        message=_("The target is a number; “%(value)s” is not."),
        required=True,
    )
    baseline = _kpi_figure(
        objective.baseline,
        field="baseline",
        message=_("The baseline is a number; “%(value)s” is not."),
        required=False,
    )
    objective.baseline = baseline if baseline is not None else Decimal(0)
    weight = _whole_number(objective.weight) or 0
    if not 1 <= weight <= 100:
        raise ApplicationError(_("The weight is a whole number from 1 to 100."), field="weight")
    objective.weight = weight
    _check_owner(objective.owner if objective.owner_id else None)
    if objective.pk is None and not fields.get("order"):
        objective.order = revision.objectives.count() + 1
    objective.save()
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, user: User) -> None:
    _editable_revision(objective.revision, user)
    objective.delete()


@transaction.atomic
def milestone_save(
    *,
    objective: Objective,
    user: User,
    title: str,
    due_date: dt.date,
    owner: User,
    milestone: Milestone | None = None,
) -> Milestone:
    """Add a milestone to an objective of a draft revision, or change one."""
    revision = _editable_revision(objective.revision, user)
    if milestone is not None and milestone.objective_id != objective.pk:
        raise NotFound(_("Not found."))
    if not (title or "").strip():
        raise ApplicationError(_("Give the milestone a title."), field="title")
    if due_date is None:
        raise ApplicationError(_("Give the milestone a due date."), field="due_date")
    if due_date.year != revision.plan.year:
        raise ApplicationError(
            _("Milestones of the %(year)s plan fall due in %(year)s.")
            % {"year": revision.plan.year},
            field="due_date",
        )
    _check_owner(owner)
    milestone = milestone or Milestone(objective=objective)
    milestone.title, milestone.due_date, milestone.owner = title.strip(), due_date, owner
    milestone.save()
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, user: User) -> None:
    _editable_revision(milestone.objective.revision, user)
    milestone.delete()


# -- execution: progress updates and milestone status -------------------------------------------


def may_report_progress(user: User, objective: Objective) -> bool:
    return objective.owner_id == user.pk


def may_update_milestone(user: User, milestone: Milestone) -> bool:
    """The milestone's owner, the objective's owner, and the plan's authors."""
    objective = milestone.objective
    return (
        milestone.owner_id == user.pk
        or objective.owner_id == user.pk
        or may_edit_plan(user, objective.revision.plan)
    )


def _in_force(objective: Objective) -> None:
    if objective.revision.status != State.APPROVED:
        raise ApplicationError(
            _("Progress is recorded against the plan in force, not against a draft.")
        )


@transaction.atomic
def progress_record(
    *,
    objective: Objective,
    user: User,
    month: dt.date,
    percent_complete,
    kpi_value: Decimal | None = None,
    comment: str = "",
) -> ProgressUpdate:
    """The owner's monthly figure for an objective; a second one for a month replaces the first.

    The objective keeps the figure of its latest month, which the roll-ups add up.
    """
    _visible(Objective, user, objective.pk)
    objective = (
        Objective.objects.select_for_update(of=("self",))
        .select_related("revision__plan")
        .get(pk=objective.pk)
    )
    if not may_report_progress(user, objective):
        raise NotAllowed(_("Only the objective's owner reports its progress."))
    _in_force(objective)
    if month is None:
        raise ApplicationError(_("Give the month reported."), field="month")
    month = month.replace(day=1)
    if month.year != objective.revision.plan.year:
        raise ApplicationError(
            _("Report months of %(year)s for the %(year)s plan.")
            % {"year": objective.revision.plan.year},
            field="month",
        )
    if month > timezone.localdate():
        raise ApplicationError(_("A month that has not started cannot be reported."), field="month")
    percent = _whole_number(percent_complete)
    if percent is None or not 0 <= percent <= 100:
        raise ApplicationError(
            _("Progress is a whole percentage from 0 to 100."), field="percent_complete"
        )
    kpi_value = _kpi_figure(
        kpi_value,
        field="kpi_value",
        message=_("The KPI value is a number; “%(value)s” is not."),
        required=False,
    )
    update, _created = ProgressUpdate.objects.update_or_create(
        objective=objective,
        month=month,
        defaults={
            "kpi_value": kpi_value,
            "percent_complete": percent,
            "comment": (comment or "").strip(),
            "author": user,
            "created_at": timezone.now(),
        },
    )
    latest = objective.progress_updates.order_by("-month").first()
    objective.percent_complete = latest.percent_complete
    objective.kpi_actual = latest.kpi_value
    objective.save(update_fields=["percent_complete", "kpi_actual"])
    return update


MILESTONE_TARGETS = (
    Milestone.Status.IN_PROGRESS,
    Milestone.Status.DONE,
    Milestone.Status.CANCELLED,
)


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    user: User,
    status: str,
    percent_complete=None,
    evidence_note: str | None = None,
    evidence_file: UploadedFile | None = None,
) -> Milestone:
    """Record where a milestone stands: in progress (with a percentage), done or cancelled,
    with evidence. A milestone past its date stays ``late`` until it is done or cancelled."""
    from operations.services.regulations import validate_upload

    _visible(Milestone, user, milestone.pk)
    milestone = (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("objective__revision__plan")
        .get(pk=milestone.pk)
    )
    if not may_update_milestone(user, milestone):
        raise NotAllowed(_("Only the milestone's owner or the plan's authors may update it."))
    _in_force(milestone.objective)
    if status not in MILESTONE_TARGETS and status != milestone.status:
        raise ApplicationError(_("Choose in progress, done or cancelled."), field="status")
    finished = (Milestone.Status.DONE, Milestone.Status.CANCELLED)
    author = may_edit_plan(user, milestone.objective.revision.plan)
    if milestone.status in finished and status != milestone.status and not author:
        raise NotAllowed(_("Only the plan's authors may reopen a finished milestone."))
    if status == Milestone.Status.CANCELLED and not author:
        raise NotAllowed(_("Only the plan's authors may cancel a milestone."))
    if percent_complete in (None, ""):
        percent = milestone.percent_complete
    else:
        percent = _whole_number(percent_complete)
    if percent is None or not 0 <= percent <= 100:
        raise ApplicationError(
            _("Progress is a whole percentage from 0 to 100."), field="percent_complete"
        )
    if status == Milestone.Status.DONE:
        percent = 100
        milestone.completed_on = milestone.completed_on or timezone.localdate()
    else:
        milestone.completed_on = None
    if status == Milestone.Status.IN_PROGRESS and milestone.due_date < timezone.localdate():
        status = Milestone.Status.LATE
    milestone.status = status
    milestone.percent_complete = percent
    if evidence_note is not None:
        milestone.evidence_note = evidence_note.strip()
    if evidence_file is not None:
        validate_upload(evidence_file)
        milestone.evidence_file.save(evidence_file.name, evidence_file, save=False)
    milestone.save()
    return milestone


# -- the daily job ------------------------------------------------------------------------------


def _department_head_users(department_ids: Iterable[int]) -> dict[int, User]:
    return {
        d.pk: d.head.user
        for d in Department.objects.filter(pk__in=set(department_ids), head__isnull=False)
        .select_related("head__user")
        .filter(head__user__is_active=True)
    }


def milestones_mark_late(*, today: dt.date) -> dict[str, int]:
    """Daily: milestones of plans in force that are past due and not done turn ``late``; their
    owner and the department's head (the COO for the company plan) are told once."""
    late = list(
        Milestone.objects.in_force()
        .pending()
        .filter(due_date__lt=today)
        .select_related("owner", "objective__revision__plan__department")
    )
    if not late:
        return {"late": 0, "notified": 0}
    with transaction.atomic():
        Milestone.objects.filter(pk__in=[m.pk for m in late]).update(status=Milestone.Status.LATE)
    heads = _department_head_users(
        m.objective.revision.plan.department_id
        for m in late
        if m.objective.revision.plan.department_id
    )
    coos = list(User.objects.filter(is_active=True, groups__name=Role.COO))
    sent = 0
    for milestone in late:
        department_id = milestone.objective.revision.plan.department_id
        recipients = [milestone.owner]
        recipients += [heads[department_id]] if department_id in heads else coos
        sent += len(
            notification_send(
                recipients=[u for u in recipients if u.is_active],
                title=lambda m=milestone: gettext("Milestone late (due {date}): {title}").format(
                    date=date_format(m.due_date), title=m.title
                ),
                url=milestone.get_absolute_url(),
                level="warning",
                key=f"milestone-late:{milestone.lineage}",
            )
        )
    return {"late": len(late), "notified": sent}


# -- roll-ups -----------------------------------------------------------------------------------


def progress_by_revision(revision_ids: Iterable[int]) -> dict[int, int]:
    """Each revision's progress: its objectives' percentages weighted by weight, in one query."""
    rows = (
        Objective.objects.filter(revision_id__in=list(revision_ids))
        .values("revision_id")
        .annotate(points=Sum(F("weight") * F("percent_complete")), weights=Sum("weight"))
    )
    return {
        r["revision_id"]: round(r["points"] / r["weights"]) if r["weights"] else 0 for r in rows
    }


def company_progress(*, year: int) -> int | None:
    """The year's company figure: the mean of the progress of every plan in force (the company
    plan and each department's plan count equally). None when no plan is in force."""
    revision_ids = list(
        AnnualPlan.objects.filter(year=year, current_revision__isnull=False).values_list(
            "current_revision_id", flat=True
        )
    )
    figures = progress_by_revision(revision_ids)
    if not revision_ids:
        return None
    return round(sum(figures.get(pk, 0) for pk in revision_ids) / len(revision_ids))
