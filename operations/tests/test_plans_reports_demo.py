"""The demo plans and work reports: plans in force with progress and late milestones, a year of
reports in every state with on-time and late ones, action items, schedules, correct scoping, and
a second run that adds nothing."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.utils import timezone

from approvals.models import State
from operations import demo_plans, demo_reports
from operations.models import (
    ActionItem,
    AnnualPlan,
    Milestone,
    Objective,
    PlanRevision,
    ProgressUpdate,
    ReportKind,
    ReportSchedule,
    WorkReport,
    WorkReportEvent,
)
from operations.services.plans import company_progress
from organization.demo import DEPARTMENTS, build_cast
from organization.models import Department, User

CODES = [row[0] for row in DEPARTMENTS[:8]]


@pytest.fixture(scope="module")
def _demo_built_once(django_db_setup, django_db_blocker):
    """The small company's eight departments with three people under each head, then the demo
    plans and reports: built once for the module, in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            build_cast(departments=DEPARTMENTS[:8], per_department=3, seed=7)
            today = timezone.localdate()
            outcome = {
                "today": today,
                "plans": demo_plans.build(size="small", seed=7, today=today, log=print),
                "reports": demo_reports.build(size="small", seed=7, today=today, log=print),
            }
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield outcome
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_built_once, db):
    return _demo_built_once


def user(username: str) -> User:
    return User.objects.get(username=username)


# -- plans ------------------------------------------------------------------------------------


def test_plans_for_this_year_and_last_year(demo):
    year = demo["today"].year
    assert demo["plans"] == (
        f"{AnnualPlan.objects.count()} plans, {Objective.objects.filter(revision__number=1).count()}"
        f" objectives, {Milestone.objects.filter(objective__revision__number=1).count()} milestones"
    )
    this_year = AnnualPlan.objects.filter(year=year)
    assert this_year.filter(department__isnull=True).count() == 1
    assert set(this_year.values_list("department__code", flat=True)) == {None, *CODES}
    last_year = AnnualPlan.objects.filter(year=year - 1)
    assert last_year.filter(department__isnull=True, current_revision__isnull=False).exists()
    assert last_year.filter(department__isnull=False, current_revision__isnull=False).count() >= 2


def test_plans_in_force_weights_owners_and_approvers(demo):
    in_force = PlanRevision.objects.filter(status=State.APPROVED).select_related("plan")
    assert in_force.count() >= 10
    for revision in in_force:
        totals = revision.objectives.aggregate(total=Sum("weight"), n=Count("pk"))
        assert totals["total"] == 100
        assert 3 <= totals["n"] <= 5
        approver = "ceo" if revision.plan.department_id is None else "coo"
        assert revision.decided_by.username == approver
        assert revision.submitted_at < revision.decided_at < timezone.now()
    # Objective owners are the department's head or managers; milestones have 2 to 4 each.
    for objective in Objective.objects.filter(revision__plan__department__isnull=False):
        assert objective.owner.person.department_id == objective.revision.plan.department_id
        assert 2 <= objective.milestones.count() <= 4
    # Both languages.
    titles = set(Objective.objects.values_list("kpi_unit", flat=True))
    assert "days" in titles or "hours" in titles
    assert "días" in titles or "horas" in titles or "puntos" in titles


def test_plans_in_every_state(demo):
    year = demo["today"].year
    plans = AnnualPlan.objects.filter(year=year).select_related("latest_revision")
    working = [p.latest_revision.status for p in plans if p.current_revision_id is None]
    assert sorted(working) == [State.DRAFT, State.SUBMITTED]
    revised = [p for p in plans if p.latest_revision.number == 2]
    assert len(revised) == 1
    plan = revised[0]
    assert plan.current_revision.number == 1
    assert plan.current_revision.status == State.APPROVED
    assert plan.latest_revision.status == State.SUBMITTED
    assert plan.latest_revision.summary_of_changes
    assert plan.working_revision == plan.latest_revision


