"""Work reports and action items: periods and due times, the state machine role by role, KPI
rows, scoping, reminders, the timeliness grid and the department figures."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import (
    ActionItem,
    ReportKind,
    ReportSchedule,
    WorkReport,
    WorkReportEvent,
    WorkReportKpi,
)
from operations.services.reports import (
    KpiRow,
    Schedule,
    Timeliness,
    action_item_create,
    action_item_move,
    action_item_moves,
    allowed_moves,
    clean_kpis,
    department_figures,
    due_at_for,
    next_period_start,
    period_of,
    previous_period_start,
    recent_period_starts,
    reminders_send,
    report_create,
    report_return,
    report_review,
    report_submit,
    report_update,
    timeliness_grid,
)
from organization.models import Department, Notification
from organization.services.departments import department_create

pytestmark = pytest.mark.django_db

W, M = ReportKind.WEEKLY, ReportKind.MONTHLY
S = WorkReport.Status
A = ActionItem.Status
MADRID = ZoneInfo("Europe/Madrid")
FULL = {
    "summary": "A steady week.",
    "accomplishments": "Shipped 400 orders.",
    "next_steps": "Inventory count.",
}


def at(year, month, day, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=MADRID)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def this_monday() -> date:
    return period_of(W, timezone.localdate())[0]


def weeks_ago(n: int) -> date:
    return this_monday() - timedelta(weeks=n)


def last_month() -> date:
    return previous_period_start(M, period_of(M, timezone.localdate())[0])


def write(user, *, kind=W, start=None, department=None, individual=False, **sections):
    values = {**FULL, **sections}
    return report_create(
        user=user,
        kind=kind,
        period_start=start or (weeks_ago(1) if kind == W else last_month()),
        department=dept(department) if department else None,
        individual=individual,
        **values,
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def moves_of(report) -> list[tuple[str, str, str]]:
    return list(
        WorkReportEvent.objects.filter(report=report).values_list(
            "from_status", "to_status", "actor__username"
        )
    )


def counts() -> dict[str, int]:
    return {
        "reports": WorkReport.objects.count(),
        "events": WorkReportEvent.objects.count(),
        "kpis": WorkReportKpi.objects.count(),
        "items": ActionItem.objects.count(),
    }


def schedule(code: str, kind: str, *, active=True, weekday=0, day=3, due_time=dt.time(12)):
    ReportSchedule.objects.update_or_create(
        department=dept(code),
        kind=kind,
        defaults={
            "active": active,
            "weekday": weekday,
            "day_of_month": day,
            "due_time": due_time,
        },
    )


def only_schedules(*active: tuple[str, str, dict]) -> None:
    """Every department's reports of both kinds switched off, except those given."""
    for department in Department.objects.all():
        for kind in (W, M):
            schedule(department.code, kind, active=False)
    for code, kind, options in active:
        schedule(code, kind, **options)


# -- periods and due times ---------------------------------------------------------------------


