"""Writes of regulations: drafting, new versions, attachments, publication, acknowledgements."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from approvals.models import State
from approvals.registry import registration_for
from approvals.services import supersede
from core.exceptions import ApplicationError, NotAllowed
from operations.audience import audience_users
from operations.models import (
    Acknowledgement,
    Attachment,
    ProcedureStep,
    Regulation,
    RegulationVersion,
)
from organization.models import Department, User
from organization.services.notifications import notification_send

METADATA_FIELDS = (
    "title",
    "kind",
    "department",
    "category",
    "review_interval_months",
    "audience_all",
)

#: What may be attached, by extension, with the first bytes such a file starts with.
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ALLOWED_UPLOADS: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".doc": _OLE,
    ".xls": _OLE,
    ".ppt": _OLE,
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".pptx": _ZIP,
    ".odt": _ZIP,
    ".ods": _ZIP,
    ".odp": _ZIP,
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class StepData:
    title: str
    responsible_role: str
    inputs: str = ""
    outputs: str = ""
    time_limit: str = ""


def _policy():
    return registration_for(RegulationVersion).policy


def _check_author(user: User, department: Department | None) -> None:
    """Only authors may write: the COO and CEO anything, a head their departments' items."""
    probe = RegulationVersion(regulation=Regulation(department=department))
    if not _policy().may_author(user, probe):
        if department is None:
            raise NotAllowed(_("Only the COO or the CEO may write company-wide regulations."))
        raise NotAllowed(
            _("Only the COO, the CEO or the head of %(department)s may write its rules.")
            % {"department": department.name}
        )


def _check_kind(kind: str, department: Department | None) -> None:
    if kind == Regulation.Kind.DEPARTMENT_RULE and department is None:
        raise ApplicationError(_("A department rule needs its department."), field="department")


def _write_steps(version: RegulationVersion, steps: Sequence[StepData]) -> None:
    version.steps.all().delete()
    ProcedureStep.objects.bulk_create(
        ProcedureStep(
            version=version,
            order=index,
            title=step.title.strip(),
            responsible_role=step.responsible_role.strip(),
            inputs=step.inputs.strip(),
            outputs=step.outputs.strip(),
            time_limit=step.time_limit.strip(),
        )
        for index, step in enumerate(steps, start=1)
    )


@transaction.atomic
def regulation_create(
    *,
    user: User,
    title: str,
    kind: str,
    body: str,
    department: Department | None = None,
    category: str = "",
    review_interval_months: int = 12,
    audience_all: bool = True,
    audience_departments: Iterable[Department] = (),
    summary_of_changes: str = "",
    steps: Sequence[StepData] = (),
) -> Regulation:
    """Create a regulation with its first version as a draft, owned by ``user``."""
    _check_author(user, department)
    _check_kind(kind, department)
    audience_departments = list(audience_departments)
    if not audience_all and not audience_departments:
        raise ApplicationError(
            _("Choose the departments it is for, or make it for everyone."),
            field="audience_departments",
        )
    regulation = Regulation(
        title=title.strip(),
        kind=kind,
        department=department,
        owner=user,
        category=category.strip(),
        review_interval_months=review_interval_months,
        audience_all=audience_all,
    )
    regulation.full_clean(exclude=["current_version", "latest_version"])
    regulation.save()
    if not audience_all:
        regulation.audience_departments.set(audience_departments)
    version = RegulationVersion(
        regulation=regulation,
        number=1,
        body=body,
        summary_of_changes=summary_of_changes.strip() or _("First version."),
        created_by=user,
    )
    version.full_clean()
    version.save()
    _write_steps(version, steps)
    regulation.latest_version = version
    regulation.save_without_historical_record(update_fields=["latest_version"])
    return regulation


@transaction.atomic
def regulation_update(
    *,
    regulation: Regulation,
    user: User,
    audience_departments: Iterable[Department] | None = None,
    **changes,
) -> Regulation:
    """Change what describes a regulation (not its text: that is ``version_update``).

    Kind and department decide who approves it, so they are fixed once a version has been
    published.
    """
    unknown = set(changes) - set(METADATA_FIELDS)
    if unknown:
        raise TypeError(f"regulation_update() got unknown fields: {', '.join(sorted(unknown))}")
    regulation = Regulation.objects.select_for_update().get(pk=regulation.pk)
    _check_author(user, regulation.department)
    if "department" in changes and changes["department"] != regulation.department:
        _check_author(user, changes["department"])
    published_before = regulation.versions.filter(
        status__in=[State.PUBLISHED, State.SUPERSEDED]
    ).exists()
    for field in ("kind", "department"):
        if published_before and field in changes and changes[field] != getattr(regulation, field):
            raise ApplicationError(
                _("The kind and the department cannot change once a version was published."),
                field=field,
            )
    _check_kind(
        changes.get("kind", regulation.kind), changes.get("department", regulation.department)
    )
    for field, value in changes.items():
        setattr(regulation, field, value.strip() if isinstance(value, str) else value)
    if "audience_all" in changes or audience_departments is not None:
        chosen = (
            list(audience_departments)
            if audience_departments is not None
            else list(regulation.audience_departments.all())
        )
        if not regulation.audience_all and not chosen:
            raise ApplicationError(
                _("Choose the departments it is for, or make it for everyone."),
                field="audience_departments",
            )
        regulation.audience_departments.set([] if regulation.audience_all else chosen)
    regulation.full_clean(exclude=["current_version", "latest_version"])
    regulation.save()
    return regulation


