"""Annual plan pages: every page per role (200/403/404), building a plan through the pages,
the approval workflow (COO for a department plan, CEO for the company plan), new revisions,
progress by the owner, milestone updates with evidence, bad input that writes nothing, the
roll-up figures, exports, home panels and query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalEvent, State
from approvals.services import transition
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision, ProgressUpdate
from operations.services.plans import (
    milestone_save,
    objective_save,
    plan_create,
    progress_record,
)
from operations.tests.helpers import (
    PDF_BYTES,
    count_queries,
    csv_rows,
    upload,
    xlsx_rows,
)
from organization.models import Department, User
from organization.services.departments import department_create

pytestmark = pytest.mark.django_db

ROLES = ["ceo", "coo", "auditor", "head.ops", "head.log", "head.fin", "manager:OPS", "staff:LOG"]


@pytest.fixture(autouse=True)
def _in_english(cast):
    """Pages answer in each user's language; these tests read the English messages."""
    User.objects.update(language="en")


def this_year() -> int:
    return timezone.localdate().year


def end_of_year() -> dt.date:
    return dt.date(this_year(), 12, 31)


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def dept(code: str | None) -> Department | None:
    return Department.objects.get(code=code) if code else None


def objective(plan, user, title, weight, owner, **extra) -> Objective:
    plan = AnnualPlan.objects.get(pk=plan.pk)
    fields = {"kpi_name": "Score", "kpi_unit": "%", "baseline": 0, "target": 100, **extra}
    return objective_save(
        revision=plan.latest_revision,
        user=user,
        title=title,
        weight=weight,
        owner=owner,
        **fields,
    )


def milestone(obj, user, title, owner, due=None) -> Milestone:
    return milestone_save(
        objective=obj, user=user, title=title, due_date=due or end_of_year(), owner=owner
    )


def approve(plan, author, approver) -> PlanRevision:
    revision = AnnualPlan.objects.get(pk=plan.pk).latest_revision
    transition(obj=revision, action="submit", user=author)
    return transition(obj=revision, action="approve", user=approver)


def user_of(cast, key: str) -> User:
    kind, _, code = key.partition(":")
    if kind == "manager":
        return cast.manager(code)
    if kind == "staff":
        return cast.staff(code)
    return cast[key]


@pytest.fixture
def world(cast):
    """The company plan (in force, CEO-approved), the OPS and FIN plans (in force,
    COO-approved) and the LOG plan (a draft by its head)."""
    coo, ceo = cast["coo"], cast["ceo"]
    head_ops, head_log, head_fin = cast["head.ops"], cast["head.log"], cast["head.fin"]
    manager_ops, staff_log = cast.manager("OPS"), cast.staff("LOG")
    year = this_year()

    company = plan_create(user=coo, year=year)
    c1 = objective(company, coo, "Grow revenue", 60, coo)
    c2 = objective(company, coo, "Cut waste", 40, head_ops)
    m_company = milestone(c1, coo, "Price review", coo)
    approve(company, coo, ceo)

    ops = plan_create(user=head_ops, year=year, department=dept("OPS"))
    o1 = objective(ops, head_ops, "On-time delivery", 70, manager_ops)
    o2 = objective(ops, head_ops, "Safety", 30, head_ops)
    m_staff = milestone(o1, head_ops, "New loading dock", staff_log)
    m_manager = milestone(o1, head_ops, "Route planning", manager_ops)
    approve(ops, head_ops, coo)

    log = plan_create(user=head_log, year=year, department=dept("LOG"))
    l1 = objective(log, head_log, "Fleet renewal", 100, staff_log)
    m_log = milestone(l1, head_log, "Buy two vans", staff_log)

    fin = plan_create(user=head_fin, year=year, department=dept("FIN"))
    f1 = objective(fin, head_fin, "Close the books in five days", 100, head_fin)
    m_fin = milestone(f1, head_fin, "Automate the bank reconciliation", head_fin)
    approve(fin, head_fin, coo)

    return SimpleNamespace(**locals())


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


# -- every page, role by role ---------------------------------------------------------------