def test_period_of_weeks_and_months():
    new_year_week = (date(2025, 12, 29), date(2026, 1, 4))
    assert period_of(W, date(2025, 12, 29)) == new_year_week  # Monday
    assert period_of(W, date(2026, 1, 1)) == new_year_week  # Thursday
    assert period_of(W, date(2026, 1, 4)) == new_year_week  # Sunday
    assert period_of(M, date(2024, 2, 15)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert period_of(M, date(2025, 2, 1)) == (date(2025, 2, 1), date(2025, 2, 28))
    assert period_of(M, date(2025, 12, 31)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_previous_and_next_periods_cross_the_year():
    assert previous_period_start(W, date(2026, 1, 5)) == date(2025, 12, 29)
    assert next_period_start(W, date(2025, 12, 29)) == date(2026, 1, 5)
    assert previous_period_start(M, date(2026, 1, 1)) == date(2025, 12, 1)
    assert next_period_start(M, date(2025, 12, 1)) == date(2026, 1, 1)
    assert next_period_start(M, date(2024, 2, 1)) == date(2024, 3, 1)
    assert previous_period_start(M, date(2024, 3, 1)) == date(2024, 2, 1)


def test_recent_period_starts_end_with_the_last_finished_period():
    assert recent_period_starts(M, 3, date(2026, 2, 10)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
    ]
    # Wednesday 7 January 2026: the week of 5 January is not finished yet.
    assert recent_period_starts(W, 3, date(2026, 1, 7)) == [
        date(2025, 12, 15),
        date(2025, 12, 22),
        date(2025, 12, 29),
    ]
    # Sunday 4 January: its own week (from 29 December) is not finished either.
    assert recent_period_starts(W, 1, date(2026, 1, 4)) == [date(2025, 12, 22)]
    assert recent_period_starts(M, 0, date(2026, 1, 4)) == []


def test_due_times_default_and_custom_schedules_in_the_site_time_zone():
    # Default: weekly by the Monday after the week at 12:00, monthly by the 3rd at 12:00.
    assert due_at_for(W, date(2025, 12, 29)) == at(2026, 1, 5)
    assert due_at_for(M, date(2025, 12, 1)) == at(2026, 1, 3)
    wednesday = Schedule(kind=W, weekday=2, due_time=dt.time(17, 30))
    assert due_at_for(W, date(2025, 12, 29), wednesday) == at(2026, 1, 7, 17, 30)
    sunday = Schedule(kind=W, weekday=6)
    assert due_at_for(W, date(2025, 12, 29), sunday) == at(2026, 1, 11)
    assert due_at_for(M, date(2026, 1, 1), Schedule(kind=M, day_of_month=28)) == at(2026, 2, 28)
    # Across the change to summer time (29 March 2026): still 12:00 on the clocks of Madrid.
    due = due_at_for(W, date(2026, 3, 23))
    assert due == at(2026, 3, 30) and due.utcoffset() == timedelta(hours=2)
    # Whatever time zone the person asking has chosen, the due time is the site's.
    with timezone.override(ZoneInfo("America/New_York")):
        assert due_at_for(W, date(2025, 12, 29)) == at(2026, 1, 5)
        assert due_at_for(M, date(2025, 12, 1)) == at(2026, 1, 3)


def test_a_new_report_takes_its_due_time_from_the_department_schedule(cast):
    schedule("LOG", W, weekday=2, due_time=dt.time(9, 0))
    report = write(cast["head.log"])
    start = weeks_ago(1)
    due = dt.datetime.combine(start + timedelta(days=9), dt.time(9, 0), tzinfo=MADRID)
    assert report.due_at == due
    other = write(cast["head.fin"])  # no schedule: Monday 12:00
    assert other.due_at == dt.datetime.combine(this_monday(), dt.time(12), tzinfo=MADRID)
    monthly = write(cast["head.log"], kind=M)
    assert monthly.period_end == period_of(M, last_month())[1]
    assert timezone.localtime(monthly.due_at, MADRID).day == 3


# -- the state machine -------------------------------------------------------------------------


def test_the_whole_way_with_every_move_recorded(cast, django_capture_on_commit_callbacks):
    head, coo = cast["head.log"], cast["coo"]
    report = write(head)
    assert report.status == S.DRAFT and report.department.code == "LOG"
    assert report.reviewer is None and not report.individual
    assert allowed_moves(head, report) == {"edit", "submit"}
    assert allowed_moves(coo, report) == set()
    with django_capture_on_commit_callbacks(execute=True):
        report = report_submit(report=report, user=head)
    assert Notification.objects.filter(recipient=coo).count() == 1
    assert allowed_moves(coo, report) == {"return", "review", "action_item"}
    assert allowed_moves(head, report) == {"action_item"}
    with django_capture_on_commit_callbacks(execute=True):
        report = report_return(report=report, user=coo, comment="  Add the figures.  ")
    assert report.status == S.RETURNED and report.return_comment == "Add the figures."
    assert Notification.objects.get(recipient=head).body == "Add the figures."
    report = report_update(report=report, user=head, accomplishments="Shipped 412 orders.")
    # The head of the parent department may write and submit it too.
    report = report_submit(report=report, user=cast["head.ops"])
    report = report_review(report=report, user=coo, rating="4", comment="Good.")
    assert report.status == S.REVIEWED and report.rating == 4 and report.reviewed_by == coo
    assert allowed_moves(head, report) == {"action_item"}
    assert moves_of(report) == [
        ("", S.DRAFT, "head.log"),
        (S.DRAFT, S.SUBMITTED, "head.log"),
        (S.SUBMITTED, S.RETURNED, "coo"),
        (S.RETURNED, S.SUBMITTED, "head.ops"),
        (S.SUBMITTED, S.REVIEWED, "coo"),
    ]
    assert WorkReportEvent.objects.filter(report=report, to_status=S.RETURNED).get().note == (
        "Add the figures."
    )
    assert fresh(report).accomplishments == "Shipped 412 orders."


def test_moves_from_the_wrong_state_are_refused_and_write_nothing(cast):
    head, coo = cast["head.log"], cast["coo"]
    report = write(head)
    before = counts()
    with pytest.raises(ApplicationError, match="Only a submitted report can be returned"):
        report_return(report=report, user=coo, comment="Why")
    with pytest.raises(ApplicationError, match="Only a submitted report can be reviewed"):
        report_review(report=report, user=coo, rating=3)
    report = report_submit(report=report, user=head)
    before = counts()
    with pytest.raises(ApplicationError, match="submitted cannot be submitted"):
        report_submit(report=report, user=head)
    with pytest.raises(ApplicationError, match="submitted cannot be changed"):
        report_update(report=report, user=head, summary="Changed")
    assert counts() == before
    report = report_review(report=report, user=coo, rating=5)
    before = counts()
    with pytest.raises(ApplicationError, match="reviewed cannot be changed"):
        report_update(report=report, user=head, summary="After the review")
    with pytest.raises(ApplicationError, match="reviewed cannot be submitted"):
        report_submit(report=report, user=head)
    with pytest.raises(ApplicationError, match="Only a submitted report can be returned"):
        report_return(report=report, user=coo, comment="Again")
    with pytest.raises(ApplicationError, match="Only a submitted report can be reviewed"):
        report_review(report=report, user=coo, rating=1)
    assert counts() == before
    report = fresh(report)
    assert report.status == S.REVIEWED and report.rating == 5 and report.summary == FULL["summary"]


@pytest.mark.parametrize("who", ["ceo", "auditor", "coo", "manager:OPS", "manager:LOG"])
def test_only_heads_of_the_department_write_and_submit(cast, who):
    report = write(cast["head.log"])
    user = cast.manager(who[8:]) if who.startswith("manager") else cast[who]
    before = counts()
    with pytest.raises(NotAllowed, match="Only the report's author may change it"):
        report_update(report=report, user=user, summary="Mine now")
    with pytest.raises(NotAllowed, match="Only the report's author may submit it"):
        report_submit(report=report, user=user)
    assert counts() == before and fresh(report).status == S.DRAFT


@pytest.mark.parametrize("who", ["ceo", "auditor", "head.ops", "head.log", "manager:LOG"])
def test_only_the_coo_returns_and_reviews_department_reports(cast, who):
    report = report_submit(report=write(cast["head.log"]), user=cast["head.log"])
    user = cast.manager("LOG") if who == "manager:LOG" else cast[who]
    before = counts()
    with pytest.raises(NotAllowed, match="Only the report's reviewer may return it"):
        report_return(report=report, user=user, comment="No")
    with pytest.raises(NotAllowed, match="Only the report's reviewer may review it"):
        report_review(report=report, user=user, rating=3)
    assert counts() == before and fresh(report).status == S.SUBMITTED


def test_a_report_out_of_sight_is_not_found(cast):
    report = write(cast["head.log"])
    for user in (cast["head.fin"], cast.staff("LOG"), cast.manager("FIN")):
        with pytest.raises(NotFound):
            report_submit(report=report, user=user)
        with pytest.raises(NotFound):
            report_update(report=report, user=user, summary="x")
    assert fresh(report).status == S.DRAFT


def test_required_sections_before_submitting(cast):
    head = cast["head.log"]
    report = write(head, accomplishments="", next_steps="   ", problems="None")
    with pytest.raises(ApplicationError, match="accomplishments, plan for the next period") as info:
        report_submit(report=report, user=head)
    assert info.value.field == "accomplishments"
    assert fresh(report).status == S.DRAFT and fresh(report).first_submitted_at is None
    assert moves_of(report) == [("", S.DRAFT, "head.log")]
    report = report_update(report=report, user=head, accomplishments="Done", next_steps="More")
    assert report_submit(report=report, user=head).status == S.SUBMITTED


def test_unknown_sections_are_refused(cast):
    with pytest.raises(ApplicationError, match="Unknown report sections: mood"):
        write(cast["head.log"], mood="good")
    assert counts()["reports"] == 0


@pytest.mark.parametrize("rating", [0, 6, -1, "abc", "", None, "3.5", 2.5, True, "NaN", [4]])
def test_rating_is_a_whole_number_from_one_to_five(cast, rating):
    report = report_submit(report=write(cast["head.log"]), user=cast["head.log"])
    before = counts()
    with pytest.raises(ApplicationError, match="whole number from 1 to 5") as info:
        report_review(report=report, user=cast["coo"], rating=rating)
    assert info.value.field == "rating"
    assert counts() == before
    report = fresh(report)
    assert report.status == S.SUBMITTED and report.rating is None and report.reviewed_at is None


@pytest.mark.parametrize("rating", [1, " 5 ", 3.0, Decimal("2")])
def test_ratings_accepted(cast, rating):
    report = report_submit(report=write(cast["head.log"]), user=cast["head.log"])
    assert report_review(report=report, user=cast["coo"], rating=rating).rating == int(rating)


def test_return_needs_a_comment(cast):
    report = report_submit(report=write(cast["head.log"]), user=cast["head.log"])
    before = counts()
    with pytest.raises(ApplicationError, match="Say what needs revising") as info:
        report_return(report=report, user=cast["coo"], comment="  ")
    assert info.value.field == "comment"
    assert counts() == before and fresh(report).status == S.SUBMITTED


def test_a_late_first_submission_stays_late(cast):
    head, coo = cast["head.log"], cast["coo"]
    report = write(head)
    WorkReport.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(hours=1))
    report = report_submit(report=report, user=head)
    first = report.first_submitted_at
    assert report.on_time is False and report.submitted_at == first
    report = report_return(report=report, user=coo, comment="Redo")
    # Whatever the due time says later, the first submission decided it.
    WorkReport.objects.filter(pk=report.pk).update(due_at=timezone.now() + timedelta(days=3))
    report = report_submit(report=report, user=head)
    report = fresh(report)
    assert report.on_time is False
    assert report.first_submitted_at == first and report.submitted_at > first


def test_an_on_time_first_submission_stays_on_time(cast):
    head, coo = cast["head.log"], cast["coo"]
    report = write(head)
    WorkReport.objects.filter(pk=report.pk).update(due_at=timezone.now() + timedelta(hours=1))
    report = report_submit(report=report, user=head)
    assert report.on_time is True
    report_return(report=report, user=coo, comment="Redo")
    WorkReport.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(days=3))
    report = report_submit(report=report, user=head)
    assert fresh(report).on_time is True