def _check_editable(version: RegulationVersion) -> None:
    if not version.is_editable:
        raise ApplicationError(
            _(
                "Version %(number)s is %(state)s and cannot be edited in place; start a new "
                "version instead."
            )
            % {"number": version.number, "state": version.get_status_display().lower()}
        )


@transaction.atomic
def version_update(
    *,
    version: RegulationVersion,
    user: User,
    body: str,
    summary_of_changes: str,
    steps: Sequence[StepData] | None = None,
) -> RegulationVersion:
    """Rewrite a draft (or returned) version's text, summary and steps."""
    version = (
        RegulationVersion.objects.select_for_update()
        .select_related("regulation")
        .get(pk=version.pk)
    )
    _check_author(user, version.regulation.department)
    _check_editable(version)
    version.body = body
    version.summary_of_changes = summary_of_changes.strip()
    version.full_clean()
    version.save()
    if steps is not None:
        _write_steps(version, steps)
    return version


@transaction.atomic
def version_start_new(*, regulation: Regulation, user: User) -> RegulationVersion:
    """Start the next version as a draft, copying the text, steps and attachments of the
    latest one. The version in force stays in force until the new one is published."""
    regulation = Regulation.objects.select_for_update().get(pk=regulation.pk)
    _check_author(user, regulation.department)
    if regulation.working_version is not None:
        raise ApplicationError(
            _("Version %(number)s is already being worked on; finish or archive it first.")
            % {"number": regulation.working_version.number}
        )
    source = regulation.latest_version
    number = (regulation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RegulationVersion.objects.create(
        regulation=regulation,
        number=number,
        body=source.body if source else "",
        summary_of_changes="",
        created_by=user,
    )
    if source is not None:
        ProcedureStep.objects.bulk_create(
            ProcedureStep(
                version=version,
                order=s.order,
                title=s.title,
                responsible_role=s.responsible_role,
                inputs=s.inputs,
                outputs=s.outputs,
                time_limit=s.time_limit,
            )
            for s in source.steps.all()
        )
        Attachment.objects.bulk_create(
            Attachment(
                version=version,
                file=a.file.name,
                name=a.name,
                size=a.size,
                content_type=a.content_type,
                uploaded_by=a.uploaded_by,
            )
            for a in source.attachments.all()
        )
    regulation.latest_version = version
    regulation.save_without_historical_record(update_fields=["latest_version"])
    return version


def validate_upload(upload: UploadedFile) -> str:
    """The file's extension if it may be attached; otherwise an ApplicationError saying why."""
    extension = Path(upload.name or "").suffix.lower()
    allowed = ", ".join(sorted(e.lstrip(".").upper() for e in ALLOWED_UPLOADS))
    if extension not in ALLOWED_UPLOADS:
        raise ApplicationError(
            _("%(name)s cannot be attached: only these types are accepted: %(types)s.")
            % {"name": upload.name, "types": allowed},
            field="file",
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise ApplicationError(
            _("%(name)s is %(size)s MB; attachments may be 20 MB at most.")
            % {"name": upload.name, "size": number_format(upload.size / (1024 * 1024), 1)},
            field="file",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in ALLOWED_UPLOADS[extension]):
        raise ApplicationError(
            _("%(name)s is not a real %(type)s file.")
            % {"name": upload.name, "type": extension.lstrip(".").upper()},
            field="file",
        )
    return extension


@transaction.atomic
def attachment_add(*, version: RegulationVersion, user: User, upload: UploadedFile) -> Attachment:
    """Attach a file to a draft version (PDF, Office or image, 20 MB at most)."""
    version = (
        RegulationVersion.objects.select_for_update()
        .select_related("regulation")
        .get(pk=version.pk)
    )
    _check_author(user, version.regulation.department)
    _check_editable(version)
    validate_upload(upload)
    attachment = Attachment(
        version=version,
        name=Path(upload.name).name[:255],
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:120],
        uploaded_by=user,
    )
    attachment.file.save(Path(upload.name).name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user: User) -> None:
    version = attachment.version
    _check_author(user, version.regulation.department)
    _check_editable(version)
    attachment.delete()


def version_check_submittable(*, version: RegulationVersion) -> None:
    """Refuse to submit a version without its text, its summary of changes or, for a
    procedure, its steps (called by the approval workflow before ``submit``)."""
    if not version.body.strip():
        raise ApplicationError(_("Write the text before submitting."), field="body")
    if not version.summary_of_changes.strip():
        raise ApplicationError(
            _("Summarise the changes of this version before submitting."),
            field="summary_of_changes",
        )
    if version.regulation.kind == Regulation.Kind.PROCEDURE and not version.steps.exists():
        raise ApplicationError(_("A procedure needs at least one step."), field="steps")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def version_after_publish(*, version: RegulationVersion, user: User) -> None:
    """The version is now in force: the one before is superseded, the review date is set, and
    its audience is asked to acknowledge it (after commit)."""
    regulation = Regulation.objects.select_for_update().get(pk=version.regulation_id)
    previous = regulation.current_version
    if previous is not None and previous.pk != version.pk and previous.status == State.PUBLISHED:
        supersede(obj=previous, user=user)
    regulation.current_version = version
    regulation.latest_version = version
    regulation.next_review_date = add_months(
        timezone.localdate(), regulation.review_interval_months
    )
    regulation.save_without_historical_record(
        update_fields=["current_version", "latest_version", "next_review_date"]
    )

    recipients = list(audience_users(regulation))
    title = format_lazy(
        gettext_lazy("Please read and acknowledge: {title} (version {number})"),
        title=regulation.title,
        number=version.number,
    )
    body = version.summary_of_changes
    url = regulation.get_absolute_url()
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients,
            title=title,
            body=body,
            url=url,
            key=f"regulation-ack-request:{version.pk}",
        )
    )


