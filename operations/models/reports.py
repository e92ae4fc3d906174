"""Work reports (COO duty 7): departments report weekly and monthly; the COO reviews and rates.

A :class:`WorkReport` covers one period (a week from Monday, or a calendar month) and is either a
department's report (written by its head, reviewed by the COO) or an individual report (written
by a person, reviewed by their manager). It moves ``draft -> submitted -> reviewed``, or back to
``returned`` for revision. Its due time comes from the department's :class:`ReportSchedule`;
``on_time`` is fixed by its first submission. Problems found become :class:`ActionItem` rows.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReportSchedule(TimeStampedModel):
    """When a department's reports of one kind are due, as the COO set it.

    Weekly reports are due on ``weekday`` after the week they cover; monthly reports on
    ``day_of_month`` of the month after. Departments without a row use the defaults
    (``schedule_for`` in the service): weekly by Monday 12:00, monthly by the 3rd at 12:00.
    """

    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="report_schedules",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    weekday = models.PositiveSmallIntegerField(
        _("due weekday"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("due day of the month"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    due_time = models.TimeField(_("due time"), default="12:00")
    active = models.BooleanField(
        _("reports expected"),
        default=True,
        help_text=_("Untick for a department that does not send this kind of report."),
    )

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["department__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["department", "kind"], name="report_schedule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.get_kind_display()}"


class WorkReportQuerySet(models.QuerySet):
    def for_user(self, user) -> WorkReportQuerySet:
        """Reports ``user`` may see.

        CEO, COO and auditor: all. Department heads and managers: the department reports of the
        departments they oversee, and the individual reports of the people there or of their
        direct reports. Everyone: the reports they wrote and the individual reports they review.
        """
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        condition = models.Q(author=user) | models.Q(reviewer=user)
        if scope.department_ids:
            condition |= models.Q(department_id__in=scope.department_ids)
        return self.filter(condition)

    def departmental(self) -> WorkReportQuerySet:
        return self.filter(individual=False)

    def individual_reports(self) -> WorkReportQuerySet:
        return self.filter(individual=True)

    def with_people(self) -> WorkReportQuerySet:
        return self.select_related("department", "author", "reviewer", "reviewed_by")


class WorkReport(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        REVIEWED = "reviewed", _("Reviewed")

    STATUS_COLOURS = {
        Status.DRAFT: "secondary",
        Status.SUBMITTED: "warning",
        Status.RETURNED: "danger",
        Status.REVIEWED: "success",
    }
    EDITABLE = (Status.DRAFT, Status.RETURNED)
    #: The text sections, in the order a report shows them; all but ``support_needed`` required.
    SECTIONS = ("summary", "accomplishments", "problems", "next_steps", "support_needed")
    REQUIRED_SECTIONS = ("summary", "accomplishments", "next_steps")

    kind = models.CharField(_("kind"), max_length=8, choices=ReportKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    individual = models.BooleanField(
        _("individual report"),
        default=False,
        help_text=_("A person's report to their manager rather than a department's report."),
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="work_reports",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="work_reports",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_reports_to_review",
        help_text=_("For an individual report, the author's manager; empty means the COO."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    summary = models.TextField(_("summary"), blank=True)
    accomplishments = models.TextField(_("accomplishments"), blank=True)
    problems = models.TextField(_("problems and risks"), blank=True)
    next_steps = models.TextField(_("plan for the next period"), blank=True)
    support_needed = models.TextField(_("support needed"), blank=True)
    due_at = models.DateTimeField(_("due"))
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    return_comment = models.TextField(_("reason for return"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("efficiency rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    review_duration = models.DurationField(
        _("time to review"),
        null=True,
        blank=True,
        help_text=_("From the last submission to the review."),
    )

    objects = WorkReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        ordering = ["-period_start", "department__name", "pk"]
        indexes = [
            models.Index(fields=["kind", "period_start"]),
            models.Index(fields=["status", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "kind", "period_start"],
                condition=models.Q(individual=False),
                name="work_report_department_period_unique",
            ),
            models.UniqueConstraint(
                fields=["author", "kind", "period_start"],
                condition=models.Q(individual=True),
                name="work_report_individual_period_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="work_report_rating_range",
            ),
        ]

    def __str__(self) -> str:
        from django.utils.formats import date_format

        who = self.author.display_name if self.individual else self.department.name
        return f"{who} · {self.get_kind_display()} · {date_format(self.period_start)}"

    def get_absolute_url(self) -> str:
        return reverse("operations:report_detail", kwargs={"pk": self.pk})

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_late_unsubmitted(self) -> bool:
        return self.first_submitted_at is None and self.due_at < timezone.now()


class WorkReportKpi(models.Model):
    """One KPI figure reported: name, value, unit and the target it is measured against."""

    report = models.ForeignKey(
        WorkReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="kpis"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("KPI"), max_length=120)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("KPI figure")
        verbose_name_plural = _("KPI figures")
        ordering = ["report", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.value} {self.unit}".strip()

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target


class WorkReportEvent(models.Model):
    """One move of a report (submit, return, review, reopen) with who, when and the comment."""

    report = models.ForeignKey(
        WorkReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(
        _("from"), max_length=10, choices=WorkReport.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=10, choices=WorkReport.Status.choices)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status} -> {self.to_status}"


class ActionItemQuerySet(models.QuerySet):
    def for_user(self, user) -> ActionItemQuerySet:
        """Action items ``user`` may see: those of the reports they see, and those they own."""
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        visible_reports = WorkReport.objects.for_user(user).values("pk")
        return self.filter(models.Q(report__in=visible_reports) | models.Q(owner=user))

    def open(self) -> ActionItemQuerySet:
        return self.filter(status__in=ActionItem.ACTIVE)

    def overdue(self, today=None) -> ActionItemQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)

    def with_relations(self) -> ActionItemQuerySet:
        return self.select_related("report", "department", "owner", "created_by")


class ActionItem(TimeStampedModel):
    """A problem found in a work report, tracked until it is closed with a resolution.

    The detail URL is the link point other records use: a later escalation to the CEO points
    at an action item by its primary key.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.OPEN, Status.IN_PROGRESS)
    STATUS_COLOURS = {
        Status.OPEN: "primary",
        Status.IN_PROGRESS: "info",
        Status.CLOSED: "success",
        Status.CANCELLED: "secondary",
    }

    report = models.ForeignKey(
        WorkReport,
        verbose_name=_("work report"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    title = models.CharField(_("problem"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    resolution = models.TextField(_("resolution"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:action_item_detail", kwargs={"pk": self.pk})

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_overdue(self) -> bool:
        return self.status in self.ACTIVE and self.due_date < timezone.localdate()
