"""The daily reminders: unacknowledged regulations after N days, and reviews falling due.
Running the job twice sends each reminder once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.jobs import job_run
from core.models import JobRun
from operations.models import Regulation, RegulationVersion
from operations.services.regulations import acknowledgement_record, reminders_send
from operations.tests.helpers import make, publish, start_version
from organization.models import Notification

ACK_DAYS = 5
REVIEW_DAYS = 10
ACK_KEY = "regulation-ack-reminder:"
REVIEW_KEY = "regulation-review:"


@pytest.fixture(autouse=True)
def _reminder_windows(settings):
    settings.REGULATION_ACK_REMINDER_DAYS = ACK_DAYS
    settings.REGULATION_REVIEW_REMINDER_DAYS = REVIEW_DAYS


def reminded(prefix: str = ACK_KEY) -> list[str]:
    return sorted(
        Notification.objects.filter(key__startswith=prefix).values_list(
            "recipient__username", flat=True
        )
    )


def published_days_ago(version: RegulationVersion, days: float) -> None:
    RegulationVersion.objects.filter(pk=version.pk).update(
        published_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def dock_rule(cast):
    """A rule for OPS (and LOG below it: 8 people) in force for 10 days; 3 acknowledged it."""
    regulation = make(cast["head.ops"], "Dock rule", department_code="OPS", audience=["OPS"])
    version = publish(cast, regulation)
    published_days_ago(version, ACK_DAYS + 5)
    done = {"head.ops", cast.staff("OPS").username, cast.manager("LOG").username}
    for username in done:
        acknowledgement_record(regulation=regulation, user=cast[username])
    audience = {m.username for m in cast.members if m.department in ("OPS", "LOG")}
    return regulation, version, audience - done


def test_the_daily_job_twice_the_same_day_sends_each_reminder_once(dock_rule):
    _regulation, _version, missing = dock_rule
    period = timezone.localdate().isoformat()

    first = job_run(name="daily_reminders", period=period)
    assert first.status == JobRun.Status.SUCCEEDED
    assert "regulations.acknowledgement: 5" in first.outcome
    assert reminded() == sorted(missing)
    notifications = Notification.objects.count()

    second = job_run(name="daily_reminders", period=period)
    assert second.status == JobRun.Status.SKIPPED
    assert Notification.objects.count() == notifications

    # Even forced, a reminder already sent is not sent again.
    forced = job_run(name="daily_reminders", period=period, force=True)
    assert forced.status == JobRun.Status.SUCCEEDED
    assert "regulations.acknowledgement: 0" in forced.outcome
    assert Notification.objects.count() == notifications


def test_reminders_twice_send_each_reminder_once(dock_rule):
    _regulation, version, missing = dock_rule
    today = timezone.localdate()

    assert reminders_send(today=today)["acknowledgement"] == len(missing) == 5
    assert reminders_send(today=today) == {"acknowledgement": 0, "review": 0}
    assert reminders_send(today=today + timedelta(days=1))["acknowledgement"] == 0

    assert reminded() == sorted(missing)  # once each, and nobody who acknowledged
    keys = set(Notification.objects.filter(key__startswith=ACK_KEY).values_list("key", flat=True))
    assert keys == {f"{ACK_KEY}{version.pk}"}


def test_who_acknowledged_in_between_is_not_reminded(cast, dock_rule):
    regulation, _version, missing = dock_rule
    late = cast.staff("LOG")
    acknowledgement_record(regulation=regulation, user=late)
    reminders_send(today=timezone.localdate())
    assert reminded() == sorted(missing - {late.username})


def test_recent_versions_are_not_reminded_yet(dock_rule):
    _regulation, version, missing = dock_rule
    published_days_ago(version, ACK_DAYS - 1)
    assert reminders_send(today=timezone.localdate())["acknowledgement"] == 0
    assert reminded() == []
    # Once the N days have passed, they are.
    later = timezone.localdate() + timedelta(days=2)
    assert reminders_send(today=later)["acknowledgement"] == len(missing)


def test_a_superseded_version_is_not_reminded(cast):
    regulation = make(cast["coo"], "Code of conduct")
    first = publish(cast, regulation)
    published_days_ago(first, 60)
    start_version(cast, regulation, "New wording.")
    second = publish(cast, regulation)
    published_days_ago(second, ACK_DAYS + 1)

    reminders_send(today=timezone.localdate())

    keys = set(Notification.objects.filter(key__startswith=ACK_KEY).values_list("key", flat=True))
    assert keys == {f"{ACK_KEY}{second.pk}"}
    assert len(reminded()) == 15  # everyone, once, about the version in force


def test_a_review_falling_due_reminds_the_owner_once(cast):
    today = timezone.localdate()
    due = make(cast["head.ops"], "Due soon", department_code="OPS", audience=["OPS"])
    overdue = make(cast["coo"], "Overdue", audience=["FIN"])
    later = make(cast["head.fin"], "Later", department_code="FIN", audience=["FIN"])
    draft = make(cast["head.log"], "Draft", department_code="LOG")
    for regulation in (due, overdue, later):
        publish(cast, regulation)
    Regulation.objects.filter(pk=due.pk).update(next_review_date=today + timedelta(REVIEW_DAYS))
    Regulation.objects.filter(pk=overdue.pk).update(next_review_date=today - timedelta(days=3))
    Regulation.objects.filter(pk=later.pk).update(
        next_review_date=today + timedelta(REVIEW_DAYS + 1)
    )
    Regulation.objects.filter(pk=draft.pk).update(next_review_date=today)  # not in force

    assert reminders_send(today=today)["review"] == 2
    assert reminders_send(today=today)["review"] == 0

    notes = Notification.objects.filter(key__startswith=REVIEW_KEY)
    assert sorted(notes.values_list("recipient__username", "url")) == sorted(
        [("head.ops", due.get_absolute_url()), ("coo", overdue.get_absolute_url())]
    )
    assert set(notes.values_list("key", flat=True)) == {
        f"{REVIEW_KEY}{due.pk}:{(today + timedelta(REVIEW_DAYS)).isoformat()}",
        f"{REVIEW_KEY}{overdue.pk}:{(today - timedelta(days=3)).isoformat()}",
    }
    # The next day, the window reaches the third one; the others are not reminded again.
    assert reminders_send(today=today + timedelta(days=1))["review"] == 1
    assert reminded(REVIEW_KEY) == ["coo", "head.fin", "head.ops"]


def test_a_new_review_date_reminds_again(cast):
    today = timezone.localdate()
    regulation = make(cast["coo"], "Yearly review")
    publish(cast, regulation)
    Regulation.objects.filter(pk=regulation.pk).update(next_review_date=today)
    assert reminders_send(today=today)["review"] == 1
    # Reviewed (a new date further on), then due again next time: a new reminder.
    Regulation.objects.filter(pk=regulation.pk).update(next_review_date=today + timedelta(days=1))
    assert reminders_send(today=today)["review"] == 1
    assert reminded(REVIEW_KEY) == ["coo", "coo"]
