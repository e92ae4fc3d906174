"""Helpers of the regulation tests: building regulations through the services, uploads,
counting what was written, and reading pages the way their users see them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from approvals.models import Action, ApprovalEvent
from approvals.services import transition
from operations.models import (
    Acknowledgement,
    Attachment,
    ProcedureStep,
    Regulation,
    RegulationVersion,
)
from operations.services.regulations import (
    StepData,
    regulation_create,
    version_start_new,
    version_update,
)
from organization.models import Department, User

#: Every role of the test company, as the ``who`` fixture names it.
ALL_ROLES = [
    "ceo",
    "coo",
    "auditor",
    "head.ops",
    "head.log",
    "head.fin",
    "manager:OPS",
    "manager:LOG",
    "manager:FIN",
    "staff:OPS",
    "staff:LOG",
    "staff:FIN",
]
COMPANY_WIDE_ROLES = ["ceo", "coo", "auditor"]
HEADS = ["head.ops", "head.log", "head.fin"]

STEP = StepData("Check the request", "Clerk", "Request", "Checked request", "1 day")

# Minimal files that start as the real ones do.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DOCX_BYTES = b"PK\x03\x04\x14\x00\x06\x00" + b"[Content_Types].xml" + b"\x00" * 64
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + (
    b"\x00" * 32
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def department(code: str | None) -> Department | None:
    return Department.objects.get(code=code) if code else None


def make(
    author: User,
    title: str = "House rule",
    *,
    kind: str = Regulation.Kind.REGULATION,
    department_code: str | None = None,
    body: str = "# Rule\n\nLine one.\nLine two.\n",
    audience: Iterable[str] = (),
    **extra,
) -> Regulation:
    """A new regulation (version 1, a draft) written by ``author`` through the service."""
    audience = list(audience)
    if kind == Regulation.Kind.PROCEDURE:
        extra.setdefault("steps", [STEP])
    return regulation_create(
        user=author,
        title=title,
        kind=kind,
        body=body,
        department=department(department_code),
        audience_all=not audience,
        audience_departments=[department(code) for code in audience],
        summary_of_changes=extra.pop("summary_of_changes", "First version."),
        **extra,
    )


def approver_for(cast, regulation: Regulation) -> User:
    """Company-wide items are approved by the CEO, department items by the COO."""
    return cast["ceo"] if regulation.department_id is None else cast["coo"]


def author_for(cast, regulation: Regulation) -> User:
    return User.objects.get(pk=regulation.owner_id)


def move(cast, regulation: Regulation, *actions: str) -> RegulationVersion:
    """Take the regulation's latest version through ``actions`` as its author and approver."""
    version = Regulation.objects.get(pk=regulation.pk).latest_version
    for action in actions:
        actor = (
            author_for(cast, regulation)
            if action == Action.SUBMIT
            else approver_for(cast, regulation)
        )
        version = transition(obj=version, action=action, user=actor, note="Noted.")
    return version


def publish(cast, regulation: Regulation) -> RegulationVersion:
    """Submit, approve and publish the regulation's latest version."""
    return move(cast, regulation, Action.SUBMIT, Action.APPROVE, Action.PUBLISH)


def start_version(
    cast, regulation: Regulation, body: str, summary: str = "Clearer wording."
) -> RegulationVersion:
    """Start the next version as the owner and write its text."""
    author = author_for(cast, regulation)
    version = version_start_new(regulation=regulation, user=author)
    return version_update(version=version, user=author, body=body, summary_of_changes=summary)


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def events_of(version: RegulationVersion) -> list[tuple[str, str, str]]:
    from django.contrib.contenttypes.models import ContentType

    return list(
        ApprovalEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(RegulationVersion), object_id=version.pk
        ).values_list("action", "from_state", "to_state")
    )


def written() -> dict[str, int]:
    """How many rows of each regulation table there are (to show nothing was half-written)."""
    return {
        "regulations": Regulation.objects.count(),
        "versions": RegulationVersion.objects.count(),
        "steps": ProcedureStep.objects.count(),
        "attachments": Attachment.objects.count(),
        "acknowledgements": Acknowledgement.objects.count(),
        "events": ApprovalEvent.objects.count(),
    }


def stored_files(path: str = "") -> set[str]:
    """Every file name in the default storage (InMemoryStorage in the test settings)."""
    directories, files = default_storage.listdir(path)
    found = {f"{path}/{name}".lstrip("/") for name in files}
    for directory in directories:
        found |= stored_files(f"{path}/{directory}".lstrip("/"))
    return found


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def content_of(response) -> bytes:
    """The body of a response, streaming or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(content_of(response).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    from openpyxl import load_workbook

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(content_of(response)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def said(user: User, message: str, **params) -> str:
    """``message`` as a page shown to ``user`` says it: in their language, with its
    placeholders filled (lazy texts among them translated too), HTML-escaped."""
    with translation.override(language_of(user)):
        text = translation.gettext(message)
        if params:
            text = text % {key: str(value) for key, value in params.items()}
    return escape(text)


def state_name(user: User, state) -> str:
    """A workflow state's name as messages to ``user`` write it (lower case)."""
    with translation.override(language_of(user)):
        return str(state.label).lower()


def count_queries(client, url: str, **params) -> int:
    """How many queries one GET of ``url`` makes (streamed bodies read to the end)."""
    from django.db import connection

    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params)
        assert response.status_code == 200, url
        content_of(response)
    return len(context)


def titled(user: User, msgid: str, **values) -> str:
    """A notification title as ``user`` reads it: in their own language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return translation.gettext(msgid).format(**values)