# What each role gets (anything not listed: 200).
OUTCOMES = {
    "ceo": {},
    "coo": {},
    "auditor": {
        "create": 403,
        "new_revision_ops": 403,
        "revision_edit_log": 403,
        "objective_create_log": 403,
        "objective_edit_l1": 403,
        "objective_delete_l1": 403,
        "milestone_create_l1": 403,
        "milestone_edit_log": 403,
        "milestone_update_staff": 403,
    },
    "head.ops": {"detail_fin": 404, "objective_f1": 404},
    "head.log": {
        "detail_ops": 404,
        "detail_fin": 404,
        "new_revision_ops": 404,
        "objective_o1": 404,
        "objective_f1": 404,
        "milestone_update_staff": 404,
        "evidence_staff": 404,
    },
    "head.fin": {
        "detail_ops": 404,
        "detail_log": 404,
        "revision_log": 404,
        "new_revision_ops": 404,
        "revision_edit_log": 404,
        "objective_o1": 404,
        "objective_l1": 404,
        "objective_create_log": 404,
        "objective_edit_l1": 404,
        "objective_delete_l1": 404,
        "milestone_create_l1": 404,
        "milestone_edit_log": 404,
        "milestone_update_staff": 404,
        "evidence_staff": 404,
    },
    "manager:OPS": {
        "create": 403,
        "detail_fin": 404,
        "new_revision_ops": 403,
        "revision_edit_log": 403,
        "objective_f1": 404,
        "objective_create_log": 403,
        "objective_edit_l1": 403,
        "objective_delete_l1": 403,
        "milestone_create_l1": 403,
        "milestone_edit_log": 403,
    },
    "staff:LOG": {
        "create": 403,
        "detail_ops": 404,
        "detail_fin": 404,
        "revision_log": 404,  # a draft: only those who work on it see it
        "new_revision_ops": 404,
        "revision_edit_log": 403,
        "objective_o1": 404,
        "objective_f1": 404,
        "objective_create_log": 403,
        "objective_edit_l1": 403,  # they own it, but do not write the plan
        "objective_delete_l1": 403,
        "milestone_create_l1": 403,
        "milestone_edit_log": 403,
    },
}


def urls_of(w) -> dict[str, str]:
    ops_pk, log_pk = w.ops.pk, w.log.pk
    return {
        "list": reverse("operations:plan_list"),
        "create": reverse("operations:plan_create"),
        "timeline": reverse("operations:plan_timeline"),
        "mine": reverse("operations:my_milestones"),
        "detail_company": reverse("operations:plan_detail", args=[w.company.pk]),
        "detail_ops": reverse("operations:plan_detail", args=[ops_pk]),
        "detail_log": reverse("operations:plan_detail", args=[log_pk]),
        "detail_fin": reverse("operations:plan_detail", args=[w.fin.pk]),
        "revision_company": reverse("operations:plan_revision", args=[w.company.pk, 1]),
        "revision_log": reverse("operations:plan_revision", args=[log_pk, 1]),
        "new_revision_ops": reverse("operations:plan_new_revision", args=[ops_pk]),
        "revision_edit_log": reverse("operations:plan_revision_edit", args=[log_pk]),
        "objective_o1": reverse("operations:objective_detail", args=[w.o1.pk]),
        "objective_l1": reverse("operations:objective_detail", args=[w.l1.pk]),
        "objective_f1": reverse("operations:objective_detail", args=[w.f1.pk]),
        "objective_create_log": reverse("operations:objective_create", args=[log_pk]),
        "objective_edit_l1": reverse("operations:objective_edit", args=[w.l1.pk]),
        "objective_delete_l1": reverse("operations:objective_delete", args=[w.l1.pk]),
        "milestone_create_l1": reverse("operations:milestone_create", args=[w.l1.pk]),
        "milestone_edit_log": reverse("operations:milestone_edit", args=[w.m_log.pk]),
        "milestone_update_staff": reverse("operations:milestone_update", args=[w.m_staff.pk]),
        "evidence_staff": reverse("operations:milestone_evidence", args=[w.m_staff.pk]),
    }


@pytest.mark.parametrize("key", ROLES)
def test_every_page_per_role(cast, world, client, key):
    Milestone.objects.filter(pk=world.m_staff.pk).update(evidence_file="plans/evidence/x.pdf")
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save("plans/evidence/x.pdf", ContentFile(PDF_BYTES))
    client.force_login(user_of(cast, key))
    got = {name: client.get(url).status_code for name, url in urls_of(world).items()}
    expected = {name: OUTCOMES[key].get(name, 200) for name in got}
    assert got == expected


