"""Annual work plans (COO duty 1): a company plan and one plan per department each year.

An :class:`AnnualPlan` is the lasting item (year, department or none for the company); what it
says lives in numbered :class:`PlanRevision` rows that go through the approval workflow: a
department plan is approved by the COO (or the CEO), the company plan by the CEO. The approved
revision is in force at once (``current_revision``); changing it means a new revision, approved
again, and the earlier ones stay readable.

A revision holds :class:`Objective` rows (weight, KPI with baseline and target, owner) and their
:class:`Milestone` rows. Objectives and milestones carry a ``lineage`` that stays the same from
one revision to the next, so that the progress recorded against the revision in force moves to
the next one when it is approved. Progress is reported monthly per objective
(:class:`ProgressUpdate`); the latest figure is kept on the objective so that roll-ups by weight
are one SQL aggregate.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals.models import Approvable, State
from core.models import TimeStampedModel

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class AnnualPlanQuerySet(models.QuerySet):
    def for_user(self, user) -> AnnualPlanQuerySet:
        """Plans ``user`` may see.

        CEO, COO and auditor: all. Everyone else: the company plan, the plans of the
        departments they oversee (heads and managers, sub-departments included) and the plan of
        their own department.
        """
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        department_ids = set(scope.department_ids)
        if scope.own_department_id is not None:
            department_ids.add(scope.own_department_id)
        return self.filter(
            models.Q(department__isnull=True) | models.Q(department_id__in=department_ids)
        )

    def with_revisions(self) -> AnnualPlanQuerySet:
        return self.select_related("department", "current_revision", "latest_revision")


class AnnualPlan(TimeStampedModel):
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annual_plans",
        help_text=_("Empty for the company plan."),
    )
    current_revision = models.ForeignKey(
        "operations.PlanRevision",
        verbose_name=_("revision in force"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    latest_revision = models.ForeignKey(
        "operations.PlanRevision",
        verbose_name=_("latest revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AnnualPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-year", "department__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "department"],
                condition=models.Q(department__isnull=False),
                name="annual_plan_department_year_unique",
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(department__isnull=True),
                name="annual_plan_company_year_unique",
            ),
        ]

    def __str__(self) -> str:
        from django.utils.translation import gettext

        owner = self.department.name if self.department_id else gettext("Company")
        return gettext("%(owner)s plan %(year)s") % {"owner": owner, "year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("operations:plan_detail", kwargs={"pk": self.pk})

    @property
    def is_company(self) -> bool:
        return self.department_id is None

    @property
    def working_revision(self) -> PlanRevision | None:
        """The revision being drafted or decided, when it is not the one in force."""
        latest = self.latest_revision
        working = (State.DRAFT, State.RETURNED, State.SUBMITTED)
        if (
            latest is not None
            and latest.pk != self.current_revision_id
            and latest.status in working
        ):
            return latest
        return None


class PlanRevisionQuerySet(models.QuerySet):
    def for_user(self, user) -> PlanRevisionQuerySet:
        """Revisions of the plans ``user`` sees: approved and past ones for anyone who sees the
        plan; drafts and revisions awaiting a decision only for those who may work on them
        (company-wide roles, and heads and managers of the plan's department)."""
        from organization.scoping import scope_of

        if user is None or not user.is_authenticated:
            return self.none()
        scope = scope_of(user)
        if scope.company_wide:
            return self
        visible = AnnualPlan.objects.for_user(user).values("pk")
        settled = models.Q(status__in=[State.APPROVED, State.SUPERSEDED, State.ARCHIVED])
        workers = models.Q(created_by=user)
        if scope.department_ids:
            workers |= models.Q(plan__department_id__in=scope.department_ids)
        return self.filter(plan__in=visible).filter(settled | workers)


class PlanRevision(Approvable, TimeStampedModel):
    """One numbered version of a plan's objectives and milestones, approved as a whole."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    summary_of_changes = models.TextField(_("summary of changes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PlanRevisionQuerySet.as_manager()
    approval_department_lookup = "plan__department"

    class Meta:
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan} (r{self.number})"

    def get_absolute_url(self) -> str:
        return reverse(
            "operations:plan_revision", kwargs={"pk": self.plan_id, "number": self.number}
        )

    def get_approval_department_id(self) -> int | None:
        return self.plan.department_id

    @classmethod
    def inbox_queryset(cls, queryset):
        return queryset.select_related("plan__department", "submitted_by").order_by("submitted_at")

    @property
    def is_in_force(self) -> bool:
        return self.status == State.APPROVED

    def check_transition(self, *, action: str, user) -> None:
        from operations.services.plans import revision_check_submittable

        if action == "submit":
            revision_check_submittable(revision=self)

    def after_transition(self, *, action: str, user) -> None:
        from operations.services.plans import revision_after_approve, revision_after_archive

        if action == "approve":
            revision_after_approve(revision=self, user=user)
        elif action == "archive":
            revision_after_archive(revision=self)


class ObjectiveQuerySet(models.QuerySet):
    def for_user(self, user) -> ObjectiveQuerySet:
        """Objectives of the revisions ``user`` sees, and those ``user`` owns."""
        from organization.scoping import scope_of

        if scope_of(user).company_wide:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        revisions = PlanRevision.objects.for_user(user).values("pk")
        return self.filter(models.Q(revision__in=revisions) | models.Q(owner=user))

    def in_force(self) -> ObjectiveQuerySet:
        return self.filter(revision__status=State.APPROVED)

    def with_relations(self) -> ObjectiveQuerySet:
        return self.select_related("revision__plan__department", "owner")


class Objective(models.Model):
    revision = models.ForeignKey(
        PlanRevision,
        verbose_name=_("revision"),
        on_delete=models.CASCADE,
        related_name="objectives",
    )
    lineage = models.UUIDField(_("lineage"), default=uuid.uuid4, editable=False, db_index=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Its share of the plan: progress rolls up by weight."),
    )
    kpi_name = models.CharField(_("KPI"), max_length=120)
    kpi_unit = models.CharField(_("unit"), max_length=30, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, default=0)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plan_objectives",
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=PERCENT
    )
    kpi_actual = models.DecimalField(
        _("latest KPI value"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["revision", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:objective_detail", kwargs={"pk": self.pk})


class MilestoneQuerySet(models.QuerySet):
    def for_user(self, user) -> MilestoneQuerySet:
        """Milestones of the objectives ``user`` sees, and those ``user`` owns."""
        from organization.scoping import scope_of

        if scope_of(user).company_wide:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        objectives = Objective.objects.for_user(user).values("pk")
        return self.filter(models.Q(objective__in=objectives) | models.Q(owner=user))

    def in_force(self) -> MilestoneQuerySet:
        return self.filter(objective__revision__status=State.APPROVED)

    def pending(self) -> MilestoneQuerySet:
        return self.filter(status__in=Milestone.PENDING)

    def with_relations(self) -> MilestoneQuerySet:
        return self.select_related("objective__revision__plan__department", "owner")


class Milestone(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        LATE = "late", _("Late")
        CANCELLED = "cancelled", _("Cancelled")

    #: Not finished: the daily job turns these ``late`` once their due date has passed.
    PENDING = (Status.NOT_STARTED, Status.IN_PROGRESS)
    STATUS_COLOURS = {
        Status.NOT_STARTED: "secondary",
        Status.IN_PROGRESS: "info",
        Status.DONE: "success",
        Status.LATE: "danger",
        Status.CANCELLED: "light",
    }

    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    lineage = models.UUIDField(_("lineage"), default=uuid.uuid4, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plan_milestones",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.NOT_STARTED,
        db_index=True,
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("complete (%)"), default=0, validators=PERCENT
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    evidence_note = models.TextField(_("evidence"), blank=True)
    evidence_file = models.FileField(
        _("evidence file"), upload_to="plans/evidence/%Y/%m/", blank=True, max_length=255
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:objective_detail", kwargs={"pk": self.objective_id})

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_past_due(self) -> bool:
        return self.status in self.PENDING and self.due_date < timezone.localdate()


class ProgressUpdate(models.Model):
    """The owner's figure for one month: the KPI's actual value, percent complete, a comment."""

    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objective"),
        on_delete=models.CASCADE,
        related_name="progress_updates",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    kpi_value = models.DecimalField(
        _("KPI value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    percent_complete = models.PositiveSmallIntegerField(_("progress (%)"), validators=PERCENT)
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["objective", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "month"], name="progress_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.objective} · {self.month:%Y-%m}: {self.percent_complete}%"
