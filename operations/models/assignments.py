"""Ad hoc assignments (COO duty 11): tasks the CEO or the COO gives a person or a department.

An :class:`Assignment` moves ``open -> in_progress -> done -> closed`` (the assigner confirms),
may be reopened from ``done`` by its assigner, or cancelled while open or in progress. Every
move and comment is an :class:`AssignmentUpdate`, so who did what and when is never lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile, TimeStampedModel


class AssignmentQuerySet(models.QuerySet):
    def for_user(self, user) -> AssignmentQuerySet:
        """Assignments ``user`` may see.

        CEO, COO and auditor: all. Everyone else: what they assigned, what is assigned to them
        or to their own department, and (heads and managers) what is assigned to the
        departments they oversee or to the people of those departments.
        """
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        condition = models.Q(assigned_by=user) | models.Q(assignee=user)
        if scope.own_department_id is not None:
            condition |= models.Q(department_id=scope.own_department_id)
        if scope.department_ids:
            condition |= models.Q(department_id__in=scope.department_ids) | models.Q(
                assignee__person__department_id__in=scope.department_ids
            )
        return self.filter(condition)

    def mine(self, user) -> AssignmentQuerySet:
        """Assigned to ``user`` or to their own department."""
        from organization.scoping import scope_of

        scope = scope_of(user)
        condition = models.Q(assignee=user)
        if scope.own_department_id is not None:
            condition |= models.Q(department_id=scope.own_department_id)
        return self.filter(condition)

    def active(self) -> AssignmentQuerySet:
        return self.filter(status__in=Assignment.ACTIVE)

    def overdue(self, today=None) -> AssignmentQuerySet:
        today = today or timezone.localdate()
        return self.active().filter(due_date__lt=today)

    def with_people(self) -> AssignmentQuerySet:
        return self.select_related("assigned_by", "assignee", "department")


class Assignment(TimeStampedModel):
    """A task given ad hoc by the CEO or the COO to one person or one department."""

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.OPEN, Status.IN_PROGRESS)
    STATUS_COLOURS = {
        Status.OPEN: "primary",
        Status.IN_PROGRESS: "info",
        Status.DONE: "warning",
        Status.CLOSED: "success",
        Status.CANCELLED: "secondary",
    }
    PRIORITY_COLOURS = {
        Priority.LOW: "light",
        Priority.NORMAL: "secondary",
        Priority.HIGH: "warning",
        Priority.URGENT: "danger",
    }

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    due_date = models.DateField(_("due date"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="assignments_given",
    )
    from_ceo = models.BooleanField(
        _("from the CEO"), default=False, help_text=_("The assigner was the CEO at the time.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    decision = models.ForeignKey(
        "operations.DecisionRequest",
        verbose_name=_("follow-up of decision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_assignments",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["status", "due_date"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(assignee__isnull=False, department__isnull=True)
                    | models.Q(assignee__isnull=True, department__isnull=False)
                ),
                name="assignment_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:assignment_detail", kwargs={"pk": self.pk})

    @property
    def is_overdue(self) -> bool:
        return self.status in self.ACTIVE and self.due_date < timezone.localdate()

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def priority_colour(self) -> str:
        return self.PRIORITY_COLOURS.get(self.priority, "secondary")

    @property
    def target_label(self) -> str:
        if self.assignee_id:
            return self.assignee.display_name
        return str(self.department)


class AssignmentUpdate(models.Model):
    """One change of an assignment: a comment, or a move from one status to another."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        STATUS = "status", _("Status change")

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_status = models.CharField(
        _("from"), max_length=12, choices=Assignment.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=12, choices=Assignment.Status.choices, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("assignment update")
        verbose_name_plural = _("assignment updates")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.get_kind_display()}"


class AssignmentAttachment(StoredFile):
    """A file attached to an assignment by either side (the regulation upload rules apply)."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="assignments/%Y/%m/")

    class Meta:
        verbose_name = _("assignment attachment")
        verbose_name_plural = _("assignment attachments")
        ordering = ["uploaded_at", "pk"]
