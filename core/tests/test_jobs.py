"""Periodic jobs: the runner, the periods, the stored schedules, the command and the page."""

from __future__ import annotations

import json
import socket
from datetime import UTC, date, datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from core import jobs
from core.models import JobRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def register_job():
    """``register_job(name, func, ...)``: a throwaway job, removed from the registry afterwards."""
    registered: list[str] = []

    def register(name, func, *, period=jobs.daily_period, crontab=None, description="For tests"):
        jobs.register(
            name=name,
            description=description,
            period=period,
            crontab=crontab or {"minute": "15", "hour": "4"},
        )(func)
        registered.append(name)
        return jobs.JOBS[name]

    yield register
    for name in registered:
        jobs.JOBS.pop(name, None)


@pytest.fixture
def counting_job(register_job):
    """A job that succeeds and remembers each period it was called for."""
    calls: list[str] = []

    def service(*, period: str) -> str:
        calls.append(period)
        return f"Did the work for {period}."

    job = register_job("test_counting", service)
    return SimpleNamespace(name=job.name, calls=calls)


@pytest.fixture
def failing_job(register_job):
    """A job that writes something and then fails: its write must be rolled back."""

    def service(*, period: str) -> str:
        Group.objects.create(name="half-done by a failing job")
        raise RuntimeError("the ledger is on fire")

    return register_job("test_failing", service)


# --- the runner ---------------------------------------------------------------------------


def test_a_run_is_recorded_as_succeeded_with_its_outcome(counting_job, cast):
    coo = cast["coo"]
    run = jobs.job_run(
        name=counting_job.name, period="2026-11-23", trigger=JobRun.Trigger.USER, user=coo
    )

    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.outcome == "Did the work for 2026-11-23."
    assert run.period == "2026-11-23"
    assert run.finished_at is not None
    assert run.finished_at >= run.started_at
    assert run.error == ""
    assert run.trigger == JobRun.Trigger.USER
    assert run.triggered_by == coo
    assert run.host == socket.gethostname()
    assert counting_job.calls == ["2026-11-23"]


def test_without_a_period_the_current_one_is_used(counting_job):
    run = jobs.job_run(name=counting_job.name)
    assert run.period == jobs.daily_period(run.started_at)
    assert counting_job.calls == [run.period]
    assert run.trigger == JobRun.Trigger.SCHEDULE


def test_a_second_run_for_the_same_period_is_skipped_without_calling_the_service(counting_job):
    first = jobs.job_run(name=counting_job.name, period="2026-11-23")
    second = jobs.job_run(name=counting_job.name, period="2026-11-23")

    assert first.status == JobRun.Status.SUCCEEDED
    assert second.pk != first.pk
    assert second.status == JobRun.Status.SKIPPED
    assert second.finished_at is not None
    assert counting_job.calls == ["2026-11-23"]
    assert JobRun.objects.filter(job=counting_job.name).count() == 2


def test_another_period_runs_again(counting_job):
    jobs.job_run(name=counting_job.name, period="2026-11-23")
    run = jobs.job_run(name=counting_job.name, period="2026-11-24")
    assert run.status == JobRun.Status.SUCCEEDED
    assert counting_job.calls == ["2026-11-23", "2026-11-24"]


def test_force_runs_again_for_a_period_that_succeeded(counting_job):
    jobs.job_run(name=counting_job.name, period="2026-11-23")
    again = jobs.job_run(name=counting_job.name, period="2026-11-23", force=True)
    assert again.status == JobRun.Status.SUCCEEDED
    assert counting_job.calls == ["2026-11-23", "2026-11-23"]


def test_a_failed_run_does_not_make_the_next_one_skip(register_job):
    attempts: list[str] = []

    def flaky(*, period: str) -> str:
        attempts.append(period)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")
        return "second attempt works"

    register_job("test_flaky", flaky)
    with pytest.raises(RuntimeError):
        jobs.job_run(name="test_flaky", period="2026-11-23")
    retry = jobs.job_run(name="test_flaky", period="2026-11-23")
    assert retry.status == JobRun.Status.SUCCEEDED
    assert retry.outcome == "second attempt works"


def test_a_failing_job_is_recorded_with_its_traceback_and_re_raised(failing_job):
    with pytest.raises(RuntimeError, match="the ledger is on fire"):
        jobs.job_run(name=failing_job.name, period="2026-11-23")

    run = JobRun.objects.get(job=failing_job.name)
    assert run.status == JobRun.Status.FAILED
    assert run.finished_at is not None
    assert "Traceback (most recent call last)" in run.error
    assert "RuntimeError: the ledger is on fire" in run.error
    assert run.outcome == ""
    # The job's own writes were rolled back; the run record stays.
    assert not Group.objects.filter(name="half-done by a failing job").exists()