def version_after_archive(*, version: RegulationVersion) -> None:
    """Archiving the version in force takes the regulation out of force."""
    regulation = Regulation.objects.select_for_update().get(pk=version.regulation_id)
    if regulation.current_version_id == version.pk:
        regulation.current_version = None
        regulation.next_review_date = None
        regulation.save(update_fields=["current_version", "next_review_date"])
    elif regulation.latest_version_id == version.pk and regulation.current_version_id:
        # An abandoned draft: the version in force is again the latest one to work from.
        regulation.latest_version_id = regulation.current_version_id
        regulation.save_without_historical_record(update_fields=["latest_version"])


@transaction.atomic
def acknowledgement_record(*, regulation: Regulation, user: User) -> Acknowledgement:
    """``user`` has read the version in force; acknowledging twice keeps the first time."""
    from operations.audience import audience_condition

    regulation = Regulation.objects.select_related("current_version").get(pk=regulation.pk)
    version = regulation.current_version
    if version is None:
        raise ApplicationError(_("This regulation has no version in force to acknowledge."))
    if not Regulation.objects.filter(pk=regulation.pk).filter(audience_condition(user)).exists():
        raise NotAllowed(_("This regulation is not addressed to you."))
    acknowledgement, _created = Acknowledgement.objects.get_or_create(version=version, user=user)
    return acknowledgement


def _pending_acknowledgers(version: RegulationVersion):
    return audience_users(version.regulation).exclude(
        Exists(Acknowledgement.objects.filter(version=version, user=OuterRef("pk")))
    )


def reminders_send(*, today: date) -> dict[str, int]:
    """The daily reminders: versions in force left unacknowledged for N days, and reviews
    falling due. Each reminder is keyed, so running this twice sends each one once."""
    after = settings.REGULATION_ACK_REMINDER_DAYS
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=after), time.min))
    sent_ack = 0
    versions = RegulationVersion.objects.filter(
        status=State.PUBLISHED, published_at__lt=cutoff
    ).select_related("regulation")
    for version in versions:
        regulation = version.regulation
        sent_ack += len(
            notification_send(
                recipients=_pending_acknowledgers(version),
                title=format_lazy(
                    gettext_lazy("Reminder: please acknowledge {title} (version {number})"),
                    title=regulation.title,
                    number=version.number,
                ),
                url=regulation.get_absolute_url(),
                level="warning",
                key=f"regulation-ack-reminder:{version.pk}",
            )
        )
    sent_review = 0
    due = Regulation.objects.due_for_review(today).select_related("owner")
    for regulation in due:
        sent_review += len(
            notification_send(
                recipients=[regulation.owner],
                # Composed in each recipient's language, the date in its local format.
                title=lambda regulation=regulation: gettext(
                    "{title} is due for review on {date}"
                ).format(title=regulation.title, date=date_format(regulation.next_review_date)),
                url=regulation.get_absolute_url(),
                level="warning",
                key=f"regulation-review:{regulation.pk}:{regulation.next_review_date.isoformat()}",
            )
        )
    return {"acknowledgement": sent_ack, "review": sent_review}