def test_review_duration_runs_from_the_last_submission(cast):
    head, coo = cast["head.log"], cast["coo"]
    report = report_submit(report=write(head), user=head)
    report_return(report=report, user=coo, comment="Redo")
    report = report_submit(report=report, user=head)
    submitted = timezone.now() - timedelta(hours=5, minutes=30)
    first = timezone.now() - timedelta(days=2)
    WorkReport.objects.filter(pk=report.pk).update(submitted_at=submitted, first_submitted_at=first)
    report = report_review(report=report, user=coo, rating=3)
    report = fresh(report)
    assert report.review_duration == report.reviewed_at - submitted
    assert timedelta(hours=5, minutes=30) <= report.review_duration < timedelta(hours=5, minutes=31)


# -- individual reports --------------------------------------------------------------------------


def test_individual_report_goes_to_the_authors_manager(cast):
    staff, manager = cast.staff("LOG"), cast.manager("LOG")
    report = write(staff, individual=True, department="FIN")  # the department is the author's
    assert report.individual and report.department.code == "LOG" and report.reviewer == manager
    report = report_submit(report=report, user=staff)
    assert allowed_moves(manager, report) >= {"return", "review"}
    before = counts()
    for user in (cast["coo"], cast["ceo"], cast["head.log"], cast["head.ops"]):
        with pytest.raises(NotAllowed, match="Only the report's reviewer"):
            report_review(report=report, user=user, rating=4)
        with pytest.raises(NotAllowed, match="Only the report's reviewer"):
            report_return(report=report, user=user, comment="No")
    # Only the author writes an individual report, not the department's head.
    with pytest.raises(NotAllowed, match="Only the report's author"):
        report_update(report=report, user=cast["head.log"], summary="x")
    assert counts() == before
    report = report_review(report=report, user=manager, rating=5)
    assert report.status == S.REVIEWED and report.reviewed_by == manager