def test_an_unknown_job_raises_unknown_job_naming_the_known_ones():
    with pytest.raises(jobs.UnknownJob, match="housekeeping"):
        jobs.job_run(name="no_such_job")
    assert not JobRun.objects.filter(job="no_such_job").exists()


def test_registering_another_function_under_a_taken_name_is_refused(counting_job):
    with pytest.raises(ValueError, match="already registered"):
        jobs.register(
            name=counting_job.name,
            description="impostor",
            period=jobs.daily_period,
            crontab={},
        )(lambda *, period: "")


def test_the_project_registers_its_jobs():
    assert {"housekeeping", "weekly_digest", "daily_reminders"} <= set(jobs.JOBS)
    assert jobs.JOBS["housekeeping"].schedule_label == "30 3 * * *"
    assert jobs.JOBS["daily_reminders"].schedule_label == "0 6 * * *"
    assert jobs.JOBS["weekly_digest"].schedule_label == "0 7 * * 1"


# --- the daily reminders job -------------------------------------------------------------


@pytest.fixture
def no_reminder_providers(monkeypatch):
    """An empty provider registry for the test; the apps' own providers come back afterwards."""
    monkeypatch.setattr(jobs, "REMINDER_PROVIDERS", {})
    return jobs.REMINDER_PROVIDERS


def test_daily_reminders_asks_every_provider_for_the_periods_day(no_reminder_providers):
    days: list[date] = []

    def regulations(*, today: date) -> dict[str, int]:
        days.append(today)
        return {"unacknowledged": 3, "reviews": 0}

    def leave(*, today: date) -> dict[str, int]:
        days.append(today)
        return {"requests": 2}

    jobs.register_reminders("regulations", regulations)
    jobs.register_reminders("leave", leave)

    run = jobs.job_run(name="daily_reminders", period="2026-11-23")

    assert run.status == JobRun.Status.SUCCEEDED
    assert days == [date(2026, 11, 23), date(2026, 11, 23)]
    # Providers in name order, each provider's kinds in its own order.
    assert run.outcome == (
        "Reminders sent: leave.requests: 2, regulations.unacknowledged: 3, regulations.reviews: 0."
    )


def test_daily_reminders_without_providers_says_so(no_reminder_providers):
    run = jobs.job_run(name="daily_reminders", period="2026-11-23")
    assert run.outcome == "Reminders sent: none registered."


def test_a_failing_reminder_provider_fails_the_run(no_reminder_providers):
    def broken(*, today: date) -> dict[str, int]:
        raise LookupError("no such audience")

    jobs.register_reminders("broken", broken)
    with pytest.raises(LookupError):
        jobs.job_run(name="daily_reminders", period="2026-11-23")
    assert JobRun.objects.get(job="daily_reminders").status == JobRun.Status.FAILED


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "daily", "weekly", "monthly"),
    [
        # Sunday 23:30 UTC is already Monday in Madrid (the project's time zone).
        (datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "2026-11-23", "2026-W48", "2026-11"),
        (datetime(2026, 11, 22, 12, 0, tzinfo=UTC), "2026-11-22", "2026-W47", "2026-11"),
        # The last evening of November in UTC is December in Madrid.
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "2026-12-01", "2026-W49", "2026-12"),
        # 1 January 2027 belongs to ISO week 53 of 2026.
        (datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "2027-01-01", "2026-W53", "2027-01"),
        (datetime(2027, 1, 4, 12, 0, tzinfo=UTC), "2027-01-04", "2027-W01", "2027-01"),
    ],
)
def test_period_keys_follow_the_local_calendar(moment, daily, weekly, monthly, settings):
    assert settings.TIME_ZONE == "Europe/Madrid"
    assert jobs.daily_period(moment) == daily
    assert jobs.weekly_period(moment) == weekly
    assert jobs.monthly_period(moment) == monthly


# --- schedules in django-celery-beat -----------------------------------------------------


def _stored_tasks() -> dict[str, PeriodicTask]:
    return {
        t.name: t
        for t in PeriodicTask.objects.filter(
            name__startswith=jobs.PERIODIC_TASK_PREFIX
        ).select_related("crontab")
    }


def test_the_migrated_database_already_has_the_schedules():
    tasks = _stored_tasks()
    assert set(tasks) >= {"coo_portal: housekeeping", "coo_portal: weekly_digest"}
    housekeeping = tasks["coo_portal: housekeeping"]
    assert housekeeping.task == "core.tasks.run_periodic_job"
    assert json.loads(housekeeping.kwargs) == {"name": "housekeeping"}
    assert housekeeping.enabled
    assert (housekeeping.crontab.minute, housekeeping.crontab.hour) == ("30", "3")
    digest = tasks["coo_portal: weekly_digest"].crontab
    assert (digest.minute, digest.hour, digest.day_of_week) == ("0", "7", "1")


