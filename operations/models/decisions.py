"""Escalations to the CEO and the CEO's decisions (COO duty 3).

The COO escalates an important problem as a :class:`DecisionRequest`: title, context, options
(:class:`DecisionOption`, each with pros and cons), a recommendation and a deadline, linked to the
records behind it (a coordination request, a work-report action item, an assignment). The CEO
decides (an option and instructions), asks for more information, or defers to a new date. Every
step is a :class:`DecisionEvent` (who, when, what); follow-up assignments point back at the
decision (``Assignment.decision``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class DecisionRequestQuerySet(models.QuerySet):
    def for_user(self, user) -> DecisionRequestQuerySet:
        """CEO, COO and auditor see every decision request; heads and managers those linked to
        a record of a department they oversee; nobody else any."""
        from organization.scoping import scope_of

        scope = scope_of(user)
        if scope.company_wide:
            return self
        if user is None or not user.is_authenticated or not scope.department_ids:
            return self.none()
        ids = scope.department_ids
        return self.filter(
            models.Q(coordination_request__from_department_id__in=ids)
            | models.Q(coordination_request__to_department_id__in=ids)
            | models.Q(action_item__department_id__in=ids)
            | models.Q(assignment__department_id__in=ids)
            | models.Q(department_id__in=ids)
        )

    def pending(self) -> DecisionRequestQuerySet:
        return self.exclude(status=DecisionRequest.Status.DECIDED)

    def with_relations(self) -> DecisionRequestQuerySet:
        return self.select_related(
            "requested_by",
            "decided_by",
            "chosen_option",
            "department",
            "coordination_request",
            "action_item",
            "assignment",
        )


class DecisionRequest(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INFO_REQUESTED = "info_requested", _("Information requested")
        DEFERRED = "deferred", _("Deferred")
        DECIDED = "decided", _("Decided")

    STATUS_COLOURS = {
        Status.OPEN: "primary",
        Status.INFO_REQUESTED: "warning",
        Status.DEFERRED: "info",
        Status.DECIDED: "success",
    }

    title = models.CharField(_("title"), max_length=200)
    context = models.TextField(_("context"))
    recommendation = models.TextField(_("recommendation"), blank=True)
    deadline = models.DateField(_("decide by"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("department concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        related_name="decision_requests",
    )
    # The records behind it (any of them, or none for a problem raised from scratch).
    coordination_request = models.ForeignKey(
        "operations.CoordinationRequest",
        verbose_name=_("coordination request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_requests",
    )
    action_item = models.ForeignKey(
        "operations.ActionItem",
        verbose_name=_("action item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_requests",
    )
    assignment = models.ForeignKey(
        "operations.Assignment",
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision_requests",
    )
    info_request = models.TextField(_("information asked for"), blank=True)
    chosen_option = models.ForeignKey(
        "operations.DecisionOption",
        verbose_name=_("option chosen"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    instructions = models.TextField(_("instructions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    times_deferred = models.PositiveSmallIntegerField(_("times deferred"), default=0)

    objects = DecisionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision request")
        verbose_name_plural = _("decision requests")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:decision_detail", kwargs={"pk": self.pk})

    @property
    def status_colour(self) -> str:
        return self.STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.DECIDED and self.deadline < timezone.localdate()

    @property
    def sources(self) -> list:
        """The records behind it, for links."""
        return [r for r in (self.coordination_request, self.action_item, self.assignment) if r]


class DecisionOption(models.Model):
    decision = models.ForeignKey(
        DecisionRequest,
        verbose_name=_("decision request"),
        on_delete=models.CASCADE,
        related_name="options",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("option"), max_length=200)
    pros = models.TextField(_("pros"), blank=True)
    cons = models.TextField(_("cons"), blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["decision", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class DecisionEvent(models.Model):
    """The decision log: who did what to a decision request, and when."""

    class Action(models.TextChoices):
        ESCALATED = "escalated", _("Escalated")
        INFO_REQUESTED = "info_requested", _("Asked for more information")
        INFO_PROVIDED = "info_provided", _("Information provided")
        DEFERRED = "deferred", _("Deferred")
        DECIDED = "decided", _("Decided")
        REMINDED = "reminded", _("Deadline reminder sent")
        OVERDUE = "overdue", _("Deadline passed: alert sent")

    decision = models.ForeignKey(
        DecisionRequest,
        verbose_name=_("decision request"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("decision event")
        verbose_name_plural = _("decision events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.action}"