def test_a_missing_plan_or_revision_is_404(cast, world, client):
    client.force_login(cast["coo"])
    assert client.get(reverse("operations:plan_detail", args=[999999])).status_code == 404
    url = reverse("operations:plan_revision", args=[world.ops.pk, 9])
    assert client.get(url).status_code == 404
    # a revision number of another plan does not open through this plan
    other = reverse("operations:plan_revision", args=[world.ops.pk + 999999, 1])
    assert client.get(other).status_code == 404


def test_staff_sees_plan_but_not_its_draft(cast, world, client):
    client.force_login(cast.staff("LOG"))
    html = page(client, world.log.get_absolute_url())
    assert 'data-testid="nothing-shown"' in html
    assert "Fleet renewal" not in html
    client.force_login(cast["head.log"])
    html = page(client, world.log.get_absolute_url())
    assert "Fleet renewal" in html and 'data-testid="add-objective"' in html


# -- building a plan through the pages ---------------------------------------------------------


def written() -> dict[str, int]:
    return {
        "plans": AnnualPlan.objects.count(),
        "revisions": PlanRevision.objects.count(),
        "objectives": Objective.objects.count(),
        "milestones": Milestone.objects.count(),
        "progress": ProgressUpdate.objects.count(),
        "events": ApprovalEvent.objects.count(),
    }


def objective_data(owner: User, **changes) -> dict:
    data = {
        "title": "Faster month-end close",
        "description": "Close in five days.",
        "weight": "60",
        "kpi_name": "Days to close",
        "kpi_unit": "days",
        "baseline": "9",
        "target": "5",
        "owner": owner.username,
    }
    data.update(changes)
    return data


def submit_url(revision) -> str:
    return reverse("approvals:transition", args=["operations.planrevision", revision.pk, "submit"])


def decide_url(revision, action="approve") -> str:
    return reverse("approvals:transition", args=["operations.planrevision", revision.pk, action])