def test_schedules_sync_stores_one_periodic_task_per_registered_job(register_job, settings):
    PeriodicTask.objects.filter(name__startswith=jobs.PERIODIC_TASK_PREFIX).delete()
    register_job(
        "test_scheduled",
        lambda *, period: "",
        crontab={"minute": "5", "hour": "2", "day_of_month": "1"},
        description="A scheduled job for tests",
    )

    created = jobs.schedules_sync()

    tasks = _stored_tasks()
    assert created == len(jobs.JOBS)
    assert set(tasks) == {jobs.PERIODIC_TASK_PREFIX + name for name in jobs.JOBS}
    for name in jobs.JOBS:
        task = tasks[jobs.PERIODIC_TASK_PREFIX + name]
        assert task.task == "core.tasks.run_periodic_job"
        assert json.loads(task.kwargs) == {"name": name}
    task = tasks["coo_portal: test_scheduled"]
    assert task.description == "A scheduled job for tests"
    schedule = task.crontab
    assert (
        schedule.minute,
        schedule.hour,
        schedule.day_of_month,
        schedule.month_of_year,
        schedule.day_of_week,
    ) == ("5", "2", "1", "*", "*")
    assert str(schedule.timezone) == settings.TIME_ZONE


def test_schedules_sync_leaves_an_edited_schedule_alone(register_job):
    register_job("test_scheduled", lambda *, period: "", crontab={"minute": "5", "hour": "2"})
    assert jobs.schedules_sync() == 1

    task = PeriodicTask.objects.get(name="coo_portal: test_scheduled")
    task.crontab = CrontabSchedule.objects.create(
        minute="45", hour="22", day_of_week="5", timezone="Europe/Madrid"
    )
    task.enabled = False
    task.save()

    assert jobs.schedules_sync() == 0

    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("45", "22", "5")
    assert task.enabled is False
    assert PeriodicTask.objects.filter(name="coo_portal: test_scheduled").count() == 1


# --- the run_job command ------------------------------------------------------------------


def run_job(*args: str) -> str:
    out = StringIO()
    call_command("run_job", *args, stdout=out)
    return out.getvalue()


def test_run_job_list_shows_the_jobs_and_their_schedules():
    output = run_job("--list")
    lines = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    assert {"housekeeping", "weekly_digest"} <= set(lines)
    assert "30 3 * * *" in lines["housekeeping"]
    assert "0 7 * * 1" in lines["weekly_digest"]
    assert not JobRun.objects.exists()


def test_run_job_without_a_name_lists_too():
    assert "housekeeping" in run_job()
    assert not JobRun.objects.exists()


def test_run_job_runs_once_per_period_and_then_skips():
    first = run_job("housekeeping")
    assert "housekeeping" in first
    assert "Succeeded" in first
    assert "Removed" in first

    second = run_job("housekeeping")
    assert "Skipped" in second

    runs = list(JobRun.objects.filter(job="housekeeping").order_by("id"))
    assert [r.status for r in runs] == [JobRun.Status.SUCCEEDED, JobRun.Status.SKIPPED]
    assert {r.trigger for r in runs} == {JobRun.Trigger.COMMAND}


def test_run_job_with_period_and_force():
    assert "Succeeded" in run_job("housekeeping", "--period", "2020-01-01")
    assert "Skipped" in run_job("housekeeping", "--period", "2020-01-01")
    assert "Succeeded" in run_job("housekeeping", "--period", "2020-01-01", "--force")
    assert JobRun.objects.filter(period="2020-01-01", status=JobRun.Status.SUCCEEDED).count() == 2


def test_run_job_with_an_unknown_name_is_a_command_error():
    with pytest.raises(CommandError, match="no_such_job"):
        run_job("no_such_job")


def test_run_job_reports_a_failure_as_a_command_error(failing_job):
    with pytest.raises(CommandError, match="test_failing failed: the ledger is on fire"):
        run_job("test_failing")
    assert JobRun.objects.get(job="test_failing").status == JobRun.Status.FAILED


# --- the job-runs page --------------------------------------------------------------------

JOBS_URL = "/jobs/"


