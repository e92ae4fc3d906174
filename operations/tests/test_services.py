"""The regulation services: who writes what, versions, submission rules, publication and
archiving, attachments. Refusals say why and leave nothing half-written."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from approvals.models import Action, ApprovalEvent, State
from approvals.services import transition
from core.exceptions import ApplicationError, NotAllowed
from operations.models import Regulation, RegulationVersion
from operations.services.regulations import (
    MAX_UPLOAD_BYTES,
    StepData,
    attachment_add,
    version_start_new,
    version_update,
)
from operations.tests.helpers import (
    DOCX_BYTES,
    DOCX_TYPE,
    PDF_BYTES,
    PNG_BYTES,
    events_of,
    make,
    move,
    publish,
    reload,
    start_version,
    stored_files,
    upload,
    written,
)

# -- who may write ------------------------------------------------------------------------------

AUTHORING = [
    ("coo", None, True),
    ("ceo", None, True),
    ("coo", "FIN", True),
    ("ceo", "LOG", True),
    ("head.ops", "OPS", True),
    ("head.ops", "LOG", True),  # LOG is below OPS
    ("head.ops", "FIN", False),
    ("head.ops", None, False),  # a head never writes company-wide items
    ("head.log", "LOG", True),
    ("head.log", "OPS", False),  # nor the department above theirs
    ("head.fin", "FIN", True),
    ("head.fin", "OPS", False),
    ("manager:OPS", "OPS", False),
    ("manager:FIN", None, False),
    ("staff:OPS", "OPS", False),
    ("staff:LOG", None, False),
    ("auditor", None, False),
    ("auditor", "OPS", False),
]


@pytest.mark.parametrize(("role", "code", "allowed"), AUTHORING)
def test_who_may_create_a_regulation(who, role, code, allowed):
    user = who(role)
    before = written()
    if not allowed:
        with pytest.raises(NotAllowed) as refused:
            make(user, "Refused rule", department_code=code)
        expected = (
            "Only the COO or the CEO may write company-wide regulations."
            if code is None
            else "may write its rules"
        )
        assert expected in str(refused.value.message)
        assert written() == before
        assert not Regulation.objects.filter(title="Refused rule").exists()
        return

    regulation = make(user, "Accepted rule", department_code=code, category=" Safety ")

    regulation = Regulation.objects.with_versions().get(pk=regulation.pk)
    assert regulation.owner == user
    assert (regulation.department.code if regulation.department else None) == code
    assert regulation.category == "Safety"
    assert regulation.current_version is None  # nothing is in force before it is published
    version = regulation.latest_version
    assert (version.number, version.status, version.created_by) == (1, State.DRAFT, user)
    assert written()["regulations"] == before["regulations"] + 1
    assert written()["versions"] == before["versions"] + 1


def test_a_department_rule_needs_its_department(cast):
    before = written()
    with pytest.raises(ApplicationError) as refused:
        make(cast["coo"], "Rule of nowhere", kind=Regulation.Kind.DEPARTMENT_RULE)
    assert refused.value.field == "department"
    assert "needs its department" in str(refused.value.message)
    assert written() == before


def test_an_audience_of_chosen_departments_needs_departments(cast):
    from operations.services.regulations import regulation_create

    before = written()
    with pytest.raises(ApplicationError) as refused:
        regulation_create(
            user=cast["coo"],
            title="For nobody",
            kind=Regulation.Kind.POLICY,
            body="Text.",
            audience_all=False,
            audience_departments=[],
        )
    assert refused.value.field == "audience_departments"
    assert "Choose the departments" in str(refused.value.message)
    assert written() == before


def test_a_procedure_keeps_its_steps_in_order(cast):
    steps = [StepData(f"Step {n}", "Clerk", time_limit=f"{n} days") for n in (1, 2, 3)]
    regulation = make(
        cast["head.ops"], kind=Regulation.Kind.PROCEDURE, department_code="OPS", steps=steps
    )
    version = regulation.latest_version
    assert list(version.steps.order_by("order").values_list("order", "title", "time_limit")) == [
        (1, "Step 1", "1 days"),
        (2, "Step 2", "2 days"),
        (3, "Step 3", "3 days"),
    ]


def test_the_audience_departments_are_kept(cast):
    regulation = make(cast["coo"], audience=["OPS", "FIN"])
    assert regulation.audience_all is False
    assert set(regulation.audience_departments.values_list("code", flat=True)) == {"OPS", "FIN"}


# -- editing in place ---------------------------------------------------------------------------


def test_a_draft_is_edited_in_place(cast):
    author = cast["head.ops"]
    regulation = make(author, kind=Regulation.Kind.PROCEDURE, department_code="OPS")
    version = version_update(
        version=regulation.latest_version,
        user=author,
        body="New text.",
        summary_of_changes="  Rewritten.  ",
        steps=[StepData("Only step", "Manager")],
    )
    version = reload(version)
    assert (version.body, version.summary_of_changes) == ("New text.", "Rewritten.")
    assert list(version.steps.values_list("title", flat=True)) == ["Only step"]


@pytest.mark.parametrize(
    "moves",
    [
        [Action.SUBMIT],
        [Action.SUBMIT, Action.APPROVE],
        [Action.SUBMIT, Action.APPROVE, Action.PUBLISH],
    ],
    ids=["submitted", "approved", "published"],
)
def test_a_decided_version_is_not_edited_in_place(cast, moves):
    author = cast["head.ops"]
    regulation = make(author, department_code="OPS", body="Original text.")
    version = move(cast, regulation, *moves)
    before = written()

    with pytest.raises(ApplicationError) as refused:
        version_update(version=version, user=author, body="Changed!", summary_of_changes="x")

    message = str(refused.value.message)
    assert "cannot be edited in place" in message
    assert f"is {version.get_status_display().lower()}" in message
    version = reload(version)
    assert version.body == "Original text."
    assert version.summary_of_changes == "First version."
    assert written() == before


def test_only_its_authors_edit_a_draft(cast):
    regulation = make(cast["head.ops"], department_code="OPS", body="Original text.")
    with pytest.raises(NotAllowed):
        version_update(
            version=regulation.latest_version,
            user=cast["head.fin"],
            body="Hijacked.",
            summary_of_changes="",
        )
    assert reload(regulation.latest_version).body == "Original text."


# -- new versions -------------------------------------------------------------------------------


def test_a_new_version_copies_text_steps_and_attachments(cast):
    author = cast["head.ops"]
    steps = [
        StepData("Receive", "Clerk", "Delivery note", "Goods in", "Same day"),
        StepData("Store", "Warehouse operator", "Goods in", "Location", "1 day"),
    ]
    regulation = make(
        author,
        kind=Regulation.Kind.PROCEDURE,
        department_code="OPS",
        body="Procedure text.",
        steps=steps,
    )
    attachment_add(
        version=regulation.latest_version,
        user=author,
        upload=upload("form.pdf", PDF_BYTES, "application/pdf"),
    )
    first = publish(cast, regulation)

    second = version_start_new(regulation=regulation, user=author)

    regulation = reload(regulation)
    assert (second.number, second.status, second.created_by) == (2, State.DRAFT, author)
    assert second.body == "Procedure text."
    assert second.summary_of_changes == ""  # each version says what it changes
    step_fields = ("order", "title", "responsible_role", "inputs", "outputs", "time_limit")
    assert list(second.steps.order_by("order").values_list(*step_fields)) == list(
        first.steps.order_by("order").values_list(*step_fields)
    )
    attachment_fields = ("name", "size", "content_type", "file")
    assert list(second.attachments.values_list(*attachment_fields)) == list(
        first.attachments.values_list(*attachment_fields)
    )
    # The version in force stays in force until the new one is published.
    assert regulation.current_version_id == first.pk
    assert regulation.latest_version_id == second.pk
    assert regulation.working_version == second
    assert reload(first).status == State.PUBLISHED


def test_only_one_version_is_worked_on_at_a_time(cast):
    author = cast["coo"]
    regulation = make(author)
    publish(cast, regulation)
    start_version(cast, regulation, "Second text.")
    before = written()

    with pytest.raises(ApplicationError) as refused:
        version_start_new(regulation=regulation, user=author)

    assert "Version 2 is already being worked on" in str(refused.value.message)
    assert written() == before
    assert reload(regulation).latest_version.number == 2


def test_a_new_version_needs_an_author(cast):
    regulation = make(cast["head.ops"], department_code="OPS")
    publish(cast, regulation)
    before = written()
    with pytest.raises(NotAllowed):
        version_start_new(regulation=regulation, user=cast["head.fin"])
    assert written() == before


# -- what submission asks for -----------------------------------------------------------------


def _refused_submission(cast, version, field: str, text: str) -> None:
    before = written()
    author = cast["coo"] if version.regulation.department_id is None else cast["head.ops"]
    with pytest.raises(ApplicationError) as refused:
        transition(obj=version, action=Action.SUBMIT, user=author)
    assert refused.value.field == field
    assert text in str(refused.value.message)
    assert reload(version).status == State.DRAFT
    assert reload(version).submitted_by is None
    assert written() == before


def test_submitting_needs_a_summary_of_changes(cast):
    regulation = make(cast["coo"])
    publish(cast, regulation)
    version = version_start_new(regulation=regulation, user=cast["coo"])
    _refused_submission(cast, version, "summary_of_changes", "Summarise the changes")


def test_submitting_needs_a_text(cast):
    regulation = make(cast["coo"])
    version = version_update(
        version=regulation.latest_version,
        user=cast["coo"],
        body="   \n  ",
        summary_of_changes="Emptied.",
    )
    _refused_submission(cast, version, "body", "Write the text")


def test_an_empty_text_is_not_saved(cast):
    regulation = make(cast["coo"], body="Text.")
    with pytest.raises(ValidationError):
        version_update(
            version=regulation.latest_version, user=cast["coo"], body="", summary_of_changes=""
        )
    assert reload(regulation.latest_version).body == "Text."


def test_submitting_a_procedure_needs_steps(cast):
    regulation = make(
        cast["head.ops"], kind=Regulation.Kind.PROCEDURE, department_code="OPS", steps=[]
    )
    _refused_submission(cast, regulation.latest_version, "steps", "at least one step")


def test_a_procedure_with_steps_is_submitted(cast):
    regulation = make(cast["head.ops"], kind=Regulation.Kind.PROCEDURE, department_code="OPS")
    version = transition(obj=regulation.latest_version, action=Action.SUBMIT, user=cast["head.ops"])
    assert version.status == State.SUBMITTED


# -- publication and archiving ----------------------------------------------------------------


def test_publishing_sets_the_version_in_force_and_the_review_date(cast):
    regulation = make(cast["head.ops"], department_code="OPS", review_interval_months=6)
    version = publish(cast, regulation)
    regulation = reload(regulation)
    assert regulation.current_version_id == regulation.latest_version_id == version.pk
    assert version.published_at is not None
    assert regulation.next_review_date == timezone.localdate() + relativedelta(months=6)


def test_publishing_a_new_version_supersedes_the_one_in_force(cast):
    coo = cast["coo"]
    regulation = make(coo, kind=Regulation.Kind.POLICY, review_interval_months=3)
    first = publish(cast, regulation)
    Regulation.objects.filter(pk=regulation.pk).update(next_review_date=None)
    start_version(cast, regulation, "Second text.")

    second = publish(cast, regulation)

    regulation = reload(regulation)
    first = reload(first)
    assert first.status == State.SUPERSEDED
    assert second.status == State.PUBLISHED
    assert regulation.current_version_id == second.pk
    assert regulation.latest_version_id == second.pk
    assert regulation.next_review_date == timezone.localdate() + relativedelta(months=3)
    assert events_of(first)[-1] == (Action.SUPERSEDE, State.PUBLISHED, State.SUPERSEDED)
    supersede = ApprovalEvent.objects.get(object_id=first.pk, action=Action.SUPERSEDE)
    assert supersede.actor == cast["ceo"]  # who published the successor
    # Only one version of a regulation is ever published at a time.
    assert regulation.versions.filter(status=State.PUBLISHED).count() == 1


def test_archiving_the_version_in_force_takes_the_regulation_out_of_force(cast):
    regulation = make(cast["coo"])
    version = publish(cast, regulation)
    transition(obj=version, action=Action.ARCHIVE, user=cast["coo"])
    regulation = reload(regulation)
    assert regulation.current_version is None
    assert regulation.next_review_date is None
    assert reload(version).status == State.ARCHIVED
    # Nobody is asked to acknowledge a regulation that is no longer in force.
    from operations.selectors import pending_acknowledgements

    assert not pending_acknowledgements(cast.staff("OPS")).filter(pk=regulation.pk).exists()


def test_archiving_an_abandoned_draft_goes_back_to_the_version_in_force(cast):
    regulation = make(cast["coo"], body="In force.")
    first = publish(cast, regulation)
    draft = start_version(cast, regulation, "Abandoned.")

    transition(obj=draft, action=Action.ARCHIVE, user=cast["coo"])

    regulation = reload(regulation)
    assert reload(draft).status == State.ARCHIVED
    assert regulation.current_version_id == first.pk
    assert regulation.latest_version_id == first.pk
    assert regulation.working_version is None
    # And the next version starts again from the text in force.
    third = version_start_new(regulation=regulation, user=cast["coo"])
    assert (third.number, third.body) == (3, "In force.")


# -- attachments ------------------------------------------------------------------------------

ACCEPTED = [
    ("rules.pdf", PDF_BYTES, "application/pdf"),
    ("form.docx", DOCX_BYTES, DOCX_TYPE),
    ("chart.PNG", PNG_BYTES, "image/png"),
]


@pytest.mark.parametrize(("name", "data", "content_type"), ACCEPTED)
def test_documents_and_images_are_attached(cast, name, data, content_type):
    regulation = make(cast["head.ops"], department_code="OPS")
    before = stored_files()

    attachment = attachment_add(
        version=regulation.latest_version,
        user=cast["head.ops"],
        upload=upload(name, data, content_type),
    )

    attachment = reload(attachment)
    assert (attachment.name, attachment.size, attachment.content_type) == (
        name,
        len(data),
        content_type,
    )
    assert attachment.uploaded_by == cast["head.ops"]
    assert stored_files() - before == {attachment.file.name}
    with default_storage.open(attachment.file.name, "rb") as stored:
        assert stored.read() == data


def _big_pdf() -> bytes:
    return b"%PDF-" + b"\x00" * (MAX_UPLOAD_BYTES + 1 - len(b"%PDF-"))


REFUSED = [
    pytest.param(
        "setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "only these types are accepted", id="exe"
    ),
    pytest.param("notes", b"%PDF-1.4 but no extension", "only these types are accepted", id="none"),
    pytest.param("fake.pdf", b"<html>not a pdf</html>", "is not a real PDF file", id="fake-pdf"),
    pytest.param("fake.docx", PDF_BYTES, "is not a real DOCX file", id="fake-docx"),
    pytest.param("huge.pdf", None, "20 MB at most", id="over-20-MB"),
]


@pytest.mark.parametrize(("name", "data", "text"), REFUSED)
def test_other_files_are_refused_and_nothing_is_stored(cast, name, data, text):
    regulation = make(cast["head.ops"], department_code="OPS")
    data = _big_pdf() if data is None else data
    files, before = stored_files(), written()

    with pytest.raises(ApplicationError) as refused:
        attachment_add(
            version=regulation.latest_version, user=cast["head.ops"], upload=upload(name, data)
        )

    assert refused.value.field == "file"
    assert text in str(refused.value.message)
    assert name in str(refused.value.message)
    assert written() == before
    assert stored_files() == files


def test_exactly_20_mb_is_accepted(cast):
    regulation = make(cast["head.ops"], department_code="OPS")
    data = b"%PDF-" + b"\x00" * (MAX_UPLOAD_BYTES - 5)
    attachment = attachment_add(
        version=regulation.latest_version, user=cast["head.ops"], upload=upload("max.pdf", data)
    )
    assert attachment.size == MAX_UPLOAD_BYTES


@pytest.mark.parametrize(
    "moves", [[Action.SUBMIT], [Action.SUBMIT, Action.APPROVE, Action.PUBLISH]]
)
def test_nothing_is_attached_to_a_decided_version(cast, moves):
    regulation = make(cast["head.ops"], department_code="OPS")
    version = move(cast, regulation, *moves)
    files, before = stored_files(), written()

    with pytest.raises(ApplicationError) as refused:
        attachment_add(
            version=version,
            user=cast["head.ops"],
            upload=upload("late.pdf", PDF_BYTES, "application/pdf"),
        )

    assert "cannot be edited in place" in str(refused.value.message)
    assert written() == before
    assert stored_files() == files


def test_only_its_authors_attach_files(cast):
    regulation = make(cast["head.ops"], department_code="OPS")
    files, before = stored_files(), written()
    with pytest.raises(NotAllowed):
        attachment_add(
            version=regulation.latest_version,
            user=cast["head.fin"],
            upload=upload("x.pdf", PDF_BYTES, "application/pdf"),
        )
    assert written() == before
    assert stored_files() == files


def test_versions_are_numbered_per_regulation(cast):
    one = make(cast["coo"], "One")
    two = make(cast["coo"], "Two")
    publish(cast, one)
    start_version(cast, one, "v2")
    assert list(
        RegulationVersion.objects.filter(regulation__in=[one, two])
        .order_by("regulation__title", "number")
        .values_list("regulation__title", "number")
    ) == [("One", 1), ("One", 2), ("Two", 1)]
