"""Framework-level models and mixins: no domain models live here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds creation and last-change times to a model."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)

    class Meta:
        abstract = True


class StoredFile(models.Model):
    """What every uploaded file keeps beside the file itself (a subclass adds ``file`` with its
    own ``upload_to`` and the object the file belongs to)."""

    name = models.CharField(_("name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a periodic job: when, for which period, how it ended.

    The COO reads these on the job-runs page; ``core.jobs.job_run`` writes them. A successful
    run for a period makes later runs for the same period skip, so a job fired twice (a retry,
    beat and a manual run) does its work once.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        COMMAND = "command", _("Command line")
        USER = "user", _("By a user")

    job = models.CharField(_("job"), max_length=64, db_index=True)
    period = models.CharField(_("period"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    trigger = models.CharField(
        _("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triggered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    error = models.TextField(_("error"), blank=True)
    host = models.CharField(_("host"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "period", "status"])]

    def __str__(self) -> str:
        return f"{self.job} {self.period} ({self.get_status_display()})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def status_colour(self) -> str:
        return {
            self.Status.RUNNING: "info",
            self.Status.SUCCEEDED: "success",
            self.Status.FAILED: "danger",
            self.Status.SKIPPED: "secondary",
        }[self.Status(self.status)]
