"""Celery tasks of the framework: thin wrappers around services."""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.utils import timezone

from core import jobs


@shared_task(name="core.tasks.run_periodic_job", bind=True, max_retries=3)
def run_periodic_job(self, name: str, period: str | None = None) -> int:
    """Fired by beat: run one registered job and return the id of its run record.

    The period is fixed at the first attempt, so that a retry after midnight still covers the
    day (or week, month) the job was fired for. An unknown job is not retried.
    """
    job = jobs.get_job(name)
    period = period or job.period(timezone.now())
    try:
        return jobs.job_run(name=name, period=period).pk
    except Exception as exc:
        countdown = min(60 * 2**self.request.retries, 60 * 30)
        raise self.retry(
            kwargs={"name": name, "period": period}, exc=exc, countdown=countdown
        ) from exc


@shared_task(name="core.tasks.ping")
def ping() -> dict[str, object]:
    """Answer with where it ran: the health check of the worker, used by the tests too."""
    return {"pong": True, "host": socket.gethostname(), "pid": os.getpid()}