def test_a_heads_individual_report_is_reviewed_by_the_coo(cast):
    report = write(cast["head.ops"], individual=True)
    assert report.reviewer == cast["coo"] and report.department.code == "OPS"
    report = report_submit(report=report, user=cast["head.ops"])
    assert report_review(report=report, user=cast["coo"], rating=4).status == S.REVIEWED


def test_individual_report_needs_a_manager(cast):
    with pytest.raises(NotAllowed, match="you have none"):
        write(cast["ceo"], individual=True)
    assert counts()["reports"] == 0


def test_individual_and_department_reports_of_a_period_live_side_by_side(cast):
    write(cast["head.log"])
    write(cast["head.log"], individual=True)
    with pytest.raises(ApplicationError, match="already a weekly report") as info:
        write(cast["head.log"], individual=True)
    assert info.value.field == "period_start"
    assert counts()["reports"] == 2


# -- creation refusals ---------------------------------------------------------------------------


def test_duplicate_period_refused(cast):
    write(cast["head.log"])
    before = counts()
    for user in (cast["head.log"], cast["head.ops"]):
        with pytest.raises(ApplicationError, match="already a weekly report") as info:
            write(user, department="LOG")
        assert info.value.field == "period_start"
    assert counts() == before
    write(cast["head.log"], kind=M)  # another kind is another report
    write(cast["head.log"], start=weeks_ago(2))  # and another week too


def test_a_period_that_has_not_started_is_refused(cast):
    with pytest.raises(ApplicationError, match="not started") as info:
        write(cast["head.log"], start=this_monday() + timedelta(weeks=1))
    assert info.value.field == "period_start"
    next_month = next_period_start(M, period_of(M, timezone.localdate())[0])
    with pytest.raises(ApplicationError, match="not started"):
        write(cast["head.log"], kind=M, start=next_month)
    assert counts()["reports"] == 0
    # The current period has started: its report may be drafted already.
    assert write(cast["head.log"], start=this_monday()).status == S.DRAFT


def test_the_period_start_must_be_a_period_start(cast):
    with pytest.raises(ApplicationError, match="starts on a Monday") as info:
        write(cast["head.log"], start=weeks_ago(1) + timedelta(days=2))
    assert info.value.field == "period_start"
    with pytest.raises(ApplicationError, match="first day of the month"):
        write(cast["head.log"], kind=M, start=last_month() + timedelta(days=1))
    with pytest.raises(ApplicationError, match="weekly or monthly") as info:
        write(cast["head.log"], kind="daily")
    assert info.value.field == "kind"
    with pytest.raises(ApplicationError, match="first day of the period"):
        report_create(user=cast["head.log"], kind=W, period_start="2026-01-05")
    assert counts()["reports"] == 0


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("head.log", "OPS"),
        ("head.fin", "LOG"),
        ("manager:OPS", "OPS"),
        ("staff:LOG", "LOG"),
        ("coo", "LOG"),
        ("ceo", "FIN"),
        ("auditor", "OPS"),
    ],
)
def test_department_reports_only_by_heads_of_the_department(cast, who, code):
    kind, _, department = who.partition(":")
    user = {"manager": cast.manager, "staff": cast.staff}[kind](department) if department else None
    user = user or cast[who]
    with pytest.raises(NotAllowed, match="written by the department's head"):
        write(user, department=code)
    assert counts()["reports"] == 0


def test_a_head_writes_for_their_own_department_by_default_and_for_sub_departments(cast):
    assert write(cast["head.log"]).department.code == "LOG"
    assert write(cast["head.ops"]).department.code == "OPS"
    assert write(cast["head.ops"], department="LOG", kind=M).department.code == "LOG"


# -- KPI rows ------------------------------------------------------------------------------------