def test_department_plan_from_start_to_new_revision(cast, client):
    head, coo = cast["head.fin"], cast["coo"]
    staff = cast.staff("FIN")
    year = this_year()
    client.force_login(head)

    # the create form offers FIN only (no company plan, no other department)
    html = page(client, reverse("operations:plan_create"))
    assert 'value="FIN"' in html and 'value="OPS"' not in html and 'value="company"' not in html
    response = client.post(
        reverse("operations:plan_create"), {"year": year, "department": "company"}
    )
    assert response.status_code == 200 and not AnnualPlan.objects.exists()
    response = client.post(reverse("operations:plan_create"), {"year": year, "department": "FIN"})
    plan = AnnualPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == plan.get_absolute_url()
    assert plan.department.code == "FIN" and plan.latest_revision.status == State.DRAFT
    # a second one for the same year is refused with the service's message
    before = written()
    response = client.post(reverse("operations:plan_create"), {"year": year, "department": "FIN"})
    assert f"This plan already exists for {year}." in response.content.decode()
    assert written() == before

    # objectives: weight 0 is refused on the form, nothing written
    add = reverse("operations:objective_create", args=[plan.pk])
    response = client.post(add, objective_data(staff, weight="0"))
    assert response.status_code == 200
    assert "The weight is a whole number from 1 to 100." in response.content.decode()
    assert written() == before
    response = client.post(add, objective_data(staff))
    first = Objective.objects.get()
    assert response.status_code == 302
    assert (first.weight, first.owner, first.kpi_name) == (60, staff, "Days to close")

    # milestones: a date outside the plan's year is refused, nothing written
    add_milestone = reverse("operations:milestone_create", args=[first.pk])
    data = {"title": "Automate the ledger", "owner": staff.username}
    before = written()
    response = client.post(add_milestone, {**data, "due_date": f"{year + 1}-01-15"})
    assert f"Milestones of the {year} plan fall due in {year}." in response.content.decode()
    assert written() == before
    response = client.post(add_milestone, {**data, "due_date": f"{year}-11-30"})
    assert response.status_code == 302
    assert Milestone.objects.get().due_date == dt.date(year, 11, 30)

    # submitting with weights adding up to 60 is refused with the message, still a draft
    revision = plan.latest_revision
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="weight-warning"' in html and 'data-testid="action-submit"' in html
    before = written()
    response = client.post(submit_url(revision), {"next": plan.get_absolute_url()}, follow=True)
    assert "add up to 60; they must add up to 100" in response.content.decode()
    assert PlanRevision.objects.get(pk=revision.pk).status == State.DRAFT
    assert written() == before

    edit = reverse("operations:objective_edit", args=[first.pk])
    assert client.post(edit, objective_data(staff, weight="100")).status_code == 302
    client.post(submit_url(revision), {"next": plan.get_absolute_url()})
    assert PlanRevision.objects.get(pk=revision.pk).status == State.SUBMITTED
    # submitted: no more editing
    assert client.get(edit).status_code == 302
    response = client.post(edit, objective_data(staff, weight="50"), follow=True)
    assert Objective.objects.get(pk=first.pk).weight == 100

    # the head may not approve: no button, and a refusal when tried
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="action-approve"' not in html
    response = client.post(decide_url(revision), follow=True)
    assert "Only the COO or the CEO may approve" in response.content.decode()
    assert PlanRevision.objects.get(pk=revision.pk).status == State.SUBMITTED

    # the COO finds it in the inbox and approves it
    client.force_login(coo)
    inbox = page(client, reverse("approvals:inbox"))
    assert revision.get_absolute_url() in inbox and str(revision) in inbox
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="action-approve"' in html
    client.post(decide_url(revision), {"next": plan.get_absolute_url()})
    plan.refresh_from_db()
    assert plan.current_revision_id == revision.pk
    assert PlanRevision.objects.get(pk=revision.pk).status == State.APPROVED

    # changing the approved plan: a new revision with a summary, approved again
    client.force_login(head)
    new = reverse("operations:plan_new_revision", args=[plan.pk])
    response = client.post(new, {"summary_of_changes": ""})
    assert "Say what this revision changes." in response.content.decode()
    assert PlanRevision.objects.count() == 1
    response = client.post(new, {"summary_of_changes": "Add the audit objective."})
    assert response.status_code == 302
    plan.refresh_from_db()
    second = plan.latest_revision
    assert second.number == 2 and second.status == State.DRAFT
    assert plan.current_revision_id == revision.pk  # still in force meanwhile
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="working-banner"' in html and 'data-testid="show-working"' in html
    html = page(client, plan.get_absolute_url(), show="working")
    assert "Revision 2" in html and 'data-testid="show-current"' in html
    assert "Add the audit objective." in html and 'data-testid="add-objective"' in html
    copy = second.objectives.get()
    client.post(
        reverse("operations:objective_edit", args=[copy.pk]), objective_data(staff, weight="70")
    )
    client.post(
        reverse("operations:objective_create", args=[plan.pk]),
        objective_data(head, title="Clean audit", weight="30"),
    )
    client.post(submit_url(second))
    client.force_login(coo)
    client.post(decide_url(second))
    plan.refresh_from_db()
    assert plan.current_revision_id == second.pk
    assert PlanRevision.objects.get(pk=revision.pk).status == State.SUPERSEDED
    # the earlier revision stays readable, read-only, with its history
    client.force_login(staff)
    html = page(client, reverse("operations:plan_revision", args=[plan.pk, 1]))
    assert "Superseded" in html and "Faster month-end close" in html
    assert 'data-testid="edit-objective"' not in html and "Approve" in html
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="revision-1"' in html and 'data-testid="revision-2"' in html
    assert "Clean audit" in html


def test_company_plan_is_approved_by_the_ceo(cast, client):
    coo, ceo = cast["coo"], cast["ceo"]
    client.force_login(cast["head.ops"])
    response = client.post(
        reverse("operations:plan_create"), {"year": this_year(), "department": "company"}
    )
    assert response.status_code == 200 and not AnnualPlan.objects.exists()

    client.force_login(coo)
    client.post(reverse("operations:plan_create"), {"year": this_year(), "department": "company"})
    plan = AnnualPlan.objects.get(department__isnull=True)
    client.post(
        reverse("operations:objective_create", args=[plan.pk]),
        objective_data(coo, weight="100"),
    )
    revision = plan.latest_revision
    client.post(submit_url(revision))
    assert PlanRevision.objects.get(pk=revision.pk).status == State.SUBMITTED
    # the COO may not approve the company plan
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="action-approve"' not in html
    response = client.post(decide_url(revision), follow=True)
    assert "Only the CEO may approve or return company-wide items." in response.content.decode()
    assert PlanRevision.objects.get(pk=revision.pk).status == State.SUBMITTED
    # the CEO returns it with a reason, then approves the resubmission
    client.force_login(ceo)
    client.post(decide_url(revision, "return"), {"note": "Add a target for cash."})
    assert PlanRevision.objects.get(pk=revision.pk).status == State.RETURNED
    client.force_login(coo)
    html = page(client, plan.get_absolute_url())
    assert "Add a target for cash." in html and 'data-testid="add-objective"' in html
    client.post(submit_url(revision))
    client.force_login(ceo)
    client.post(decide_url(revision))
    assert PlanRevision.objects.get(pk=revision.pk).status == State.APPROVED
    html = page(client, plan.get_absolute_url())
    assert 'data-testid="in-force"' in html
    # the approval history lists every move
    assert html.count("Submit for approval") >= 2 and "Return for changes" in html


