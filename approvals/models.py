"""The one approval workflow: states, the mixin approvable models use, and its history table.

A model becomes approvable by inheriting :class:`Approvable` and registering a policy in
``approvals.registry``. Every transition goes through ``approvals.services.transition``, which
writes one :class:`ApprovalEvent` per move, whatever the model.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    ARCHIVED = "archived", _("Archived")


STATE_COLOURS = {
    State.DRAFT: "secondary",
    State.SUBMITTED: "warning",
    State.APPROVED: "info",
    State.RETURNED: "danger",
    State.PUBLISHED: "success",
    State.SUPERSEDED: "light",
    State.ARCHIVED: "dark",
}

#: States in which the content may still be edited in place.
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submit for approval")
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")
    PUBLISH = "publish", _("Publish")
    ARCHIVE = "archive", _("Archive")
    SUPERSEDE = "supersede", _("Replaced by a newer version")


class Approvable(models.Model):
    """Fields every approvable model carries. Change them only through the transition service."""

    status = models.CharField(
        _("status"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def status_colour(self) -> str:
        return STATE_COLOURS[State(self.status)]

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    # Hooks for the transition service; a model overrides what it needs.
    def check_transition(self, *, action: str, user) -> None:
        """Raise an ApplicationError when the object is not ready for ``action``."""

    def after_transition(self, *, action: str, user) -> None:
        """Do what follows ``action`` in the same transaction (e.g. supersede a predecessor)."""


class ApprovalEvent(models.Model):
    """One move of one approvable object: who, when, from where to where, and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=16, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approval_events",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval event")
        verbose_name_plural = _("approval events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_state} -> {self.to_state}"