def test_kpi_rows_blank_ones_dropped():
    rows = clean_kpis(
        [
            {"name": " On-time deliveries ", "value": "97.456", "unit": "%", "target": "95"},
            {"name": "", "value": "", "unit": "", "target": ""},
            {"name": "  ", "value": None, "unit": None, "target": None},
            {"name": "Claims", "value": 3},
            KpiRow(name="Trucks", value=Decimal("12")),
        ]
    )
    assert rows == [
        KpiRow("On-time deliveries", Decimal("97.46"), "%", Decimal("95.00")),
        KpiRow("Claims", Decimal("3.00"), "", None),
        KpiRow("Trucks", Decimal("12"), "", None),
    ]
    assert clean_kpis(None) == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "Claims", "value": ""}, "Give the value of every KPI row"),
        ({"name": "Claims"}, "Give the value of every KPI row"),
        ({"name": "", "value": "3"}, "Give every KPI row a name"),
        ({"name": "", "unit": "%"}, "Give every KPI row a name"),
        ({"name": "Claims", "value": "three"}, "is not a number"),
        ({"name": "Claims", "value": "3,5"}, "is not a number"),
        ({"name": "Claims", "value": "3", "target": "lots"}, "is not a number"),
        ({"name": "Claims", "value": "NaN"}, "is not a usable number"),
        ({"name": "Claims", "value": "Infinity"}, "is not a usable number"),
        ({"name": "Claims", "value": "1e12"}, "is not a usable number"),
        ({"name": "x" * 121, "value": "1"}, "120 characters"),
        ("Claims: 3", "needs a name, a value"),
    ],
)
def test_half_filled_or_bad_kpi_rows_refused_and_nothing_written(cast, row, message):
    with pytest.raises(ApplicationError, match=message) as info:
        write(cast["head.log"], kpis=[{"name": "Fine", "value": "1"}, row])
    assert info.value.field == "kpis"
    assert counts() == {"reports": 0, "events": 0, "kpis": 0, "items": 0}


def test_too_many_kpi_rows_refused():
    with pytest.raises(ApplicationError, match="30 KPI rows at most"):
        clean_kpis([{"name": f"K{i}", "value": i} for i in range(31)])


def test_kpi_rows_saved_in_order_and_replaced_on_update(cast):
    head = cast["head.log"]
    report = write(
        head,
        kpis=[
            {"name": "Deliveries", "value": "410", "target": "400"},
            {"name": "", "value": ""},
            {"name": "Claims", "value": "7", "target": "10"},
        ],
    )
    rows = list(report.kpis.all())
    assert [(k.name, k.value, k.met) for k in rows] == [
        ("Deliveries", Decimal("410.00"), True),
        ("Claims", Decimal("7.00"), False),
    ]
    report_update(report=report, user=head, summary="Changed")  # kpis not given: kept
    assert report.kpis.count() == 2
    report_update(report=report, user=head, kpis=[{"name": "Trucks", "value": 9}])
    assert list(report.kpis.values_list("name", "order", "target")) == [("Trucks", 0, None)]
    with pytest.raises(ApplicationError, match="not a number"):
        report_update(report=report, user=head, summary="Lost", kpis=[{"name": "T", "value": "x"}])
    assert report.kpis.count() == 1 and fresh(report).summary == "Changed"


# -- scoping -------------------------------------------------------------------------------------


@pytest.fixture
def reports_of_everyone(cast):
    """Department reports of OPS, LOG and FIN (submitted), an individual report of a LOG staff
    member and one of the OPS manager, and an action item on each department report."""
    coo = cast["coo"]
    made = {}
    for code in ("OPS", "LOG", "FIN"):
        head = cast[f"head.{code.lower()}"]
        made[code] = report_submit(report=write(head, department=code), user=head)
    made["staff:LOG"] = write(cast.staff("LOG"), individual=True)
    made["manager:OPS"] = write(cast.manager("OPS"), individual=True)
    due = timezone.localdate() + timedelta(days=5)
    items = {
        "OPS": action_item_create(
            report=made["OPS"], user=coo, title="Dock 3", owner=cast.manager("OPS"), due_date=due
        ),
        "LOG": action_item_create(
            report=made["LOG"], user=coo, title="Forklift", owner=cast.staff("LOG"), due_date=due
        ),
        "FIN": action_item_create(
            report=made["FIN"], user=coo, title="Invoices", owner=cast["head.fin"], due_date=due
        ),
    }
    return made, items


ALL_REPORTS = {"OPS", "LOG", "FIN", "staff:LOG", "manager:OPS"}
REPORT_SCOPES = {
    "ceo": ALL_REPORTS,
    "coo": ALL_REPORTS,
    "auditor": ALL_REPORTS,
    "head.ops": {"OPS", "LOG", "staff:LOG", "manager:OPS"},
    "head.log": {"LOG", "staff:LOG"},
    "head.fin": {"FIN"},
    "manager:OPS": {"OPS", "LOG", "staff:LOG", "manager:OPS"},
    "manager:LOG": {"LOG", "staff:LOG"},
    "manager:FIN": {"FIN"},
    "staff:LOG": {"staff:LOG"},
    "staff:OPS": set(),
    "staff:FIN": set(),
}
ITEM_SCOPES = {
    "ceo": {"OPS", "LOG", "FIN"},
    "coo": {"OPS", "LOG", "FIN"},
    "auditor": {"OPS", "LOG", "FIN"},
    "head.ops": {"OPS", "LOG"},
    "head.log": {"LOG"},
    "head.fin": {"FIN"},
    "manager:OPS": {"OPS", "LOG"},
    "manager:LOG": {"LOG"},
    "manager:FIN": {"FIN"},
    "staff:LOG": {"LOG"},  # owns it, though the LOG report is not theirs to see
    "staff:OPS": set(),
    "staff:FIN": set(),
}