def test_authors_list_offers_to_start_missing_plans(cast, world, client):
    AnnualPlan.objects.filter(pk=world.fin.pk).update(year=this_year() - 1)
    client.force_login(cast["head.fin"])
    html = page(client, reverse("operations:plan_list"))
    assert 'data-testid="create-FIN"' in html and 'data-testid="create-OPS"' not in html
    assert 'data-testid="row-OPS"' not in html  # not theirs to see
    client.force_login(cast["coo"])
    html = page(client, reverse("operations:plan_list"))
    assert 'data-testid="create-FIN"' in html and 'data-testid="row-LOG"' in html
    html = page(client, reverse("operations:plan_list"), year=this_year() - 1)
    assert "Close the books" not in html and 'data-testid="create-company"' in html
    client.force_login(cast["auditor"])
    html = page(client, reverse("operations:plan_list"))
    assert 'data-testid="no-plan"' in html and 'data-testid="create-FIN"' not in html


# -- progress and milestones -------------------------------------------------------------------


def progress_data(percent, **changes) -> dict:
    return {
        "month": this_month().isoformat(),
        "percent_complete": str(percent),
        "kpi_value": "92.5",
        "comment": "Better routes.",
        **changes,
    }


def test_progress_by_the_owner_only(cast, world, client):
    url = reverse("operations:objective_progress", args=[world.o1.pk])
    owner = cast.manager("OPS")
    client.force_login(owner)
    html = page(client, world.o1.get_absolute_url())
    assert 'data-testid="progress-form"' in html
    before = written()
    response = client.post(url, progress_data(120))
    assert response.status_code == 400
    assert "Progress is a whole percentage from 0 to 100." in response.content.decode()
    assert written() == before
    assert Objective.objects.get(pk=world.o1.pk).percent_complete == 0
    response = client.post(url, progress_data(60))
    assert response.status_code == 302
    o1 = Objective.objects.get(pk=world.o1.pk)
    assert (o1.percent_complete, str(o1.kpi_actual)) == (60, "92.50")
    html = page(client, world.o1.get_absolute_url())
    assert "Better routes." in html and 'data-testid="kpi-actual">92.50<' in html
    # a second figure for the month replaces the first
    client.post(url, progress_data(65))
    assert ProgressUpdate.objects.filter(objective=world.o1).count() == 1

    for key, status in (("coo", 403), ("head.ops", 403), ("head.fin", 404), ("staff:LOG", 404)):
        client.force_login(user_of(cast, key))
        assert client.post(url, progress_data(10)).status_code == status, key
    assert Objective.objects.get(pk=world.o1.pk).percent_complete == 65
    client.force_login(cast["coo"])
    assert 'data-testid="progress-form"' not in page(client, world.o1.get_absolute_url())

    # a draft's objective takes no progress, even from its owner
    client.force_login(cast.staff("LOG"))
    before = written()
    response = client.post(
        reverse("operations:objective_progress", args=[world.l1.pk]), progress_data(10)
    )
    assert response.status_code == 400
    assert "Progress is recorded against the plan in force" in response.content.decode()
    assert written() == before


