"""Periodic jobs: one registry, one runner, schedules stored by django-celery-beat.

An app declares a job in its ``jobs.py`` with :func:`register`, naming the service that does
the work. Beat fires ``core.tasks.run_periodic_job`` with the job's name; the management
command ``run_job`` and the "run now" button on the job-runs page call :func:`job_run` too.
Every run is a :class:`~core.models.JobRun` row; a run for a period that already succeeded is
recorded as skipped and does nothing, which is what makes firing a job twice safe.
"""

from __future__ import annotations

import json
import logging
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from core.models import JobRun

logger = logging.getLogger(__name__)


class UnknownJob(LookupError):
    pass


def daily_period(moment: datetime) -> str:
    return timezone.localdate(moment).isoformat()


def weekly_period(moment: datetime) -> str:
    year, week, _ = timezone.localdate(moment).isocalendar()
    return f"{year}-W{week:02d}"


def monthly_period(moment: datetime) -> str:
    return timezone.localdate(moment).strftime("%Y-%m")


@dataclass(frozen=True)
class Job:
    """A periodic job: what it is called, what it does, when it runs."""

    name: str
    run: Callable[..., str]
    """The service; called with ``period=`` and returns a one-line outcome."""
    description: str | Promise
    period: Callable[[datetime], str]
    """Turns "now" into the period key a run covers (``2026-11-23``, ``2026-W48``)."""
    crontab: dict[str, str]
    """The default schedule: minute, hour, day_of_week, day_of_month, month_of_year."""

    @property
    def schedule_label(self) -> str:
        c = self.crontab
        return " ".join(
            c.get(k, "*")
            for k in ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
        )


JOBS: dict[str, Job] = {}


def register(
    *,
    name: str,
    description: str | Promise,
    period: Callable[[datetime], str],
    crontab: dict[str, str],
) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Decorator registering a service function as the periodic job ``name``."""

    def decorator(func: Callable[..., str]) -> Callable[..., str]:
        if name in JOBS and JOBS[name].run is not func:
            raise ValueError(f"A periodic job named {name!r} is already registered.")
        JOBS[name] = Job(
            name=name, run=func, description=description, period=period, crontab=crontab
        )
        return func

    return decorator


def get_job(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(
            f"No periodic job is called {name!r}. Known jobs: {', '.join(sorted(JOBS))}."
        ) from None


def job_run(
    *,
    name: str,
    trigger: str = JobRun.Trigger.SCHEDULE,
    user=None,
    period: str | None = None,
    force: bool = False,
) -> JobRun:
    """Run the job ``name`` for ``period`` (default: the current one) and record the run.

    Skips (and records the skip) when a run for the same period already succeeded, unless
    ``force``. A failure is recorded with its traceback and then re-raised, so that Celery's
    retry sees it.
    """
    job = get_job(name)
    period = period or job.period(timezone.now())
    host = socket.gethostname()
    if (
        not force
        and JobRun.objects.filter(job=name, period=period, status=JobRun.Status.SUCCEEDED).exists()
    ):
        return JobRun.objects.create(
            job=name,
            period=period,
            trigger=trigger,
            triggered_by=user,
            status=JobRun.Status.SKIPPED,
            finished_at=timezone.now(),
            outcome="Already completed for this period.",
            host=host,
        )

    run = JobRun.objects.create(
        job=name, period=period, trigger=trigger, triggered_by=user, host=host
    )
    try:
        with transaction.atomic():
            outcome = job.run(period=period)
    except Exception:
        run.status = JobRun.Status.FAILED
        run.error = traceback.format_exc()
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        logger.exception("Periodic job %s failed for %s", name, period)
        raise
    run.status = JobRun.Status.SUCCEEDED
    run.outcome = outcome or ""
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "outcome", "finished_at"])
    return run


def job_run_purge(*, older_than: date) -> int:
    """Delete run records started before ``older_than``; returns how many went."""
    deleted, _ = JobRun.objects.filter(started_at__date__lt=older_than).delete()
    return deleted


# The daily reminders: one job, to which each app adds its kind of reminder. A provider is a
# service taking ``today`` and returning how many reminders it sent, by kind; it must be
# idempotent (notification keys), so that running the job twice sends each reminder once.
REMINDER_PROVIDERS: dict[str, Callable[..., dict[str, int]]] = {}


def register_reminders(name: str, provider: Callable[..., dict[str, int]]) -> None:
    REMINDER_PROVIDERS[name] = provider


@register(
    name="daily_reminders",
    description=gettext_lazy(
        "Sends the day's reminders: unacknowledged regulations, reviews falling due, and "
        "whatever else each part of the portal asks for."
    ),
    period=daily_period,
    crontab={"minute": "0", "hour": "6"},
)
def daily_reminders(*, period: str) -> str:
    today = date.fromisoformat(period)
    parts = []
    for name, provider in sorted(REMINDER_PROVIDERS.items()):
        for kind, count in provider(today=today).items():
            parts.append(f"{name}.{kind}: {count}")
    return "Reminders sent: " + (", ".join(parts) if parts else "none registered") + "."


PERIODIC_TASK_PREFIX = "coo_portal: "


def schedules_sync() -> int:
    """Store the schedule of every registered job that django-celery-beat does not have yet.

    Existing entries are left alone: once stored, a schedule belongs to the admin, where the
    COO or an administrator may change it. Returns how many entries were created.
    """
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created = 0
    for job in JOBS.values():
        task_name = PERIODIC_TASK_PREFIX + job.name
        if PeriodicTask.objects.filter(name=task_name).exists():
            continue
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=job.crontab.get("minute", "0"),
            hour=job.crontab.get("hour", "*"),
            day_of_week=job.crontab.get("day_of_week", "*"),
            day_of_month=job.crontab.get("day_of_month", "*"),
            month_of_year=job.crontab.get("month_of_year", "*"),
            timezone=timezone.get_default_timezone_name(),
        )
        PeriodicTask.objects.create(
            name=task_name,
            task="core.tasks.run_periodic_job",
            crontab=schedule,
            kwargs=json.dumps({"name": job.name}),
            description=str(job.description),
        )
        created += 1
    return created


def schedules_sync_receiver(sender, app_config=None, **kwargs) -> None:
    # post_migrate fires once per app; sync after the last one we depend on is ready.
    if app_config is None or app_config.label != "core":
        return
    from django.db import connection

    if "django_celery_beat_periodictask" not in connection.introspection.table_names():
        return
    schedules_sync()