@pytest.mark.parametrize("role", list(REPORT_SCOPES))
def test_who_sees_which_reports_and_action_items(who, reports_of_everyone, role):
    made, items = reports_of_everyone
    user = who(role)
    names = {pk: name for name, r in made.items() for pk in [r.pk]}
    seen = {names[pk] for pk in WorkReport.objects.for_user(user).values_list("pk", flat=True)}
    assert seen == REPORT_SCOPES[role]
    item_names = {item.pk: name for name, item in items.items()}
    seen_items = {
        item_names[pk] for pk in ActionItem.objects.for_user(user).values_list("pk", flat=True)
    }
    assert seen_items == ITEM_SCOPES[role]


def test_nobody_logged_out_sees_reports(reports_of_everyone):
    from django.contrib.auth.models import AnonymousUser

    assert not WorkReport.objects.for_user(AnonymousUser()).exists()
    assert not ActionItem.objects.for_user(AnonymousUser()).exists()
    assert not WorkReport.objects.for_user(None).exists()


# -- action items --------------------------------------------------------------------------------


def soon() -> date:
    return timezone.localdate() + timedelta(days=7)


def test_action_items_only_from_submitted_or_reviewed_reports(cast):
    head, coo = cast["head.log"], cast["coo"]
    report = write(head)
    with pytest.raises(ApplicationError, match="raised from submitted reports"):
        action_item_create(report=report, user=head, title="X", owner=head, due_date=soon())
    report = report_submit(report=report, user=head)
    report_return(report=report, user=coo, comment="Redo")
    with pytest.raises(ApplicationError, match="raised from submitted reports"):
        action_item_create(report=report, user=coo, title="X", owner=head, due_date=soon())
    assert counts()["items"] == 0
    report = report_submit(report=report, user=head)
    first = action_item_create(report=report, user=head, title=" Fix ", owner=head, due_date=soon())
    report = report_review(report=report, user=coo, rating=4)
    second = action_item_create(
        report=report, user=coo, title="Hire", owner=cast.staff("LOG"), due_date=soon()
    )
    assert first.title == "Fix" and first.department.code == "LOG" and first.status == A.OPEN
    assert second.created_by == coo and second.report == report


def test_action_item_refusals_write_nothing(cast):
    head, coo = cast["head.log"], cast["coo"]
    report = report_submit(report=write(head), user=head)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ApplicationError, match="cannot be in the past") as info:
        action_item_create(report=report, user=coo, title="X", owner=head, due_date=yesterday)
    assert info.value.field == "due_date"
    with pytest.raises(ApplicationError, match="cannot be in the past"):
        action_item_create(report=report, user=coo, title="X", owner=head, due_date=None)
    with pytest.raises(ApplicationError, match="Name the problem") as info:
        action_item_create(report=report, user=coo, title="  ", owner=head, due_date=soon())
    assert info.value.field == "title"
    gone = cast.staff("LOG")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError, match="active person") as info:
        action_item_create(report=report, user=coo, title="X", owner=gone, due_date=soon())
    assert info.value.field == "owner"
    for user in (cast["ceo"], cast["auditor"], cast.manager("OPS"), cast.manager("LOG")):
        with pytest.raises(NotAllowed, match="author or reviewer"):
            action_item_create(report=report, user=user, title="X", owner=head, due_date=soon())
    with pytest.raises(NotFound):
        action_item_create(
            report=report, user=cast["head.fin"], title="X", owner=head, due_date=soon()
        )
    assert counts()["items"] == 0
    # Due today is fine.
    action_item_create(
        report=report, user=coo, title="X", owner=head, due_date=timezone.localdate()
    )


def test_action_item_moves_with_history(cast, django_capture_on_commit_callbacks):
    head, coo, owner = cast["head.log"], cast["coo"], cast.staff("LOG")
    report = report_submit(report=write(head), user=head)
    with django_capture_on_commit_callbacks(execute=True):
        item = action_item_create(
            report=report, user=coo, title="Forklift", owner=owner, due_date=soon()
        )
    assert Notification.objects.filter(recipient=owner).count() == 1
    assert action_item_moves(owner, item) == ["start", "close", "cancel"]
    assert action_item_moves(cast["ceo"], item) == []
    item = action_item_move(item=item, user=owner, move="start")
    assert item.status == A.IN_PROGRESS
    with pytest.raises(ApplicationError, match="in progress"):
        action_item_move(item=item, user=owner, move="start")
    with pytest.raises(ApplicationError, match="Say how it was resolved") as info:
        action_item_move(item=item, user=owner, move="close", resolution=" ")
    assert info.value.field == "resolution"
    assert fresh(item).status == A.IN_PROGRESS and fresh(item).closed_at is None
    item = action_item_move(item=item, user=owner, move="close", resolution="Repaired.")
    assert item.status == A.CLOSED and item.closed_at and item.resolution == "Repaired."
    with pytest.raises(ApplicationError, match="Give the reason"):
        action_item_move(item=item, user=coo, move="reopen")
    item = action_item_move(item=item, user=coo, move="reopen", resolution="Broke again.")
    assert item.status == A.OPEN and item.closed_at is None and item.resolution == ""
    item = action_item_move(item=item, user=cast["head.ops"], move="cancel", resolution="Sold.")
    assert item.status == A.CANCELLED and item.resolution == "Sold."
    with pytest.raises(ApplicationError, match="cancelled"):
        action_item_move(item=item, user=coo, move="close", resolution="x")
    with pytest.raises(ApplicationError, match="Unknown action"):
        action_item_move(item=item, user=coo, move="delete")
    history = list(item.history.order_by("history_date", "history_id"))
    assert [h.status for h in history] == [A.OPEN, A.IN_PROGRESS, A.CLOSED, A.OPEN, A.CANCELLED]
    assert [h.history_change_reason or "" for h in history[2:]] == [
        "Repaired.",
        "Broke again.",
        "Sold.",
    ]


