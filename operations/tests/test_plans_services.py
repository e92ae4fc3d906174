"""Annual plans: who drafts them, content rules, approval, revisions carrying progress across,
progress and milestones, the late-milestone job, roll-ups and scoping role by role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import Action, ApprovalEvent, State
from approvals.services import transition
from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision, ProgressUpdate
from operations.services.plans import (
    company_progress,
    milestone_save,
    milestone_update,
    milestones_mark_late,
    objective_save,
    plan_create,
    progress_by_revision,
    progress_record,
    revision_start,
    revision_update,
)
from operations.tests.helpers import PDF_BYTES, stored_files, upload
from organization.models import Department, Notification

pytestmark = pytest.mark.django_db

MS = Milestone.Status


def this_year() -> int:
    return timezone.localdate().year


def dept(code: str | None) -> Department | None:
    return Department.objects.get(code=code) if code else None


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def new_plan(user, code: str | None = None, year: int | None = None) -> AnnualPlan:
    return plan_create(user=user, year=year or this_year(), department=dept(code))


def latest(plan: AnnualPlan) -> PlanRevision:
    return fresh(plan).latest_revision


def objective(revision, user, owner, *, weight=100, title="Faster deliveries", **extra):
    values = {"kpi_name": "Days to deliver", "target": Decimal("2"), "baseline": Decimal("4")}
    values.update(extra)
    return objective_save(
        revision=revision, user=user, title=title, weight=weight, owner=owner, **values
    )


def milestone(obj, user, owner, *, due=None, title="New routes live"):
    year = obj.revision.plan.year
    return milestone_save(
        objective=obj, user=user, title=title, due_date=due or date(year, 12, 31), owner=owner
    )


def move(revision, action, user, note="Noted."):
    return transition(obj=fresh(revision), action=action, user=user, note=note)


def approve(revision, author, approver):
    move(revision, Action.SUBMIT, author)
    return move(revision, Action.APPROVE, approver)


def events(revision) -> list[tuple[str, str]]:
    return [
        (e.action, e.to_state)
        for e in ApprovalEvent.objects.filter(object_id=revision.pk).order_by("pk")
        if e.content_type.model == "planrevision"
    ]


def written() -> dict[str, int]:
    return {
        "plans": AnnualPlan.objects.count(),
        "revisions": PlanRevision.objects.count(),
        "objectives": Objective.objects.count(),
        "milestones": Milestone.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "events": ApprovalEvent.objects.count(),
    }


@pytest.fixture
def log_plan(cast):
    """The LOG plan of this year in force: two objectives weighted 60/40 (owned by the LOG
    manager and a LOG staff member), one milestone each, approved by the COO."""
    head = cast["head.log"]
    plan = new_plan(head, "LOG")
    revision = latest(plan)
    a = objective(revision, head, cast.manager("LOG"), weight=60, title="Routes")
    b = objective(revision, head, cast.staff("LOG"), weight=40, title="Warehouse")
    milestone(a, head, cast.manager("LOG"), title="Routes mapped")
    milestone(b, head, cast.staff("LOG"), title="Racks installed")
    approve(revision, head, cast["coo"])
    return fresh(plan)


def objectives_of(revision) -> dict[str, Objective]:
    return {o.title: o for o in Objective.objects.filter(revision=revision)}


# -- creating plans ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coo", "ceo"])
def test_company_plan_by_the_coo_or_the_ceo(cast, role):
    plan = new_plan(cast[role])
    assert plan.is_company and plan.year == this_year()
    revision = plan.latest_revision
    assert revision.number == 1 and revision.status == State.DRAFT
    assert revision.created_by == cast[role] and plan.current_revision is None
    assert plan.working_revision == revision


@pytest.mark.parametrize("role", ["auditor", "head.ops", "head.fin", "manager:OPS", "staff:LOG"])
def test_company_plan_by_nobody_else(who, role):
    with pytest.raises(NotAllowed, match="Only the COO or the CEO may draft the company plan"):
        new_plan(who(role))
    assert written()["plans"] == 0


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("coo", "FIN"),
        ("ceo", "LOG"),
        ("head.ops", "OPS"),
        ("head.ops", "LOG"),  # head of the parent department
        ("head.log", "LOG"),
        ("head.fin", "FIN"),
    ],
)
def test_department_plan_by_the_coo_the_ceo_or_its_heads(who, role, code):
    plan = new_plan(who(role), code)
    assert plan.department.code == code and plan.latest_revision.number == 1


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("head.log", "OPS"),
        ("head.fin", "LOG"),
        ("head.ops", "FIN"),
        ("manager:OPS", "OPS"),
        ("manager:LOG", "LOG"),
        ("staff:LOG", "LOG"),
        ("auditor", "OPS"),
    ],
)
def test_department_plan_by_nobody_else(who, role, code):
    with pytest.raises(NotAllowed, match="department's head may draft its plan"):
        new_plan(who(role), code)
    assert written() == dict.fromkeys(written(), 0)


@pytest.mark.parametrize("offset", [-2, 2, 50])
def test_year_out_of_range_refused(cast, offset):
    with pytest.raises(ApplicationError, match="last year, this year or next year") as info:
        new_plan(cast["coo"], "OPS", year=this_year() + offset)
    assert info.value.field == "year"
    assert written()["plans"] == 0


@pytest.mark.parametrize("year", ["abc", None, ""])
def test_year_not_a_number_refused(cast, year):
    with pytest.raises(ApplicationError, match="last year, this year or next year"):
        plan_create(user=cast["coo"], year=year, department=dept("OPS"))


def test_last_and_next_year_accepted_and_duplicates_refused(cast):
    for offset in (-1, 0, 1):
        new_plan(cast["coo"], "OPS", year=this_year() + offset)
    new_plan(cast["coo"], None)
    before = written()
    with pytest.raises(ApplicationError, match="already exists"):
        new_plan(cast["head.ops"], "OPS")
    with pytest.raises(ApplicationError, match="already exists"):
        new_plan(cast["ceo"], None)
    assert written() == before
    new_plan(cast["coo"], "LOG")  # another department's plan of the same year


def test_inactive_department_refused(cast):
    Department.objects.filter(code="FIN").update(active=False)
    with pytest.raises(ApplicationError, match="no longer active") as info:
        new_plan(cast["coo"], "FIN")
    assert info.value.field == "department"


# -- objectives and milestones -------------------------------------------------------------------


def test_objective_and_milestone_saved(cast):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    first = objective(revision, head, cast.manager("LOG"), weight="60", title="  Routes  ")
    second = objective(revision, head, cast.staff("LOG"), weight=40, kpi_unit="days")
    assert (first.title, first.weight, first.order) == ("Routes", 60, 1)
    assert second.order == 2 and second.lineage != first.lineage
    first = objective_save(revision=revision, user=head, objective=first, weight=55)
    assert fresh(first).weight == 55 and fresh(first).title == "Routes"
    m = milestone(first, head, cast.staff("LOG"), due=date(this_year(), 6, 30))
    assert (m.status, m.percent_complete, m.objective_id) == (MS.NOT_STARTED, 0, first.pk)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the objective a title"),
        ({"kpi_name": ""}, "kpi_name", "Name the KPI"),
        ({"target": None}, "target", "Give the KPI's target"),
        ({"target": "lots"}, "target", "The target is a number; “lots” is not"),
        ({"target": "NaN"}, "target", "The target is a number"),
        ({"target": "1e15"}, "target", "The target is a number"),
        ({"baseline": "none"}, "baseline", "The baseline is a number; “none” is not"),
        ({"weight": 0}, "weight", "from 1 to 100"),
        ({"weight": 101}, "weight", "from 1 to 100"),
        ({"weight": "heavy"}, "weight", "from 1 to 100"),
        ({"weight": 12.5}, "weight", "from 1 to 100"),
        ({"owner": None}, "owner", "active person"),
    ],
)
def test_objective_validation(cast, change, field, message):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    values = {
        "title": "Routes",
        "kpi_name": "Days",
        "target": Decimal("2"),
        "weight": 50,
        "owner": cast.manager("LOG"),
    }
    values.update(change)
    before = written()
    with pytest.raises(ApplicationError, match=message) as info:
        objective_save(revision=revision, user=head, **values)
    assert info.value.field == field
    assert written() == before


def test_objective_owner_must_be_active_and_fields_known(cast):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    gone = cast.staff("LOG")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(ApplicationError, match="active person"):
        objective(revision, head, gone)
    with pytest.raises(ApplicationError, match="Unknown fields: colour"):
        objective(revision, head, cast.manager("LOG"), colour="red")
    assert written()["objectives"] == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": " "}, "title", "Give the milestone a title"),
        ({"due_date": None}, "due_date", "Give the milestone a due date"),
        ({"due_date": date(2001, 5, 1)}, "due_date", "fall due in"),
        ({"owner": None}, "owner", "active person"),
    ],
)
def test_milestone_validation(cast, change, field, message):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    obj = objective(revision, head, cast.manager("LOG"))
    values = {"title": "Mapped", "due_date": date(this_year(), 3, 1), "owner": cast.staff("LOG")}
    values.update(change)
    with pytest.raises(ApplicationError, match=message) as info:
        milestone_save(objective=obj, user=head, **values)
    assert info.value.field == field
    assert written()["milestones"] == 0


def test_milestone_in_the_plan_year_only(cast):
    head = cast["head.log"]
    obj = objective(latest(new_plan(head, "LOG", year=this_year() + 1)), head, head)
    with pytest.raises(ApplicationError, match=f"fall due in {this_year() + 1}"):
        milestone(obj, head, head, due=date(this_year(), 12, 31))
    milestone(obj, head, head, due=date(this_year() + 1, 1, 1))


def test_content_changes_only_in_a_draft_or_returned_revision(cast):
    head, coo = cast["head.log"], cast["coo"]
    revision = latest(new_plan(head, "LOG"))
    obj = objective(revision, head, cast.manager("LOG"))
    move(revision, Action.SUBMIT, head)
    before = written()
    with pytest.raises(ApplicationError, match="submitted and cannot be changed"):
        objective(revision, head, head, weight=10, title="Late addition")
    with pytest.raises(ApplicationError, match="submitted and cannot be changed"):
        objective_save(revision=revision, user=head, objective=obj, title="Renamed")
    with pytest.raises(ApplicationError, match="submitted and cannot be changed"):
        milestone(obj, head, head)
    with pytest.raises(ApplicationError, match="submitted and cannot be changed"):
        revision_update(revision=revision, user=head, summary_of_changes="x")
    assert written() == before and fresh(obj).title == "Faster deliveries"
    move(revision, Action.RETURN, coo, note="Add a milestone.")
    milestone(obj, head, head)
    move(revision, Action.SUBMIT, head)
    move(revision, Action.APPROVE, coo)
    with pytest.raises(ApplicationError, match="approved and cannot be changed"):
        objective_save(revision=revision, user=head, objective=obj, weight=50)
    assert fresh(obj).weight == 100


@pytest.mark.parametrize("role", ["manager:LOG", "staff:LOG", "auditor", "head.fin"])
def test_only_the_plans_authors_change_its_content(who, cast, role):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    obj = objective(revision, head, cast.manager("LOG"))
    user = who(role)
    # Those who cannot see the draft at all get a 404, the others a 403.
    expected = NotFound if role in ("staff:LOG", "head.fin") else NotAllowed
    before = written()
    with pytest.raises(expected):
        objective(revision, user, user, weight=10, title="Mine")
    with pytest.raises(expected):
        objective_save(revision=revision, user=user, objective=obj, title="Mine")
    with pytest.raises(expected):
        milestone(obj, user, user)
    assert written() == before


# -- submission and approval ---------------------------------------------------------------------


def test_submit_needs_objectives_weighing_100(cast):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    with pytest.raises(ApplicationError, match="at least one objective"):
        move(revision, Action.SUBMIT, head)
    objective(revision, head, head, weight=60)
    objective(revision, head, head, weight=30, title="Second")
    with pytest.raises(ApplicationError, match="add up to 90; they must add up to 100"):
        move(revision, Action.SUBMIT, head)
    assert fresh(revision).status == State.DRAFT and events(revision) == []
    objective(revision, head, head, weight=10, title="Third")
    assert move(revision, Action.SUBMIT, head).status == State.SUBMITTED


def test_department_plan_approved_by_the_coo_and_in_force_at_once(cast, log_plan):
    revision = log_plan.current_revision
    assert revision is not None and revision.number == 1
    assert revision.status == State.APPROVED and revision.is_in_force
    assert log_plan.latest_revision == revision and log_plan.working_revision is None
    assert revision.decided_by == cast["coo"] and revision.submitted_by == cast["head.log"]
    assert events(revision) == [(Action.SUBMIT, State.SUBMITTED), (Action.APPROVE, State.APPROVED)]


def test_the_ceo_approves_department_plans_too(cast):
    head = cast["head.fin"]
    revision = latest(new_plan(head, "FIN"))
    objective(revision, head, head)
    approve(revision, head, cast["ceo"])
    assert fresh(revision.plan).current_revision == revision


@pytest.mark.parametrize("role", ["head.ops", "head.log", "auditor", "manager:LOG"])
def test_nobody_else_approves_a_department_plan(who, cast, role):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    objective(revision, head, head)
    move(revision, Action.SUBMIT, head)
    before = written()
    with pytest.raises((NotAllowed, NotFound)):
        move(revision, Action.APPROVE, who(role))
    assert written() == before and fresh(revision).status == State.SUBMITTED
    assert fresh(revision.plan).current_revision is None


def test_company_plan_approved_by_the_ceo_only(cast):
    coo, ceo = cast["coo"], cast["ceo"]
    revision = latest(new_plan(coo))
    objective(revision, coo, cast["head.ops"])
    move(revision, Action.SUBMIT, coo)
    with pytest.raises(NotAllowed, match="Only the CEO may approve or return company-wide"):
        move(revision, Action.APPROVE, coo)
    with pytest.raises(NotAllowed, match="Only the CEO"):
        move(revision, Action.RETURN, coo, note="No")
    assert fresh(revision).status == State.SUBMITTED
    move(revision, Action.APPROVE, ceo)
    assert fresh(revision.plan).current_revision == revision


def test_nobody_approves_their_own_submission(cast):
    coo, ceo = cast["coo"], cast["ceo"]
    revision = latest(new_plan(coo, "OPS"))
    objective(revision, coo, cast["head.ops"])
    move(revision, Action.SUBMIT, coo)
    with pytest.raises(NotAllowed, match="their own submission"):
        move(revision, Action.APPROVE, coo)
    company = latest(new_plan(ceo))
    objective(company, ceo, coo)
    move(company, Action.SUBMIT, ceo)
    with pytest.raises(NotAllowed, match="their own submission"):
        move(company, Action.APPROVE, ceo)
    assert fresh(revision).status == fresh(company).status == State.SUBMITTED
    move(revision, Action.APPROVE, ceo)


def test_an_approved_plan_is_not_published(cast, log_plan):
    for user in (cast["coo"], cast["ceo"], cast["head.log"]):
        with pytest.raises(NotAllowed, match="in force at once"):
            move(log_plan.current_revision, Action.PUBLISH, user)
    assert fresh(log_plan.current_revision).status == State.APPROVED


# -- revisions -----------------------------------------------------------------------------------


def test_revision_start_copies_content_with_the_same_lineage(cast, log_plan):
    head, owner = cast["head.log"], cast.manager("LOG")
    first = log_plan.current_revision
    routes = objectives_of(first)["Routes"]
    progress_record(
        objective=routes, user=owner, month=date(this_year(), 1, 1), percent_complete=20
    )
    second = revision_start(plan=log_plan, user=head, summary_of_changes="  More racks.  ")
    assert (second.number, second.status, second.summary_of_changes) == (
        2,
        State.DRAFT,
        "More racks.",
    )
    plan = fresh(log_plan)
    assert plan.current_revision == first and plan.latest_revision == second
    assert plan.working_revision == second
    old, new = objectives_of(first), objectives_of(second)
    assert set(new) == {"Routes", "Warehouse"}
    for title in new:
        assert new[title].lineage == old[title].lineage and new[title].pk != old[title].pk
        assert (new[title].weight, new[title].owner_id, new[title].target) == (
            old[title].weight,
            old[title].owner_id,
            old[title].target,
        )
    assert new["Routes"].percent_complete == 20
    assert list(new["Routes"].progress_updates.values_list("percent_complete", flat=True)) == [20]
    old_milestones = Milestone.objects.filter(objective__revision=first)
    new_milestones = Milestone.objects.filter(objective__revision=second)
    assert sorted(m.lineage for m in old_milestones) == sorted(m.lineage for m in new_milestones)
    assert written()["milestones"] == 4


def test_one_working_revision_at_a_time(cast, log_plan):
    head = cast["head.log"]
    second = revision_start(plan=log_plan, user=head)
    before = written()
    with pytest.raises(ApplicationError, match="Revision 2 is already being worked on"):
        revision_start(plan=log_plan, user=cast["coo"])
    assert written() == before
    # Once the working revision is decided, the next may start.
    objective_save(
        revision=second,
        user=head,
        objective=objectives_of(second)["Routes"],
        title="Routes and depots",
    )
    revision_update(revision=second, user=head, summary_of_changes="Depots too.")
    approve(second, head, cast["coo"])
    assert revision_start(plan=log_plan, user=cast["coo"]).number == 3


def test_revision_start_needs_an_approved_revision_and_an_author(cast, log_plan):
    draft_plan = new_plan(cast["head.fin"], "FIN")
    with pytest.raises(ApplicationError, match="Revision 1 is already being worked on"):
        revision_start(plan=draft_plan, user=cast["head.fin"])
    move(draft_plan.latest_revision, Action.ARCHIVE, cast["head.fin"])
    with pytest.raises(ApplicationError, match="no approved revision"):
        revision_start(plan=draft_plan, user=cast["head.fin"])
    with pytest.raises(NotAllowed):
        revision_start(plan=log_plan, user=cast.manager("LOG"))
    with pytest.raises(NotFound):
        revision_start(plan=log_plan, user=cast["head.fin"])
    assert fresh(log_plan).latest_revision == log_plan.current_revision


def test_second_revision_needs_a_summary_of_changes(cast, log_plan):
    head = cast["head.log"]
    second = revision_start(plan=log_plan, user=head)
    with pytest.raises(ApplicationError, match="Say what this revision changes") as info:
        move(second, Action.SUBMIT, head)
    assert info.value.field == "summary_of_changes"
    revision_update(revision=second, user=head, summary_of_changes="Dates moved.")
    assert move(second, Action.SUBMIT, head).status == State.SUBMITTED


def test_progress_on_the_old_revision_is_carried_across_on_approval(cast, log_plan):
    head, coo = cast["head.log"], cast["coo"]
    manager, staff = cast.manager("LOG"), cast.staff("LOG")
    first = log_plan.current_revision
    year = log_plan.year
    second = revision_start(plan=log_plan, user=head, summary_of_changes="A third objective.")
    new = objectives_of(second)
    objective_save(revision=second, user=head, objective=new["Routes"], weight=50)
    objective_save(revision=second, user=head, objective=new["Warehouse"], weight=30)
    objective(second, head, head, weight=20, title="Training")
    move(second, Action.SUBMIT, head)
    # While the new revision waits for the COO, the owners keep reporting on the one in force.
    with pytest.raises(ApplicationError, match="against the plan in force"):
        progress_record(
            objective=new["Routes"], user=manager, month=date(year, 1, 1), percent_complete=5
        )
    old = objectives_of(first)
    progress_record(
        objective=old["Routes"], user=manager, month=date(year, 1, 1), percent_complete=40
    )
    racks = Milestone.objects.get(objective=old["Warehouse"])
    milestone_update(milestone=racks, user=staff, status=MS.DONE, evidence_note="Photos.")
    move(second, Action.APPROVE, coo)

    plan = fresh(log_plan)
    assert plan.current_revision == second and plan.latest_revision == second
    first, second = fresh(first), fresh(second)
    assert first.status == State.SUPERSEDED and second.status == State.APPROVED
    assert events(first)[-1] == (Action.SUPERSEDE, State.SUPERSEDED)
    carried = objectives_of(second)
    assert carried["Routes"].percent_complete == 40 and carried["Routes"].weight == 50
    assert list(carried["Routes"].progress_updates.values_list("month", "percent_complete")) == [
        (date(year, 1, 1), 40)
    ]
    assert carried["Training"].percent_complete == 0
    new_racks = Milestone.objects.get(objective=carried["Warehouse"])
    assert (new_racks.status, new_racks.percent_complete, new_racks.evidence_note) == (
        MS.DONE,
        100,
        "Photos.",
    )
    assert new_racks.completed_on == timezone.localdate()
    # The superseded revision stays readable, with what it said, by everyone who sees the plan.
    assert PlanRevision.objects.for_user(cast.staff("LOG")).filter(pk=first.pk).exists()
    kept = objectives_of(first)
    assert {t: o.weight for t, o in kept.items()} == {"Routes": 60, "Warehouse": 40}
    assert kept["Routes"].percent_complete == 40
    # Progress now goes to the new revision only.
    with pytest.raises(ApplicationError, match="against the plan in force"):
        progress_record(
            objective=kept["Routes"], user=manager, month=date(year, 1, 1), percent_complete=50
        )
    # Routes 40% at weight 50; Warehouse (its milestone done, no progress reported) and
    # Training at 0%.
    assert progress_by_revision([second.pk]) == {second.pk: 20}


def test_archiving_a_draft_revision_goes_back_to_the_one_in_force(cast, log_plan):
    head = cast["head.log"]
    second = revision_start(plan=log_plan, user=head)
    move(second, Action.ARCHIVE, head)
    plan = fresh(log_plan)
    assert fresh(second).status == State.ARCHIVED
    assert plan.latest_revision == plan.current_revision == log_plan.current_revision
    assert plan.working_revision is None
    third = revision_start(plan=plan, user=head)
    assert third.number == 3


def test_archiving_a_first_draft_leaves_no_revision(cast):
    plan = new_plan(cast["head.log"], "LOG")
    move(plan.latest_revision, Action.ARCHIVE, cast["head.log"])
    plan = fresh(plan)
    assert plan.latest_revision is None and plan.current_revision is None


# -- progress ------------------------------------------------------------------------------------


@pytest.fixture
def last_year_plan(cast):
    """Last year's FIN plan in force (every month of it is past): one objective owned by a FIN
    manager."""
    head = cast["head.fin"]
    plan = new_plan(head, "FIN", year=this_year() - 1)
    revision = latest(plan)
    objective(revision, head, cast.manager("FIN"), title="Close the books faster")
    approve(revision, head, cast["coo"])
    return fresh(plan)


def test_progress_only_by_the_objectives_owner(cast, last_year_plan):
    obj = Objective.objects.get(revision=last_year_plan.current_revision)
    month = date(last_year_plan.year, 3, 1)
    for user in (cast["head.fin"], cast["coo"], cast["ceo"], cast.staff("FIN")):
        with pytest.raises(NotAllowed, match="Only the objective's owner"):
            progress_record(objective=obj, user=user, month=month, percent_complete=10)
    with pytest.raises(NotFound):
        progress_record(objective=obj, user=cast["head.log"], month=month, percent_complete=10)
    assert written()["updates"] == 0


@pytest.mark.parametrize("percent", [-1, 101, "much", None, 12.5, True])
def test_progress_is_a_percentage(cast, last_year_plan, percent):
    obj = Objective.objects.get(revision=last_year_plan.current_revision)
    with pytest.raises(ApplicationError, match="from 0 to 100") as info:
        progress_record(
            objective=obj,
            user=cast.manager("FIN"),
            month=date(last_year_plan.year, 3, 1),
            percent_complete=percent,
        )
    assert info.value.field == "percent_complete"
    assert written()["updates"] == 0 and fresh(obj).percent_complete == 0


@pytest.mark.parametrize("value", ["seven", "NaN", "1e13"])
def test_progress_kpi_value_is_a_number(cast, last_year_plan, value):
    obj = Objective.objects.get(revision=last_year_plan.current_revision)
    with pytest.raises(ApplicationError, match="The KPI value is a number") as info:
        progress_record(
            objective=obj,
            user=cast.manager("FIN"),
            month=date(last_year_plan.year, 3, 1),
            percent_complete=10,
            kpi_value=value,
        )
    assert info.value.field == "kpi_value"
    assert written()["updates"] == 0 and fresh(obj).kpi_actual is None


def test_progress_months_in_the_plan_year_and_not_in_the_future(cast, last_year_plan):
    owner = cast.manager("FIN")
    obj = Objective.objects.get(revision=last_year_plan.current_revision)
    with pytest.raises(ApplicationError, match="Report months of") as info:
        progress_record(
            objective=obj, user=owner, month=date(this_year(), 1, 1), percent_complete=5
        )
    assert info.value.field == "month"
    with pytest.raises(ApplicationError, match="Give the month"):
        progress_record(objective=obj, user=owner, month=None, percent_complete=5)
    # Next year's plan: its months have not started.
    head = cast["head.fin"]
    revision = latest(new_plan(head, "FIN", year=this_year() + 1))
    future = objective(revision, head, owner)
    approve(revision, head, cast["coo"])
    with pytest.raises(ApplicationError, match="has not started") as info:
        progress_record(
            objective=future, user=owner, month=date(this_year() + 1, 1, 1), percent_complete=5
        )
    assert info.value.field == "month"
    assert written()["updates"] == 0
    # This month may be reported; a day in it counts as its month.
    current = latest(new_plan(cast["coo"], "OPS"))
    here = objective(current, cast["coo"], owner)
    approve(current, cast["coo"], cast["ceo"])
    update = progress_record(
        objective=here, user=owner, month=timezone.localdate(), percent_complete=5
    )
    assert update.month == timezone.localdate().replace(day=1)


def test_a_months_second_update_replaces_it_and_the_latest_month_counts(cast, last_year_plan):
    owner = cast.manager("FIN")
    obj = Objective.objects.get(revision=last_year_plan.current_revision)
    year = last_year_plan.year
    progress_record(
        objective=obj, user=owner, month=date(year, 3, 1), percent_complete=40, kpi_value=7
    )
    # An earlier month reported afterwards does not replace the latest month's figure.
    progress_record(
        objective=obj, user=owner, month=date(year, 1, 15), percent_complete=10, kpi_value=9
    )
    obj = fresh(obj)
    assert (obj.percent_complete, obj.kpi_actual) == (40, Decimal("7"))
    progress_record(
        objective=obj,
        user=owner,
        month=date(year, 3, 20),
        percent_complete=55,
        kpi_value=Decimal("6.5"),
        comment=" Revised ",
    )
    assert ProgressUpdate.objects.filter(objective=obj).count() == 2
    march = ProgressUpdate.objects.get(objective=obj, month=date(year, 3, 1))
    assert (march.percent_complete, march.kpi_value, march.comment) == (
        55,
        Decimal("6.5"),
        "Revised",
    )
    assert march.author == owner
    obj = fresh(obj)
    assert (obj.percent_complete, obj.kpi_actual) == (55, Decimal("6.5"))


def test_no_progress_on_a_draft(cast):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    obj = objective(revision, head, cast.manager("LOG"))
    with pytest.raises(ApplicationError, match="against the plan in force"):
        progress_record(
            objective=obj,
            user=cast.manager("LOG"),
            month=date(this_year(), 1, 1),
            percent_complete=5,
        )


# -- milestones ----------------------------------------------------------------------------------


def log_milestones(plan) -> dict[str, Milestone]:
    return {m.title: m for m in Milestone.objects.filter(objective__revision=plan.current_revision)}


def test_milestone_done_in_progress_and_late(cast, log_plan):
    staff, manager = cast.staff("LOG"), cast.manager("LOG")
    racks = log_milestones(log_plan)["Racks installed"]
    racks = milestone_update(
        milestone=racks, user=staff, status=MS.IN_PROGRESS, percent_complete="30"
    )
    assert (racks.status, racks.percent_complete, racks.completed_on) == (MS.IN_PROGRESS, 30, None)
    racks = milestone_update(milestone=racks, user=staff, status=MS.DONE, percent_complete=50)
    assert (racks.status, racks.percent_complete) == (MS.DONE, 100)
    assert racks.completed_on == timezone.localdate()
    # Past its date, "in progress" stays late.
    routes = log_milestones(log_plan)["Routes mapped"]
    Milestone.objects.filter(pk=routes.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    routes = milestone_update(
        milestone=routes, user=manager, status=MS.IN_PROGRESS, percent_complete=80
    )
    assert (routes.status, routes.percent_complete) == (MS.LATE, 80)
    routes = milestone_update(milestone=routes, user=manager, status=MS.DONE)
    assert routes.status == MS.DONE and routes.completed_on == timezone.localdate()


def test_milestone_refusals(cast, log_plan):
    staff = cast.staff("LOG")
    racks = log_milestones(log_plan)["Racks installed"]
    for status in ("late", "done_ish", ""):
        with pytest.raises(ApplicationError, match="in progress, done or cancelled") as info:
            milestone_update(milestone=racks, user=staff, status=status)
        assert info.value.field == "status"
    for percent in (-5, 101, "half", 33.3):
        with pytest.raises(ApplicationError, match="from 0 to 100"):
            milestone_update(
                milestone=racks, user=staff, status=MS.IN_PROGRESS, percent_complete=percent
            )
    with pytest.raises(NotAllowed, match="Only the plan's authors may cancel"):
        milestone_update(milestone=racks, user=staff, status=MS.CANCELLED)
    for user in (cast["auditor"], cast.manager("OPS"), cast.manager("LOG")):
        with pytest.raises(NotAllowed, match="Only the milestone's owner"):
            milestone_update(milestone=racks, user=user, status=MS.IN_PROGRESS)
    for user in (cast.staff("FIN"), cast["head.fin"]):
        with pytest.raises(NotFound):
            milestone_update(milestone=racks, user=user, status=MS.IN_PROGRESS)
    racks = fresh(racks)
    assert (racks.status, racks.percent_complete) == (MS.NOT_STARTED, 0)


def test_cancel_and_reopen_only_by_the_plans_authors(cast, log_plan):
    staff, head = cast.staff("LOG"), cast["head.log"]
    racks = log_milestones(log_plan)["Racks installed"]
    racks = milestone_update(milestone=racks, user=head, status=MS.CANCELLED)
    assert racks.status == MS.CANCELLED
    with pytest.raises(NotAllowed, match="reopen a finished milestone"):
        milestone_update(milestone=racks, user=staff, status=MS.IN_PROGRESS)
    racks = milestone_update(milestone=racks, user=cast["head.ops"], status=MS.IN_PROGRESS)
    assert racks.status == MS.IN_PROGRESS
    racks = milestone_update(milestone=racks, user=staff, status=MS.DONE)
    with pytest.raises(NotAllowed, match="reopen a finished milestone"):
        milestone_update(milestone=racks, user=staff, status=MS.IN_PROGRESS)
    racks = milestone_update(milestone=racks, user=cast["coo"], status=MS.IN_PROGRESS)
    assert racks.completed_on is None


def test_milestone_only_on_the_plan_in_force(cast):
    head = cast["head.log"]
    revision = latest(new_plan(head, "LOG"))
    m = milestone(objective(revision, head, head), head, head)
    with pytest.raises(ApplicationError, match="against the plan in force"):
        milestone_update(milestone=m, user=head, status=MS.DONE)
    assert fresh(m).status == MS.NOT_STARTED


def test_milestone_evidence_upload_validated(cast, log_plan):
    staff = cast.staff("LOG")
    racks = log_milestones(log_plan)["Racks installed"]
    before = stored_files()
    with pytest.raises(ApplicationError, match="only these types"):
        milestone_update(
            milestone=racks, user=staff, status=MS.DONE, evidence_file=upload("x.exe", b"MZ")
        )
    with pytest.raises(ApplicationError, match="not a real PDF"):
        milestone_update(
            milestone=racks, user=staff, status=MS.DONE, evidence_file=upload("x.pdf", b"hello")
        )
    assert stored_files() == before
    racks = fresh(racks)
    assert racks.status == MS.NOT_STARTED and not racks.evidence_file
    racks = milestone_update(
        milestone=racks,
        user=staff,
        status=MS.DONE,
        evidence_note=" Signed off ",
        evidence_file=upload("handover.pdf", PDF_BYTES),
    )
    racks = fresh(racks)
    assert racks.evidence_note == "Signed off" and racks.evidence_file.name.endswith(".pdf")
    assert racks.evidence_file.name.startswith("plans/evidence/")
    assert racks.evidence_file.read() == PDF_BYTES


# -- the late-milestone job ----------------------------------------------------------------------


def test_milestones_mark_late_once_and_tell_the_owner_and_the_head(cast, log_plan):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    coo, ceo = cast["coo"], cast["ceo"]
    by_title = log_milestones(log_plan)
    routes, racks = by_title["Routes mapped"], by_title["Racks installed"]
    # In force: one past due not started, one past due in progress, one done, one future.
    extra = Milestone.objects.create(
        objective_id=routes.objective_id,
        title="Done already",
        due_date=yesterday,
        owner=cast.manager("LOG"),
        status=MS.DONE,
    )
    Milestone.objects.filter(pk__in=[routes.pk, racks.pk]).update(due_date=yesterday)
    Milestone.objects.filter(pk=racks.pk).update(status=MS.IN_PROGRESS)
    future = Milestone.objects.create(
        objective_id=routes.objective_id,
        title="Later",
        due_date=today,
        owner=cast.manager("LOG"),
    )
    # A draft plan's past-due milestone is not the job's business.
    fin = latest(new_plan(cast["head.fin"], "FIN"))
    draft_one = milestone(objective(fin, coo, cast.manager("FIN")), coo, cast.manager("FIN"))
    Milestone.objects.filter(pk=draft_one.pk).update(due_date=yesterday)
    # The company plan's: the owner and the COO hear of it.
    company = latest(new_plan(coo))
    company_one = milestone(objective(company, coo, cast["head.ops"]), coo, cast["head.ops"])
    approve(company, coo, ceo)
    Milestone.objects.filter(pk=company_one.pk).update(due_date=yesterday)

    result = milestones_mark_late(today=today)
    assert result["late"] == 3
    statuses = dict(Milestone.objects.values_list("pk", "status"))
    assert statuses[routes.pk] == statuses[racks.pk] == statuses[company_one.pk] == MS.LATE
    assert statuses[extra.pk] == MS.DONE and statuses[future.pk] == MS.NOT_STARTED
    assert statuses[draft_one.pk] == MS.NOT_STARTED
    told = sorted(
        Notification.objects.filter(key__startswith="milestone-late").values_list(
            "recipient__username", "key"
        )
    )
    manager, staff = cast.manager("LOG").username, cast.staff("LOG").username
    assert told == sorted(
        [
            (manager, f"milestone-late:{routes.lineage}"),
            ("head.log", f"milestone-late:{routes.lineage}"),
            (staff, f"milestone-late:{racks.lineage}"),
            ("head.log", f"milestone-late:{racks.lineage}"),
            ("head.ops", f"milestone-late:{company_one.lineage}"),
            ("coo", f"milestone-late:{company_one.lineage}"),
        ]
    )
    assert result["notified"] == 6
    count = Notification.objects.count()
    assert milestones_mark_late(today=today) == {"late": 0, "notified": 0}
    assert milestones_mark_late(today=today + timedelta(days=1))["late"] == 1  # "Later"
    assert Notification.objects.count() == count + 2


# -- roll-ups ------------------------------------------------------------------------------------


def test_progress_rolls_up_by_weight(cast, log_plan):
    revision = log_plan.current_revision
    month = timezone.localdate().replace(day=1)
    by_title = objectives_of(revision)
    assert progress_by_revision([revision.pk]) == {revision.pk: 0}
    progress_record(
        objective=by_title["Routes"], user=cast.manager("LOG"), month=month, percent_complete=50
    )
    progress_record(
        objective=by_title["Warehouse"], user=cast.staff("LOG"), month=month, percent_complete=100
    )
    with CaptureQueriesContext(connection) as context:
        figures = progress_by_revision([revision.pk])
    assert figures == {revision.pk: 70} and len(context) == 1
    assert progress_by_revision([]) == {}


def test_company_progress_is_the_mean_of_the_plans_in_force(cast, log_plan):
    year = log_plan.year
    assert company_progress(year=year + 1) is None
    month = timezone.localdate().replace(day=1)
    log = objectives_of(log_plan.current_revision)
    progress_record(
        objective=log["Routes"], user=cast.manager("LOG"), month=month, percent_complete=50
    )
    progress_record(
        objective=log["Warehouse"], user=cast.staff("LOG"), month=month, percent_complete=100
    )
    assert company_progress(year=year) == 70
    head = cast["head.fin"]
    fin = latest(new_plan(head, "FIN"))
    fin_objective = objective(fin, head, cast.manager("FIN"))
    approve(fin, head, cast["coo"])
    progress_record(
        objective=fin_objective, user=cast.manager("FIN"), month=month, percent_complete=40
    )
    # A plan still in draft does not count.
    ops = latest(new_plan(cast["head.ops"], "OPS"))
    objective(ops, cast["head.ops"], cast["head.ops"])
    assert company_progress(year=year) == 55  # (70 + 40) / 2
    # A plan in force with no progress yet counts as 0.
    move(ops, Action.SUBMIT, cast["head.ops"])
    move(ops, Action.APPROVE, cast["coo"])
    assert company_progress(year=year) == round((70 + 40 + 0) / 3)
    assert company_progress(year=year - 1) is None


# -- scoping -------------------------------------------------------------------------------------


@pytest.fixture
def plans_of_everyone(cast, log_plan):
    """The company plan in force, the OPS plan in force, the LOG plan in force with a second
    revision in draft (an objective owned by a LOG staff member), the FIN plan awaiting the COO."""
    coo, ceo = cast["coo"], cast["ceo"]
    company = latest(new_plan(coo))
    objective(company, coo, cast["head.ops"], title="Company objective")
    approve(company, coo, ceo)
    ops = latest(new_plan(cast["head.ops"], "OPS"))
    objective(ops, cast["head.ops"], cast.manager("OPS"), title="OPS objective")
    approve(ops, cast["head.ops"], coo)
    log_draft = revision_start(plan=log_plan, user=cast["head.log"], summary_of_changes="More.")
    objective(log_draft, cast["head.log"], cast.staff("LOG"), weight=5, title="LOG new")
    fin = latest(new_plan(cast["head.fin"], "FIN"))
    objective(fin, cast["head.fin"], cast.staff("FIN"), title="FIN objective")
    move(fin, Action.SUBMIT, cast["head.fin"])
    return {
        "company": company.pk,
        "OPS": ops.pk,
        "LOG": log_plan.current_revision_id,
        "LOG draft": log_draft.pk,
        "FIN": fin.pk,
    }


EVERY_REVISION = {"company", "OPS", "LOG", "LOG draft", "FIN"}
PLAN_SCOPES = {
    # role: (plans seen, revisions seen)
    "ceo": ({"company", "OPS", "LOG", "FIN"}, EVERY_REVISION),
    "coo": ({"company", "OPS", "LOG", "FIN"}, EVERY_REVISION),
    "auditor": ({"company", "OPS", "LOG", "FIN"}, EVERY_REVISION),
    "head.ops": ({"company", "OPS", "LOG"}, {"company", "OPS", "LOG", "LOG draft"}),
    "head.log": ({"company", "LOG"}, {"company", "LOG", "LOG draft"}),
    "head.fin": ({"company", "FIN"}, {"company", "FIN"}),
    "manager:OPS": ({"company", "OPS", "LOG"}, {"company", "OPS", "LOG", "LOG draft"}),
    "manager:LOG": ({"company", "LOG"}, {"company", "LOG", "LOG draft"}),
    "manager:FIN": ({"company", "FIN"}, {"company", "FIN"}),
    "staff:OPS": ({"company", "OPS"}, {"company", "OPS"}),
    "staff:LOG": ({"company", "LOG"}, {"company", "LOG"}),
    "staff:FIN": ({"company", "FIN"}, {"company"}),
}


@pytest.mark.parametrize("role", list(PLAN_SCOPES))
def test_who_sees_which_plans_revisions_objectives_and_milestones(who, plans_of_everyone, role):
    user = who(role)
    revisions = {pk: name for name, pk in plans_of_everyone.items()}
    plan_of = dict(PlanRevision.objects.values_list("pk", "plan_id"))
    plan_names = {
        plan_of[pk]: name for name, pk in plans_of_everyone.items() if name != "LOG draft"
    }
    expected_plans, expected_revisions = PLAN_SCOPES[role]

    seen_plans = {
        plan_names[pk] for pk in AnnualPlan.objects.for_user(user).values_list("pk", flat=True)
    }
    assert seen_plans == expected_plans
    seen = {
        revisions[pk] for pk in PlanRevision.objects.for_user(user).values_list("pk", flat=True)
    }
    assert seen == expected_revisions

    objectives = Objective.objects.for_user(user).values_list("revision_id", "owner_id")
    seen_objective_revisions = {revisions[r] for r, _owner in objectives}
    # Besides those of the revisions they see, people see the objectives they own.
    owned = {
        revisions[r]
        for r in Objective.objects.filter(owner=user).values_list("revision_id", flat=True)
    }
    assert seen_objective_revisions == expected_revisions | owned
    milestone_revisions = {
        revisions[r]
        for r in Milestone.objects.for_user(user).values_list("objective__revision_id", flat=True)
    }
    # Only the LOG revisions have milestones (two each); people see those of the objectives
    # they see, and the ones they own.
    owned_milestones = {
        revisions[r]
        for r in Milestone.objects.filter(owner=user).values_list(
            "objective__revision_id", flat=True
        )
    }
    with_milestones = {"LOG", "LOG draft"}
    assert milestone_revisions == ((expected_revisions | owned) & with_milestones) | (
        owned_milestones
    )


def test_an_objective_owner_sees_their_objective_in_a_draft_they_cannot_otherwise_see(
    cast, plans_of_everyone
):
    staff = cast.staff("FIN")
    assert not PlanRevision.objects.for_user(staff).filter(pk=plans_of_everyone["FIN"]).exists()
    mine = Objective.objects.for_user(staff).filter(revision_id=plans_of_everyone["FIN"])
    assert [o.title for o in mine] == ["FIN objective"]


def test_nobody_logged_out_sees_plans(plans_of_everyone):
    from django.contrib.auth.models import AnonymousUser

    for model in (AnnualPlan, PlanRevision, Objective, Milestone):
        assert not model.objects.for_user(AnonymousUser()).exists()
