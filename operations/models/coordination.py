"""Coordination between departments (COO duty 3): one department asks another for something.

A :class:`CoordinationRequest` goes ``open -> accepted -> in_progress -> resolved -> closed``
(the requester confirms), may be ``declined`` with a reason, and may be reopened by the
requester once resolved or declined. Every move and comment is a :class:`CoordinationUpdate`
(the thread). Service levels (:class:`ServiceLevel`) set, per priority, how soon the receiving
department should first answer and resolve; the due times are fixed when the request is made.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile, TimeStampedModel
from operations.models.assignments import Assignment

Priority = Assignment.Priority


class ServiceLevel(models.Model):
    """Targets for one priority: first response within hours, resolution within days."""

    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, unique=True)
    response_hours = models.PositiveSmallIntegerField(
        _("first response within (hours)"),
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    resolution_days = models.PositiveSmallIntegerField(
        _("resolution within (days)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    #: Used for a priority without a row.
    DEFAULTS = {
        Priority.URGENT: (4, 2),
        Priority.HIGH: (8, 5),
        Priority.NORMAL: (24, 10),
        Priority.LOW: (48, 20),
    }

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["response_hours"]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.response_hours} h / {self.resolution_days} d"


class CoordinationRequestQuerySet(models.QuerySet):
    def for_user(self, user) -> CoordinationRequestQuerySet:
        """Requests ``user`` may see.

        CEO, COO and auditor: all. Everyone else: requests their department (or, for heads and
        managers, a department they oversee) sent or received, and those they made or handle.
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
            models.Q(from_department_id__in=department_ids)
            | models.Q(to_department_id__in=department_ids)
            | models.Q(requested_by=user)
            | models.Q(handler=user)
        )

    def active(self) -> CoordinationRequestQuerySet:
        return self.filter(status__in=CoordinationRequest.ACTIVE)

    def with_relations(self) -> CoordinationRequestQuerySet:
        return self.select_related("from_department", "to_department", "requested_by", "handler")


class CoordinationRequest(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    #: Waiting for the receiving department.
    ACTIVE = (Status.OPEN, Status.ACCEPTED, Status.IN_PROGRESS)
    STATUS_COLOURS = {
        Status.OPEN: "primary",
        Status.ACCEPTED: "info",
        Status.DECLINED: "secondary",
        Status.IN_PROGRESS: "info",
        Status.RESOLVED: "warning",
        Status.CLOSED: "success",
    }

    from_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("from department"),
        on_delete=models.PROTECT,
        related_name="coordination_sent",
    )
    to_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("to department"),
        on_delete=models.PROTECT,
        related_name="coordination_received",
    )
    subject = models.CharField(_("subject"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    needed_by = models.DateField(_("needed by"))
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="coordination_requests",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordination_handled",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    response_due_at = models.DateTimeField(_("first response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    objects = CoordinationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("coordination request")
        verbose_name_plural = _("coordination requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "to_department"]),
            models.Index(fields=["status", "from_department"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_department=models.F("to_department")),
                name="coordination_between_departments",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("operations:coordination_detail", kwargs={"pk": self.pk})

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def priority_colour(self) -> str:
        return Assignment.PRIORITY_COLOURS.get(self.priority, "secondary")

    @property
    def response_breached(self) -> bool:
        """The first answer came (or is still missing) after its due time."""
        answered = self.first_response_at
        if answered is not None:
            return answered > self.response_due_at
        return self.status == self.Status.OPEN and timezone.now() > self.response_due_at

    @property
    def resolution_breached(self) -> bool:
        if self.resolved_at is not None:
            return self.resolved_at > self.resolution_due_at
        return self.status in self.ACTIVE and timezone.now() > self.resolution_due_at

    @property
    def is_past_needed_by(self) -> bool:
        return self.status in self.ACTIVE and self.needed_by < timezone.localdate()


class CoordinationUpdate(models.Model):
    """One entry of a request's thread: a comment, or a move from one status to another."""

    request = models.ForeignKey(
        CoordinationRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=CoordinationRequest.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=12, choices=CoordinationRequest.Status.choices, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("coordination update")
        verbose_name_plural = _("coordination updates")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status} -> {self.to_status}"

    @property
    def is_comment(self) -> bool:
        return not self.to_status


class CoordinationAttachment(StoredFile):
    request = models.ForeignKey(
        CoordinationRequest,
        verbose_name=_("request"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="coordination/%Y/%m/")

    class Meta:
        verbose_name = _("coordination attachment")
        verbose_name_plural = _("coordination attachments")
        ordering = ["uploaded_at", "pk"]