def test_who_may_move_an_action_item(cast):
    head, coo, owner = cast["head.log"], cast["coo"], cast.staff("LOG")
    report = report_submit(report=write(head), user=head)
    item = action_item_create(
        report=report, user=coo, title="Forklift", owner=owner, due_date=soon()
    )
    for user in (cast["ceo"], cast["auditor"], cast.manager("LOG"), cast.manager("OPS")):
        with pytest.raises(NotAllowed, match="Only the owner"):
            action_item_move(item=item, user=user, move="start")
    for user in (cast["head.fin"], cast.staff("FIN"), cast.staff("OPS")):
        with pytest.raises(NotFound):
            action_item_move(item=item, user=user, move="start")
    assert fresh(item).status == A.OPEN and item.history.count() == 1
    # The owner, whoever raised it, the COO and the heads of the department may.
    for user in (owner, coo, head, cast["head.ops"]):
        item = action_item_move(item=item, user=user, move="cancel", resolution="No")
        item = action_item_move(item=item, user=user, move="reopen", resolution="Yes")
    assert item.history.count() == 9


# -- reminders -----------------------------------------------------------------------------------


def reminded(prefix: str) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(key__startswith=prefix).values_list(
            "recipient__username", "key"
        )
    )


def test_due_tomorrow_reminder_goes_to_the_head_once(cast):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    only_schedules(("LOG", W, {"weekday": tomorrow.weekday()}))
    sent = reminders_send(today=today)
    assert sent["due"] == 1 and sent["action_items"] == 0
    start = previous_period_start(W, period_of(W, tomorrow)[0])
    assert reminded("report-due") == [("head.log", f"report-due:{dept('LOG').pk}:weekly:{start}")]
    assert reminders_send(today=today) == {"due": 0, "late": 0, "action_items": 0}


def test_late_reminders_to_the_heads_once_a_day_until_submitted(cast):
    today = timezone.localdate()
    first = {"day": 1, "due_time": dt.time(0, 0)}  # last month's: due at the start of this one
    only_schedules(("LOG", M, first), ("FIN", M, first), ("OPS", M, first))
    schedule("OPS", M, active=False)
    report_submit(report=write(cast["head.fin"], kind=M), user=cast["head.fin"])
    write(cast["head.log"], kind=M)  # a draft does not count
    sent = reminders_send(today=today)
    assert sent["late"] == 1
    key = f"report-late:{dept('LOG').pk}:monthly:{last_month()}:{today}"
    assert reminded("report-late") == [("head.log", key)]
    assert reminders_send(today=today)["late"] == 0
    # Another day of the same month: reminded again, once.
    other = today - timedelta(days=1) if today.day > 1 else today + timedelta(days=1)
    assert reminders_send(today=other)["late"] == 1
    assert reminders_send(today=other)["late"] == 0
    assert len(reminded("report-late")) == 2
    report = WorkReport.objects.get(department__code="LOG", kind=M)
    report_submit(report=report, user=cast["head.log"])
    Notification.objects.all().delete()  # no key left to hold it back: only the submission
    assert reminders_send(today=today)["late"] == 0


def test_a_returned_report_is_not_reminded_as_late(cast):
    today = timezone.localdate()
    only_schedules(("LOG", M, {"day": 1, "due_time": dt.time(0, 0)}))
    report = report_submit(report=write(cast["head.log"], kind=M), user=cast["head.log"])
    report_return(report=report, user=cast["coo"], comment="Redo")
    assert reminders_send(today=today)["late"] == 0


def test_inactive_schedules_send_no_reminders(cast):
    only_schedules()
    today = timezone.localdate()
    for day in range(0, 35, 3):
        assert reminders_send(today=today + timedelta(days=day)) == {
            "due": 0,
            "late": 0,
            "action_items": 0,
        }
    assert not Notification.objects.exists()


def test_overdue_action_items_reminded_once_a_day(cast):
    only_schedules()
    head, owner = cast["head.log"], cast.staff("LOG")
    report = report_submit(report=write(head), user=head)
    late = action_item_create(report=report, user=head, title="Late", owner=owner, due_date=soon())
    action_item_create(report=report, user=head, title="Fine", owner=owner, due_date=soon())
    done = action_item_create(report=report, user=head, title="Done", owner=owner, due_date=soon())
    action_item_move(item=done, user=owner, move="close", resolution="Fixed")
    yesterday = timezone.localdate() - timedelta(days=1)
    ActionItem.objects.filter(pk__in=[late.pk, done.pk]).update(due_date=yesterday)
    today = timezone.localdate()
    assert reminders_send(today=today)["action_items"] == 1
    assert reminders_send(today=today)["action_items"] == 0
    assert reminded("action-item-overdue") == [
        (owner.username, f"action-item-overdue:{late.pk}:{today}")
    ]
    assert reminders_send(today=today + timedelta(days=1))["action_items"] == 1


# -- the timeliness grid and the figures ---------------------------------------------------------


