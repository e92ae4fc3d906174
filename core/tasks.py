"""Celery tasks of the framework: thin wrappers around services."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from core import jobs


@shared_task(
    name="core.tasks.run_periodic_job",
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=60 * 30,
    max_retries=3,
)
def run_periodic_job(name: str, period: str | None = None) -> int:
    """Fired by beat: run one registered job and return the id of its run record."""
    return jobs.job_run(name=name, period=period).pk


@shared_task(name="core.tasks.ping")
def ping() -> dict[str, object]:
    """Answer with where it ran: the health check of the worker, used by the tests too."""
    return {"pong": True, "host": socket.gethostname(), "pid": os.getpid()}
