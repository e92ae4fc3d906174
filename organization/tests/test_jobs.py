"""The organization's periodic jobs: the weekly digest and housekeeping."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone, translation

from core.jobs import job_run
from core.models import JobRun
from organization.jobs import week_bounds, weekly_digest
from organization.models import Department, Notification
from organization.services.departments import department_create
from organization.services.notifications import notification_mark_read, notification_send
from organization.services.people import person_create

PERIOD = "2026-W10"  # Monday 2 March 2026: the digest covers 23 Feb - 1 Mar


def test_week_bounds_are_the_week_before_the_period():
    assert week_bounds(PERIOD) == (date(2026, 2, 23), date(2026, 3, 1))
    assert week_bounds("2026-W01") == (date(2025, 12, 22), date(2025, 12, 28))


def test_weekly_digest_notifies_the_ceo_and_the_coo_once_each(cast):
    outcome = weekly_digest(period=PERIOD)

    digests = Notification.objects.filter(key=f"weekly_digest:{PERIOD}")
    assert sorted(n.recipient.username for n in digests) == ["ceo", "coo"]
    assert "2 people" in outcome
    assert all(n.url == "/org/departments/" for n in digests)


def test_weekly_digest_skips_an_inactive_ceo(cast):
    ceo = cast["ceo"]
    ceo.is_active = False
    ceo.save()

    weekly_digest(period=PERIOD)

    assert [n.recipient.username for n in Notification.objects.all()] == ["coo"]


def test_weekly_digest_reports_joiners_and_gaps(cast):
    start, _end = week_bounds(PERIOD)
    person_create(
        username="joiner",
        first_name="Joan",
        last_name="Joiner",
        department=Department.objects.get(code="FIN"),
        position="Clerk",
        hire_date=start + timedelta(days=2),
    )
    person_create(
        username="earlier", first_name="Ear", last_name="Lier", hire_date=start - timedelta(days=1)
    )
    department_create(code="NEW", name="Headless department")
    user = cast["coo"]

    weekly_digest(period=PERIOD)

    body = Notification.objects.get(recipient=user).body
    assert "Joan Joiner (FIN, Clerk)" in body
    assert "Ear Lier" not in body
    assert "NEW Headless department" in body
    # "earlier" has no department; the CEO, COO and auditor have none by design and don't count.
    assert "People without a department: 1" in body
    assert "2026-02-23" in body and "2026-03-01" in body


def test_each_recipient_reads_the_digest_in_their_language(cast):
    ceo, coo = cast["ceo"], cast["coo"]
    assert (ceo.language, coo.language) == ("es", "en")
    start, end = week_bounds(PERIOD)

    weekly_digest(period=PERIOD)

    for user in (ceo, coo):
        with translation.override(user.language):
            title = translation.gettext("Weekly operations digest")
            first_line = translation.gettext("Week from %(start)s to %(end)s.") % {
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
        notification = Notification.objects.get(recipient=user)
        assert notification.title == title
        assert notification.body.splitlines()[0] == first_line


def test_running_the_digest_twice_for_a_period_does_it_once(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = job_run(name="weekly_digest", period=PERIOD)
    with django_capture_on_commit_callbacks(execute=True):
        second = job_run(name="weekly_digest", period=PERIOD)

    assert first.status == JobRun.Status.SUCCEEDED
    assert second.status == JobRun.Status.SKIPPED
    assert Notification.objects.filter(key=f"weekly_digest:{PERIOD}").count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["ceo@example.com", "coo@example.com"]
    assert list(JobRun.objects.filter(job="weekly_digest").values_list("status", flat=True)) == [
        JobRun.Status.SKIPPED,
        JobRun.Status.SUCCEEDED,
    ]


def test_a_forced_rerun_still_sends_no_duplicate(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_run(name="weekly_digest", period=PERIOD)
        forced = job_run(name="weekly_digest", period=PERIOD, force=True)

    assert forced.status == JobRun.Status.SUCCEEDED
    assert "0 people" in forced.outcome
    assert Notification.objects.filter(key=f"weekly_digest:{PERIOD}").count() == 2
    assert len(mailoutbox) == 2


def test_another_period_sends_a_new_digest(cast):
    job_run(name="weekly_digest", period=PERIOD)
    job_run(name="weekly_digest", period="2026-W11")

    assert Notification.objects.filter(recipient=cast["coo"]).count() == 2


# --------------------------------------------------------------------------------------------
# Housekeeping
# --------------------------------------------------------------------------------------------


def _notification(user, title, *, age_days, read):
    (n,) = notification_send(recipients=[user], title=title, email=False)
    if read:
        notification_mark_read(user=user, ids=[n.pk])
    Notification.objects.filter(pk=n.pk).update(
        created_at=timezone.now() - timedelta(days=age_days)
    )
    return n


@pytest.fixture
def clutter(cast):
    now = timezone.now()
    Session.objects.create(
        session_key="expired", session_data="", expire_date=now - timedelta(hours=1)
    )
    Session.objects.create(
        session_key="current", session_data="", expire_date=now + timedelta(hours=1)
    )
    user = cast["coo"]
    keep_days = settings.NOTIFICATION_RETENTION_DAYS
    old_run = JobRun.objects.create(job="weekly_digest", period="2020-W01", status="succeeded")
    JobRun.objects.filter(pk=old_run.pk).update(
        started_at=now - timedelta(days=settings.JOB_RUN_RETENTION_DAYS + 5)
    )
    return {
        "old_read": _notification(user, "old read", age_days=keep_days + 1, read=True),
        "old_unread": _notification(user, "old unread", age_days=keep_days + 1, read=False),
        "recent_read": _notification(user, "recent read", age_days=keep_days - 1, read=True),
        "old_run": old_run,
    }


def test_housekeeping_removes_what_has_expired_and_keeps_the_rest(clutter):
    run = job_run(name="housekeeping")

    assert run.status == JobRun.Status.SUCCEEDED
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
    remaining = set(Notification.objects.values_list("title", flat=True))
    assert remaining == {"old unread", "recent read"}
    assert not JobRun.objects.filter(pk=clutter["old_run"].pk).exists()
    assert "1 expired sessions, 1 read notifications and 1 old job runs" in run.outcome


def test_housekeeping_twice_a_day_runs_once(clutter):
    first = job_run(name="housekeeping")
    second = job_run(name="housekeeping")

    assert (first.status, second.status) == (JobRun.Status.SUCCEEDED, JobRun.Status.SKIPPED)
    assert first.period == second.period == timezone.localdate().isoformat()