def submit_with_due(report, user, *, due, on_time: bool):
    """Submit ``report`` as if its due time were ``due`` (before or after now)."""
    WorkReport.objects.filter(pk=report.pk).update(
        due_at=timezone.now() + (timedelta(hours=1) if on_time else -timedelta(hours=1))
    )
    report = report_submit(report=report, user=user)
    WorkReport.objects.filter(pk=report.pk).update(due_at=due)
    return fresh(report)


def test_timeliness_grid_states(cast):
    today = timezone.localdate()
    schedule("FIN", W, active=False)
    starts = recent_period_starts(W, 3, today)
    ops, log = cast["head.ops"], cast["head.log"]
    on_time = submit_with_due(
        write(ops, start=starts[0]), ops, due=due_at_for(W, starts[0]), on_time=True
    )
    report_review(report=on_time, user=cast["coo"], rating=4)
    submit_with_due(write(ops, start=starts[1]), ops, due=due_at_for(W, starts[1]), on_time=False)
    not_due = write(ops, start=starts[2])
    WorkReport.objects.filter(pk=not_due.pk).update(due_at=timezone.now() + timedelta(hours=2))
    overdue_draft = write(log, start=starts[2])
    WorkReport.objects.filter(pk=overdue_draft.pk).update(
        due_at=timezone.now() - timedelta(hours=2)
    )
    got, rows = timeliness_grid(kind=W, periods=3, today=today)
    assert got == starts
    assert [row.department.code for row in rows] == ["LOG", "OPS"]  # by name; FIN sends none
    by_code = {row.department.code: row for row in rows}
    assert [c.state for c in by_code["OPS"].cells] == [
        Timeliness.ON_TIME,
        Timeliness.LATE,
        Timeliness.NOT_DUE,
    ]
    assert [c.state for c in by_code["LOG"].cells] == [Timeliness.MISSING] * 3
    assert by_code["OPS"].counts == {"on_time": 1, "late": 1, "missing": 0}
    assert by_code["LOG"].counts == {"on_time": 0, "late": 0, "missing": 3}
    assert by_code["OPS"].average_rating == 4 and by_code["LOG"].average_rating is None
    assert by_code["OPS"].cells[0].report.pk == on_time.pk
    assert by_code["LOG"].cells[0].report is None
    assert by_code["LOG"].cells[0].due_at == due_at_for(W, starts[0])


def test_timeliness_grid_query_count_does_not_grow(cast):
    today = timezone.localdate()

    def queries(periods: int) -> int:
        with CaptureQueriesContext(connection) as context:
            _starts, rows = timeliness_grid(kind=W, periods=periods, today=today)
            states = [cell.state for row in rows for cell in row.cells]
        assert len(states) == len(rows) * periods
        return len(context)

    small = queries(2)
    ops = cast["head.ops"]
    for weeks in range(1, 7):
        report_submit(report=write(ops, start=weeks_ago(weeks)), user=ops)
    for code in ("PRC", "QLT", "MNT"):
        department_create(code=code, name=f"Department {code}", parent=dept("OPS"))
    schedule("PRC", W, weekday=3)
    assert Department.objects.count() == 6
    large = queries(8)
    assert small == large == 3


def test_department_figures(cast):
    log, fin, coo = cast["head.log"], cast["head.fin"], cast["coo"]
    # LOG: three weeks, two submitted (one on time), both reviewed; one draft.
    a = submit_with_due(write(log, start=weeks_ago(1)), log, due=timezone.now(), on_time=True)
    b = submit_with_due(write(log, start=weeks_ago(2)), log, due=timezone.now(), on_time=False)
    write(log, start=weeks_ago(3))
    report_review(report=a, user=coo, rating=5)
    report_review(report=b, user=coo, rating=2)
    WorkReport.objects.filter(pk=a.pk).update(review_duration=timedelta(hours=2))
    WorkReport.objects.filter(pk=b.pk).update(review_duration=timedelta(hours=5))
    # FIN: one report in the window, one before it; an individual report does not count.
    c = submit_with_due(write(fin, start=weeks_ago(1)), fin, due=timezone.now(), on_time=True)
    submit_with_due(write(fin, start=weeks_ago(6)), fin, due=timezone.now(), on_time=True)
    report_submit(report=write(cast.staff("FIN"), individual=True), user=cast.staff("FIN"))
    since, until = weeks_ago(3), weeks_ago(1)
    with CaptureQueriesContext(connection) as context:
        figures = department_figures(since=since, until=until)
    assert len(context) == 1
    log_id, fin_id = dept("LOG").pk, dept("FIN").pk
    assert set(figures) == {log_id, fin_id}
    assert figures[log_id]["reports"] == 3
    assert figures[log_id]["submitted"] == 2
    assert figures[log_id]["on_time"] == 1
    assert figures[log_id]["average_rating"] == pytest.approx(3.5)
    assert figures[log_id]["average_review"] == timedelta(hours=3, minutes=30)
    assert figures[fin_id] == {
        "reports": 1,
        "submitted": 1,
        "on_time": 1,
        "average_rating": None,
        "average_review": None,
    }
    assert fresh(c).on_time is True
    only_fin = department_figures(department_ids=[fin_id], since=weeks_ago(6), until=until)
    assert set(only_fin) == {fin_id} and only_fin[fin_id]["reports"] == 2
    assert department_figures(department_ids=[], since=since, until=until) == {}