def test_milestone_update_with_evidence(cast, world, client):
    staff = cast.staff("LOG")
    url = reverse("operations:milestone_update", args=[world.m_staff.pk])
    client.force_login(staff)
    html = page(client, url)
    assert 'value="cancelled"' not in html  # only the plan's authors cancel
    assert 'enctype="multipart/form-data"' in html

    def state():
        m = Milestone.objects.get(pk=world.m_staff.pk)
        return (m.status, m.percent_complete, m.evidence_note, m.evidence_file.name)

    before = state()
    response = client.post(
        url,
        {
            "status": "in_progress",
            "percent_complete": "40",
            "evidence_note": "Quote signed.",
            "evidence_file": upload("tool.exe", b"MZ...."),
        },
    )
    assert response.status_code == 400
    assert "tool.exe cannot be attached" in response.content.decode()
    assert state() == before
    response = client.post(url, {"status": "in_progress", "percent_complete": "120"})
    assert response.status_code == 400
    assert "Progress is a whole percentage from 0 to 100." in response.content.decode()
    response = client.post(url, {"status": "cancelled"})
    assert response.status_code == 400 and state() == before

    response = client.post(
        url,
        {
            "status": "in_progress",
            "percent_complete": "40",
            "evidence_note": "Quote signed.",
            "evidence_file": upload("quote.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    # the staff member does not see the OPS plan: back to their milestones
    assert response.status_code == 302
    assert response["Location"] == reverse("operations:my_milestones")
    status, percent, note, name = state()
    assert (status, percent, note) == ("in_progress", 40, "Quote signed.")
    assert name.startswith("plans/evidence/") and name.endswith(".pdf")

    evidence = reverse("operations:milestone_evidence", args=[world.m_staff.pk])
    response = client.get(evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    for key, code in (("coo", 200), ("manager:OPS", 200), ("head.fin", 404), ("head.log", 404)):
        client.force_login(user_of(cast, key))
        assert client.get(evidence).status_code == code, key
    # no file: 404
    evidence = reverse("operations:milestone_evidence", args=[world.m_manager.pk])
    assert client.get(evidence).status_code == 404

    # the plan's author may mark it done; a head from elsewhere may not touch it
    client.force_login(cast["head.ops"])
    response = client.post(url, {"status": "done", "evidence_note": "Dock in use."})
    assert response.status_code == 302 and response["Location"] == world.o1.get_absolute_url()
    assert state()[:2] == ("done", 100)
    client.force_login(cast["head.fin"])
    assert client.post(url, {"status": "in_progress"}).status_code == 404


def test_milestones_of_a_draft_are_not_updated(cast, world, client):
    client.force_login(cast.staff("LOG"))
    url = reverse("operations:milestone_update", args=[world.m_log.pk])
    response = client.get(url, follow=True)
    assert "not against a draft" in response.content.decode()
    response = client.post(url, {"status": "in_progress", "percent_complete": "10"})
    assert response.status_code == 400
    assert Milestone.objects.get(pk=world.m_log.pk).status == "not_started"


def test_delete_objective_and_milestone_of_a_draft(cast, world, client):
    client.force_login(cast["head.log"])
    extra = milestone(world.l1, cast["head.log"], "Sell the old truck", cast.staff("LOG"))
    url = reverse("operations:milestone_delete", args=[extra.pk])
    assert "Sell the old truck" in page(client, url)
    assert client.post(url).status_code == 302
    assert not Milestone.objects.filter(pk=extra.pk).exists()
    url = reverse("operations:objective_delete", args=[world.l1.pk])
    assert client.post(url).status_code == 302
    assert not Objective.objects.filter(pk=world.l1.pk).exists()
    assert not Milestone.objects.filter(pk=world.m_log.pk).exists()
    # content of a plan in force is not deleted through the pages
    client.force_login(cast["head.ops"])
    response = client.post(reverse("operations:objective_delete", args=[world.o2.pk]), follow=True)
    assert "cannot be changed: start a new revision" in response.content.decode()
    assert Objective.objects.filter(pk=world.o2.pk).exists()
    response = client.post(
        reverse("operations:milestone_delete", args=[world.m_manager.pk]), follow=True
    )
    assert "cannot be changed" in response.content.decode()
    assert Milestone.objects.filter(pk=world.m_manager.pk).exists()


# -- roll-ups ----------------------------------------------------------------------------------


def shown_percent(html: str, testid: str) -> int:
    match = re.search(
        rf'data-testid="{testid}".*?data-testid="percent">(\d+)%<', html, flags=re.DOTALL
    )
    assert match, testid
    return int(match.group(1))


def test_roll_up_figures_match_the_arithmetic(cast, world, client):
    month = this_month()
    progress_record(objective=world.o1, user=cast.manager("OPS"), month=month, percent_complete=60)
    progress_record(objective=world.o2, user=cast["head.ops"], month=month, percent_complete=20)
    progress_record(objective=world.c1, user=cast["coo"], month=month, percent_complete=50)
    progress_record(objective=world.f1, user=cast["head.fin"], month=month, percent_complete=80)
    ops = (70 * 60 + 30 * 20) / 100  # 48
    company_plan = (60 * 50 + 40 * 0) / 100  # 30
    fin = 80
    company = round((ops + company_plan + fin) / 3)  # the LOG plan is not in force: 53
    assert (ops, company_plan, company) == (48, 30, 53)

    client.force_login(cast["coo"])
    html = page(client, reverse("operations:plan_list"))
    assert shown_percent(html, "company-figure") == company
    assert shown_percent(html, "company-plan-progress") == company_plan
    assert shown_percent(html, "row-OPS") == ops
    assert shown_percent(html, "row-FIN") == fin
    assert "not in force yet" in html.split('data-testid="row-LOG"')[1].split("</tr>")[0]
    assert shown_percent(page(client, world.ops.get_absolute_url()), "plan-progress") == ops
    html = page(client, "/")
    assert shown_percent(html, "panel-company-figure") == company
    assert shown_percent(html, "panel-plan-progress") == company_plan


# -- timeline, my milestones, exports, home ----------------------------------------------------


def test_timeline_filters_and_export(cast, world, client):
    Milestone.objects.filter(pk=world.m_fin.pk).update(
        status=Milestone.Status.LATE, due_date=dt.date(this_year(), 1, 1)
    )
    url = reverse("operations:plan_timeline")
    client.force_login(cast["coo"])
    html = page(client, url)
    for title in ("Price review", "New loading dock", "Automate the bank reconciliation"):
        assert title in html
    assert "Buy two vans" not in html  # the LOG plan is not in force
    assert f'data-testid="month-{this_year()}-01"' in html
    assert f'data-testid="month-{this_year()}-12"' in html
    html = page(client, url, department="FIN")
    assert "Automate the bank" in html and "Price review" not in html
    html = page(client, url, department="company")
    assert "Price review" in html and "New loading dock" not in html
    html = page(client, url, status="late")
    assert "Automate the bank" in html and "Route planning" not in html
    staff = cast.staff("LOG")
    html = page(client, url, owner=staff.last_name or staff.username)
    assert "New loading dock" in html and "Route planning" not in html
    html = page(client, url, year=this_year() - 1)
    assert 'data-testid="empty"' in html
    rows = csv_rows(client.get(url, {"export": "csv", "department": "OPS"}))
    assert rows[0][:4] == ["Plan", "Department", "Objective", "Milestone"]
    assert sorted(r[3] for r in rows[1:]) == ["New loading dock", "Route planning"]
    rows = xlsx_rows(client.get(url, {"export": "xlsx"}))
    assert len(rows) == 1 + 4
    # scoped: head.fin sees the company's and FIN's milestones only
    client.force_login(cast["head.fin"])
    html = page(client, url)
    assert "Automate the bank" in html and "Price review" in html
    assert "New loading dock" not in html
    rows = csv_rows(client.get(url, {"export": "csv"}))
    assert "New loading dock" not in {r[3] for r in rows}


def test_my_milestones_overdue_first_and_export(cast, world, client):
    staff = cast.staff("LOG")
    head_ops = cast["head.ops"]
    # a second in-force milestone for the staff member, overdue
    Milestone.objects.filter(pk=world.m_manager.pk).update(
        owner=staff, due_date=dt.date(this_year(), 1, 1), status=Milestone.Status.LATE
    )
    client.force_login(staff)
    html = page(client, reverse("operations:my_milestones"))
    assert html.index("Route planning") < html.index("New loading dock")
    assert "Buy two vans" not in html  # a draft's milestone is not in force
    assert html.count('data-testid="quick-update"') == 2
    assert 'data-testid="overdue"' in html
    rows = csv_rows(client.get(reverse("operations:my_milestones"), {"export": "csv"}))
    assert [r[3] for r in rows[1:]] == ["Route planning", "New loading dock"]
    rows = xlsx_rows(client.get(reverse("operations:my_milestones"), {"export": "xlsx"}))
    assert len(rows) == 3
    client.force_login(head_ops)
    html = page(client, reverse("operations:my_milestones"))
    assert 'data-testid="empty"' in html


def test_home_panels(cast, world, client):
    Milestone.objects.filter(pk=world.m_staff.pk).update(
        status=Milestone.Status.LATE, due_date=dt.date(this_year(), 1, 1)
    )
    client.force_login(cast.staff("LOG"))
    html = page(client, "/")
    assert 'data-testid="panel-my-milestones"' in html and "New loading dock" in html
    assert "1 late" in html
    assert 'data-testid="panel-company-plan"' not in html
    client.force_login(cast["ceo"])
    html = page(client, "/")
    assert 'data-testid="panel-company-plan"' in html
    assert "1 late milestone" in html
    assert 'data-testid="panel-my-milestones"' not in html
    client.force_login(cast["auditor"])
    assert 'data-testid="panel-company-plan"' not in page(client, "/")
    # done milestones leave the panel
    Milestone.objects.filter(pk=world.m_staff.pk).update(status=Milestone.Status.DONE)
    client.force_login(cast.staff("LOG"))
    assert 'data-testid="panel-my-milestones"' not in page(client, "/")


def test_plan_list_year_switcher_and_tabs(cast, world, client):
    client.force_login(cast.staff("LOG"))
    html = page(client, reverse("operations:plan_list"), year="not-a-year")
    assert f"Annual plans {this_year()}" in html
    assert 'data-testid="tab-timeline"' in html and 'data-testid="tab-mine"' in html
    assert f'<option value="{this_year() + 1}"' in html
    assert 'data-testid="create-company"' not in html and 'data-testid="create-' not in html


# -- query counts ------------------------------------------------------------------------------


def grow(cast, world, count: int) -> None:
    """More departments with plans in force, more objectives and milestones everywhere."""
    coo, ceo, staff = cast["coo"], cast["ceo"], cast.staff("LOG")
    head_log = cast["head.log"]
    ops = dept("OPS")
    start = Department.objects.filter(code__startswith="G").count()
    for n in range(start, start + count):
        department = department_create(code=f"G{n}", name=f"Grown {n}", parent=ops)
        plan = plan_create(user=coo, year=this_year(), department=department)
        first = objective(plan, coo, f"Grown objective {n}", 60, staff)
        second = objective(plan, coo, f"Other objective {n}", 40, cast.manager("OPS"))
        milestone(first, coo, f"Grown milestone {n}", staff)
        milestone(second, coo, f"Other milestone {n}", staff, due=dt.date(this_year(), 1, 1))
        approve(plan, coo, ceo)
        progress_record(objective=first, user=staff, month=this_month(), percent_complete=n % 100)
        extra = objective(world.log, head_log, f"Draft objective {n}", 1, staff)
        milestone(extra, head_log, f"Draft milestone {n}", staff)
        milestone(world.l1, head_log, f"More vans {n}", staff)
    Milestone.objects.filter(due_date__lt=timezone.localdate()).update(status=Milestone.Status.LATE)


def measure(cast, world, client) -> dict[str, int]:
    counts = {}
    for key in ("coo", "head.ops", "staff:LOG"):
        user = user_of(cast, key)
        client.force_login(user)
        urls = {
            "list": reverse("operations:plan_list"),
            "detail ops": world.ops.get_absolute_url(),
            "detail log": world.log.get_absolute_url(),
            "revision company": reverse("operations:plan_revision", args=[world.company.pk, 1]),
            "objective o1": world.o1.get_absolute_url(),
            "objective l1": world.l1.get_absolute_url(),
            "timeline": reverse("operations:plan_timeline"),
            "timeline csv": reverse("operations:plan_timeline") + "?export=csv",
            "mine": reverse("operations:my_milestones"),
            "home": "/",
        }
        if key == "staff:LOG":
            del urls["detail ops"], urls["objective o1"]
        for name, url in urls.items():
            counts[f"{name} {key}"] = count_queries(client, url)
    return counts


def test_query_counts_do_not_grow(cast, world, client):
    grow(cast, world, 1)
    small = measure(cast, world, client)
    grow(cast, world, 4)
    large = measure(cast, world, client)
    assert small == large
    assert max(v for k, v in large.items() if not k.startswith("home")) <= 30, large