def test_plans_progress_by_owners_month_by_month(demo):
    today = demo["today"]
    assert company_progress(year=today.year) > 0
    assert company_progress(year=today.year - 1) > 60
    updates = ProgressUpdate.objects.filter(objective__revision__status=State.APPROVED)
    assert updates.exists()
    assert not updates.filter(month__gt=today).exists()
    assert not updates.exclude(author=F("objective__owner")).exists()
    assert not updates.filter(created_at__gt=timezone.now()).exists()
    # Percentages never go down from one month to the next.
    for objective in Objective.objects.in_force()[:20]:
        figures = list(
            objective.progress_updates.order_by("month").values_list("percent_complete", flat=True)
        )
        assert figures == sorted(figures)
        if figures:
            assert objective.percent_complete == figures[-1]
    # Some objectives are behind the pace of the year.
    elapsed = today.timetuple().tm_yday / 3.66
    behind = Objective.objects.in_force().filter(
        revision__plan__year=today.year, percent_complete__lt=elapsed * 0.85
    )
    if today.month > 2:
        assert behind.exists()


def test_milestones_done_late_and_ahead(demo):
    today = demo["today"]
    milestones = Milestone.objects.in_force()
    done = milestones.filter(status=Milestone.Status.DONE)
    assert done.exists()
    assert not done.filter(Q(completed_on__isnull=True) | Q(completed_on__gt=today)).exists()
    assert not done.filter(evidence_note="").exists()
    assert milestones.filter(status=Milestone.Status.LATE).exists()
    assert not milestones.pending().filter(due_date__lt=today).exists()
    future = milestones.filter(due_date__gt=today)
    if future.exists():
        assert future.filter(status=Milestone.Status.NOT_STARTED).exists()
    for milestone in milestones.select_related("objective__revision__plan")[:50]:
        assert milestone.due_date.year == milestone.objective.revision.plan.year


# -- work reports -------------------------------------------------------------------------------


def test_schedules_for_every_department(demo):
    for department in Department.objects.filter(code__in=CODES):
        kinds = set(
            ReportSchedule.objects.filter(department=department).values_list("kind", flat=True)
        )
        assert kinds == set(ReportKind.values)
    weekdays = set(
        ReportSchedule.objects.filter(kind=ReportKind.WEEKLY).values_list("weekday", flat=True)
    )
    assert len(weekdays) >= 2
    days = set(
        ReportSchedule.objects.filter(kind=ReportKind.MONTHLY).values_list(
            "day_of_month", flat=True
        )
    )
    assert days == {3, 5}


def test_a_year_of_reports_in_every_state(demo):
    reports = WorkReport.objects.departmental()
    assert set(reports.values_list("status", flat=True)) == set(WorkReport.Status.values)
    weekly = reports.filter(kind=ReportKind.WEEKLY)
    monthly = reports.filter(kind=ReportKind.MONTHLY)
    assert 8 * 45 <= weekly.count() <= 8 * 53
    assert 8 * 10 <= monthly.count() <= 8 * 13
    # Most on time, some late, a few missing.
    submitted = reports.filter(first_submitted_at__isnull=False)
    on_time = submitted.filter(on_time=True).count()
    late = submitted.filter(on_time=False).count()
    assert late > 0 and on_time > 2 * late
    assert weekly.values("department").annotate(n=Count("pk")).filter(n__lt=52).exists()
    # A chronically late department is later and rated lower than the rest.
    by_department = {
        row["department__code"]: row
        for row in submitted.values("department__code").annotate(
            late=Count("pk", filter=Q(on_time=False)), n=Count("pk"), rating=Avg("rating")
        )
    }
    chronic = by_department["IT"]
    steady = by_department["OPS"]
    assert chronic["late"] / chronic["n"] > 0.4 > steady["late"] / steady["n"]
    assert chronic["rating"] < steady["rating"]
    # The current period is in draft for some departments.
    assert reports.filter(status=WorkReport.Status.DRAFT, first_submitted_at__isnull=True).exists()


def test_report_times_are_consistent(demo):
    now = timezone.now()
    reports = WorkReport.objects.filter(first_submitted_at__isnull=False)
    for report in reports:
        assert report.created_at <= report.first_submitted_at <= report.submitted_at <= now
        assert report.on_time == (report.first_submitted_at <= report.due_at)
        assert report.period_start <= report.period_end
        if report.status == WorkReport.Status.REVIEWED:
            assert report.reviewed_at > report.submitted_at
            assert report.review_duration == report.reviewed_at - report.submitted_at
            assert 1 <= report.rating <= 5
            assert report.reviewed_by is not None
    reviewed = WorkReport.objects.departmental().filter(status=WorkReport.Status.REVIEWED)
    assert reviewed.filter(reviewed_by__username="coo").count() == reviewed.count()
    ratings = list(reviewed.values_list("rating", flat=True))
    assert set(ratings) <= {1, 2, 3, 4, 5}
    assert 3 <= sum(ratings) / len(ratings) <= 4.2
    assert sum(1 for r in ratings if r in (3, 4)) > len(ratings) / 2
    durations = sorted(r.review_duration.total_seconds() / 3600 for r in reviewed)
    assert durations[0] < 12 and durations[-1] > 48
    # Events carry the history: created, submitted, (returned, resubmitted), reviewed.
    assert not WorkReportEvent.objects.filter(created_at__gt=now).exists()
    resubmitted = WorkReport.objects.filter(
        status=WorkReport.Status.REVIEWED, events__to_status=WorkReport.Status.RETURNED
    ).distinct()
    assert resubmitted.exists()
    for report in WorkReport.objects.filter(pk__in=resubmitted.values("pk")[:5]):
        times = list(report.events.values_list("created_at", flat=True))
        assert times == sorted(times)
        assert report.first_submitted_at < report.submitted_at