@pytest.mark.parametrize("username", ["ceo", "coo", "auditor"])
def test_company_wide_roles_see_the_job_runs_page(client, cast, username):
    jobs.job_run(name="housekeeping", period="2026-11-23")
    client.force_login(cast[username])
    response = client.get(JOBS_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "housekeeping" in content
    assert "weekly_digest" in content
    assert "2026-11-23" in content


@pytest.mark.parametrize(
    "who",
    [
        lambda cast: cast["head.ops"],
        lambda cast: cast.manager("OPS"),
        lambda cast: cast.staff("LOG"),
    ],
    ids=["head", "manager", "staff"],
)
def test_others_may_not_see_the_job_runs_page(client, cast, who):
    client.force_login(who(cast))
    assert client.get(JOBS_URL).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(JOBS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_only_the_coo_sees_the_run_now_buttons(client, cast):
    client.force_login(cast["coo"])
    assert 'data-testid="run-housekeeping"' in client.get(JOBS_URL).content.decode()
    client.force_login(cast["ceo"])
    assert 'data-testid="run-housekeeping"' not in client.get(JOBS_URL).content.decode()


def test_the_page_filters_by_job_and_status(client, cast):
    jobs.job_run(name="housekeeping", period="2001-01-01")
    jobs.job_run(name="housekeeping", period="2001-01-01")  # skipped
    jobs.job_run(name="weekly_digest", period="2001-W02")
    client.force_login(cast["coo"])

    runs = client.get(JOBS_URL, {"job": "housekeeping"}).context["object_list"]
    assert {r.job for r in runs} == {"housekeeping"}
    assert len(runs) == 2

    runs = client.get(JOBS_URL, {"status": "skipped"}).context["object_list"]
    assert [(r.job, r.status) for r in runs] == [("housekeeping", "skipped")]

    # An unknown filter value is ignored rather than emptying the list.
    assert len(client.get(JOBS_URL, {"job": "nope"}).context["object_list"]) == 3


def test_the_coo_runs_a_job_now(client, cast):
    coo = cast["coo"]
    client.force_login(coo)

    response = client.post("/jobs/housekeeping/run/", follow=True)

    assert response.redirect_chain == [(JOBS_URL, 302)]
    run = JobRun.objects.get(job="housekeeping")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.trigger == JobRun.Trigger.USER
    assert run.triggered_by == coo
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("housekeeping ran: Removed") for m in messages), messages


def test_running_now_twice_skips_unless_forced(client, cast):
    client.force_login(cast["coo"])
    client.post("/jobs/housekeeping/run/")
    response = client.post("/jobs/housekeeping/run/", follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("had already run" in m for m in messages), messages

    client.post("/jobs/housekeeping/run/", {"force": "1"})
    statuses = list(
        JobRun.objects.filter(job="housekeeping").order_by("id").values_list("status", flat=True)
    )
    assert statuses == ["succeeded", "skipped", "succeeded"]


def test_a_failing_run_now_shows_an_error_instead_of_a_500(client, cast, failing_job):
    client.force_login(cast["coo"])
    response = client.post(f"/jobs/{failing_job.name}/run/", follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("failed" in m for m in messages), messages
    assert JobRun.objects.get(job=failing_job.name).status == JobRun.Status.FAILED


def test_running_an_unknown_job_is_a_404(client, cast):
    client.force_login(cast["coo"])
    assert client.post("/jobs/no_such_job/run/").status_code == 404


def test_run_now_accepts_only_post(client, cast):
    client.force_login(cast["coo"])
    assert client.get("/jobs/housekeeping/run/").status_code == 405
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("username", ["ceo", "auditor", "head.ops"])
def test_others_may_not_run_a_job_now(client, cast, username):
    client.force_login(cast[username])
    assert client.post("/jobs/housekeeping/run/").status_code == 403
    assert not JobRun.objects.exists()


def _add_runs(count: int, users) -> None:
    JobRun.objects.bulk_create(
        JobRun(
            job="housekeeping" if i % 2 else "weekly_digest",
            period=f"2026-01-{i % 28 + 1:02d}",
            status=JobRun.Status.SUCCEEDED,
            trigger=JobRun.Trigger.USER,
            triggered_by=users[i % len(users)],
            outcome=f"run {i}",
        )
        for i in range(count)
    )


def test_the_page_queries_do_not_grow_with_the_number_of_runs(
    client, cast, django_assert_num_queries
):
    users = [cast["coo"], cast["ceo"], cast["auditor"], cast["head.ops"]]
    client.force_login(cast["coo"])
    _add_runs(5, users)
    client.get(JOBS_URL)  # warm up whatever is cached per process

    with CaptureQueriesContext(connection) as few:
        response = client.get(JOBS_URL)
    assert len(response.context["object_list"]) == 5

    _add_runs(35, users)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(JOBS_URL)
    assert len(response.context["object_list"]) == 40
    assert "head.ops" in response.content.decode()


# --- health check -------------------------------------------------------------------------


def test_healthz_answers_anonymously(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
