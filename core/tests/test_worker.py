"""Tasks through a real Celery worker process, with Redis as broker and result backend.

The worker runs ``coo_portal.test_settings`` against the test database (PostgreSQL: another
process cannot see SQLite's in-memory test database), listening on a queue of its own so that
it never takes tasks meant for anything else on the same Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from conftest import require_service
from core.models import JobRun
from core.tasks import ping, run_periodic_job

pytestmark = pytest.mark.services

READY_TIMEOUT = 60
TASK_TIMEOUT = 60

#: The settings variables of the test run that must not leak into the worker's environment.
OWN_VARIABLES = {
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _test_database_url() -> str | None:
    """The URL of the test database (its NAME is the test name once the tests run)."""
    if connection.vendor != "postgresql":
        return None
    s = connection.settings_dict
    credentials = quote(s["USER"] or "postgres", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(s['NAME'], safe='')}"


class Worker:
    def __init__(self, process: subprocess.Popen, log_path, queue: str, nodename: str):
        self.process = process
        self.log_path = log_path
        self.queue = queue
        self.nodename = nodename

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def explain(self) -> str:
        return f"\n--- worker output ({self.log_path}) ---\n{self.output()}\n--- end ---"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # warm shutdown: finish the task, close connections
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    """A Celery worker process on a queue of its own; stopped before the test database goes.

    Depends on ``django_db_setup`` so that the test database exists (and is named) first, and
    so that the worker's connection is closed before pytest-django drops that database.
    """
    require_service("Redis", bool(settings.REDIS_URL), "set REDIS_URL")

    queue = f"coo-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    nodename = f"test-{os.getpid()}@{socket.gethostname()}"
    folder = tmp_path_factory.mktemp("celery-worker")
    log_path = folder / "worker.log"

    env = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "coo_portal.test_settings"
    env["DEBUG"] = "0"  # the project's .env says DEBUG=1
    env["REDIS_URL"] = settings.REDIS_URL
    # Without PostgreSQL the worker gets a throwaway SQLite file it never needs to open.
    env["DATABASE_URL"] = _test_database_url() or f"sqlite:///{folder / 'unused.sqlite3'}"
    env["PYTHONUNBUFFERED"] = "1"

    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "coo_portal",
        "worker",
        "-P",
        "solo",
        "-Q",
        queue,
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"test-{os.getpid()}@%h",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    handle = Worker(process, log_path, queue, nodename)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while " ready." not in handle.output():
            if process.poll() is not None:
                pytest.fail(
                    f"The Celery worker exited with {process.returncode}.{handle.explain()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The Celery worker was not ready in {READY_TIMEOUT} s.{handle.explain()}",
                    pytrace=False,
                )
            time.sleep(0.2)
        yield handle
    finally:
        _stop(process)
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Remove what kombu left in Redis for the queue (its binding; the list is empty)."""
    try:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}")
        client.close()
    except Exception:  # cleaning up is a courtesy; it must not hide a test's outcome
        pass


@pytest.fixture
def not_eager():
    """Send tasks to the broker for the duration of a test, as production does."""
    from coo_portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = before


def test_a_task_runs_in_the_worker_process(worker, not_eager):
    result = ping.apply_async(queue=worker.queue)
    try:
        answer = result.get(timeout=TASK_TIMEOUT)
    except Exception as exc:
        pytest.fail(f"ping did not come back: {exc!r}{worker.explain()}", pytrace=False)

    assert answer["pong"] is True
    assert answer["pid"] != os.getpid()
    assert answer["pid"] == worker.pid
    assert answer["host"] == socket.gethostname()
    assert result.status == "SUCCESS"
    assert "core.tasks.ping" in worker.output()


def test_the_worker_answers_control_pings(worker, not_eager):
    replies = not_eager.control.ping(destination=[worker.nodename], timeout=5)
    assert replies == [{worker.nodename: {"ok": "pong"}}], worker.explain()


def test_a_periodic_job_runs_in_the_worker_and_is_recorded(
    worker, not_eager, transactional_db, django_db_serialized_rollback
):
    # Transactional, so that the worker sees the rows and the test sees the worker's; the
    # serialized rollback restores the migrations' data (role groups) after the flush.
    require_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        "the worker must share the test database; set DATABASE_URL to PostgreSQL",
    )
    assert not JobRun.objects.exists()

    result = run_periodic_job.apply_async(kwargs={"name": "housekeeping"}, queue=worker.queue)
    try:
        run_id = result.get(timeout=TASK_TIMEOUT)
    except Exception as exc:
        pytest.fail(f"run_periodic_job failed: {exc!r}{worker.explain()}", pytrace=False)

    run = JobRun.objects.get(pk=run_id)
    assert run.job == "housekeeping"
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.trigger == JobRun.Trigger.SCHEDULE
    assert run.outcome.startswith("Removed ")
    assert run.finished_at is not None

    # Fired again (a retry, or beat and a manual run): the worker skips the done period.
    again = run_periodic_job.apply_async(kwargs={"name": "housekeeping"}, queue=worker.queue)
    skipped = JobRun.objects.get(pk=again.get(timeout=TASK_TIMEOUT))
    assert skipped.status == JobRun.Status.SKIPPED
    assert skipped.period == run.period