def test_reports_have_sections_and_kpis_in_both_languages(demo):
    for report in WorkReport.objects.departmental().prefetch_related("kpis")[:80]:
        assert report.summary and report.accomplishments and report.next_steps
        assert 2 <= len(report.kpis.all()) <= 4
    summaries = " ".join(WorkReport.objects.values_list("summary", flat=True)[:400])
    assert ("week" in summaries and "semana" in summaries) or "para" in summaries


def test_action_items_open_closed_and_overdue(demo):
    today = demo["today"]
    items = ActionItem.objects.all()
    assert items.count() >= 10
    statuses = set(items.values_list("status", flat=True))
    assert {ActionItem.Status.OPEN, ActionItem.Status.CLOSED} <= statuses
    assert ActionItem.Status.IN_PROGRESS in statuses or ActionItem.Status.CANCELLED in statuses
    assert items.overdue(today).exists()
    closed = items.filter(status=ActionItem.Status.CLOSED)
    assert not closed.filter(Q(closed_at__isnull=True) | Q(resolution="")).exists()
    for item in items.select_related("report", "owner__person"):
        assert item.department_id == item.report.department_id
        assert item.owner.person.department_id == item.department_id
        assert item.report.problems
        assert item.created_at <= timezone.now()
        if item.closed_at:
            assert item.created_at < item.closed_at <= timezone.now()


def test_individual_reports_go_to_managers(demo):
    individual = WorkReport.objects.individual_reports().select_related(
        "author__person__manager__user", "reviewer"
    )
    assert individual.exists()
    for report in individual:
        assert report.kind == ReportKind.MONTHLY
        assert report.reviewer == report.author.person.manager.user
        if report.status == WorkReport.Status.REVIEWED:
            assert report.reviewed_by == report.reviewer
    assert individual.filter(status=WorkReport.Status.SUBMITTED).exists()


# -- scoping and a second run -------------------------------------------------------------------


def test_demo_data_is_scoped(demo):
    head = user("head.fin")
    visible = WorkReport.objects.for_user(head).departmental()
    assert set(visible.values_list("department__code", flat=True)) == {"FIN", "ACC"}
    ops = WorkReport.objects.for_user(user("head.ops")).departmental()
    assert set(ops.values_list("department__code", flat=True)) == {"OPS", "LOG", "PRD"}
    assert (
        not ActionItem.objects.for_user(head)
        .exclude(Q(department__code__in=["FIN", "ACC"]) | Q(owner=head))
        .exists()
    )
    plans = AnnualPlan.objects.for_user(user("head.hr"))
    assert set(plans.values_list("department__code", flat=True)) == {None, "HR"}
    assert WorkReport.objects.for_user(user("coo")).count() == WorkReport.objects.count()


def test_a_second_run_adds_nothing(demo):
    today = demo["today"]
    counts = [
        model.objects.count()
        for model in (AnnualPlan, PlanRevision, Objective, Milestone, ProgressUpdate)
    ] + [
        model.objects.count() for model in (WorkReport, WorkReportEvent, ActionItem, ReportSchedule)
    ]
    assert demo_plans.build(size="small", seed=7, today=today, log=print) == (
        "0 plans, 0 objectives, 0 milestones"
    )
    assert demo_reports.build(size="small", seed=7, today=today, log=print) == (
        "0 work reports (0 individual), 0 action items, 0 schedules"
    )
    again = [
        model.objects.count()
        for model in (AnnualPlan, PlanRevision, Objective, Milestone, ProgressUpdate)
    ] + [
        model.objects.count() for model in (WorkReport, WorkReportEvent, ActionItem, ReportSchedule)
    ]
    assert again == counts
