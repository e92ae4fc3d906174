"""Coordination requests between departments: create, the moves, comments, attachments,
reassignment by the COO, service levels, reminders, the matrix and per-department figures.

Each move checks the status and who asks, records a :class:`CoordinationUpdate` and notifies the
other side after commit. Refusals are ApplicationError (400), NotAllowed (403) or NotFound (404);
nothing is written when a move is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import (
    CoordinationAttachment,
    CoordinationRequest,
    CoordinationUpdate,
    ServiceLevel,
)
from organization.models import Department, User
from organization.roles import Role, has_role
from organization.scoping import scope_of
from organization.services.notifications import notification_send

Status = CoordinationRequest.Status

# -- service levels -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    response_hours: int
    resolution_days: int


def service_levels() -> dict[str, Target]:
    """The targets per priority: the COO's settings, or the defaults for a priority without."""
    targets = {p: Target(*values) for p, values in ServiceLevel.DEFAULTS.items()}
    for row in ServiceLevel.objects.all():
        targets[row.priority] = Target(row.response_hours, row.resolution_days)
    return targets


@transaction.atomic
def service_level_set(
    *, user: User, priority: str, response_hours: int, resolution_days: int
) -> ServiceLevel:
    """The COO sets the targets of one priority."""
    if not has_role(user, Role.COO):
        raise NotAllowed(_("Only the COO sets the service levels."))
    if priority not in ServiceLevel.DEFAULTS:
        raise ApplicationError(_("Choose a priority from the list."), field="priority")
    try:
        response_hours, resolution_days = int(response_hours), int(resolution_days)
    except (TypeError, ValueError):
        raise ApplicationError(_("Give whole numbers of hours and days.")) from None
    if not 1 <= response_hours <= 720:
        raise ApplicationError(
            _("First response is between 1 and 720 hours."), field="response_hours"
        )
    if not 1 <= resolution_days <= 365:
        raise ApplicationError(_("Resolution is between 1 and 365 days."), field="resolution_days")
    if response_hours > resolution_days * 24:
        raise ApplicationError(
            _("The first response cannot be due after the resolution."), field="response_hours"
        )
    level, _created = ServiceLevel.objects.update_or_create(
        priority=priority,
        defaults={"response_hours": response_hours, "resolution_days": resolution_days},
    )
    return level


# -- who is on which side -----------------------------------------------------------------------


def _departments_of(user: User) -> set[int]:
    scope = scope_of(user)
    ids = set(scope.department_ids)
    if scope.own_department_id is not None:
        ids.add(scope.own_department_id)
    return ids


def may_request_from(user: User, department: Department | None) -> bool:
    """Heads and managers ask on behalf of a department they belong to or oversee; the COO on
    behalf of any department."""
    if department is None:
        return False
    if has_role(user, Role.COO):
        return True
    return has_role(user, Role.DEPARTMENT_HEAD, Role.MANAGER) and department.pk in (
        _departments_of(user)
    )


def is_requester_side(user: User, request: CoordinationRequest) -> bool:
    return request.requested_by_id == user.pk or (
        has_role(user, Role.DEPARTMENT_HEAD, Role.MANAGER)
        and request.from_department_id in _departments_of(user)
    )


def is_receiver_side(user: User, request: CoordinationRequest) -> bool:
    return request.handler_id == user.pk or (
        has_role(user, Role.DEPARTMENT_HEAD, Role.MANAGER)
        and request.to_department_id in _departments_of(user)
    )


def may_step_in(user: User) -> bool:
    """The COO sees everything and may act for either side."""
    return has_role(user, Role.COO)


RECEIVER_MOVES = {
    "accept": ((Status.OPEN,), Status.ACCEPTED),
    "decline": ((Status.OPEN, Status.ACCEPTED), Status.DECLINED),
    "start": ((Status.OPEN, Status.ACCEPTED), Status.IN_PROGRESS),
    "resolve": ((Status.ACCEPTED, Status.IN_PROGRESS), Status.RESOLVED),
}
REQUESTER_MOVES = {
    "close": ((Status.RESOLVED,), Status.CLOSED),
    "reopen": ((Status.RESOLVED, Status.DECLINED), Status.OPEN),
}
MOVES = {**RECEIVER_MOVES, **REQUESTER_MOVES}
#: Moves that need a text, and the field it is kept in.
TEXT_REQUIRED = {"decline": "reason", "resolve": "resolution", "reopen": "reason"}


def allowed_moves(user: User, request: CoordinationRequest) -> set[str]:
    """What ``user`` may do to ``request`` now (buttons and the API; the service re-checks)."""
    moves: set[str] = set()
    coo = may_step_in(user)
    receiver = coo or is_receiver_side(user, request)
    requester = coo or is_requester_side(user, request)
    for move, (sources, _target) in RECEIVER_MOVES.items():
        if receiver and request.status in sources:
            moves.add(move)
    for move, (sources, _target) in REQUESTER_MOVES.items():
        if requester and request.status in sources:
            moves.add(move)
    if request.status != Status.CLOSED and (receiver or requester):
        moves.update({"comment", "attach"})
    if coo and request.status in CoordinationRequest.ACTIVE:
        moves.add("reassign")
    return moves


def _receiver_users(request: CoordinationRequest) -> list[User]:
    if request.handler_id is not None:
        return [request.handler]
    head = request.to_department.head
    return [head.user] if head is not None and head.user.is_active else []


def _requester_users(request: CoordinationRequest) -> list[User]:
    return [request.requested_by]


def _notify(
    request: CoordinationRequest, recipients: Iterable[User], title, *, body="", level="info"
):
    recipients = [u for u in recipients if u is not None]
    url = request.get_absolute_url()
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients, title=title, body=body, url=url, level=level
        )
    )


def _record(request, *, user, source: str = "", text: str = "") -> CoordinationUpdate:
    return CoordinationUpdate.objects.create(
        request=request,
        author=user,
        from_status=source,
        to_status=request.status if source or not text else "",
        text=text,
    )


def _lock(request: CoordinationRequest, user: User) -> CoordinationRequest:
    if not CoordinationRequest.objects.for_user(user).filter(pk=request.pk).exists():
        raise NotFound(_("Not found."))
    return (
        CoordinationRequest.objects.select_for_update(of=("self",))
        .select_related("from_department", "to_department__head__user", "requested_by", "handler")
        .get(pk=request.pk)
    )


# -- writes -------------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    user: User,
    to_department: Department | None,
    subject: str,
    needed_by: dt.date,
    details: str = "",
    priority: str = "normal",
    from_department: Department | None = None,
) -> CoordinationRequest:
    """One department asks another; the due times follow the service level of the priority."""
    if from_department is None:
        person = getattr(user, "person", None)
        from_department = person.department if person is not None else None
    if from_department is None:
        raise ApplicationError(_("Choose the department asking."), field="from_department")
    if not may_request_from(user, from_department):
        raise NotAllowed(_("Only heads and managers ask on behalf of their department."))
    if to_department is None:
        raise ApplicationError(_("Choose the department asked."), field="to_department")
    if to_department.pk == from_department.pk:
        raise ApplicationError(
            _("A department does not send a request to itself."), field="to_department"
        )
    if not to_department.active:
        raise ApplicationError(
            _("%(department)s is no longer active.") % {"department": to_department.name},
            field="to_department",
        )
    if not (subject or "").strip():
        raise ApplicationError(_("Give the request a subject."), field="subject")
    if needed_by is None or needed_by < timezone.localdate():
        raise ApplicationError(_("The needed-by date cannot be in the past."), field="needed_by")
    targets = service_levels()
    if priority not in targets:
        raise ApplicationError(_("Choose a priority from the list."), field="priority")
    now = timezone.now()
    target = targets[priority]
    request = CoordinationRequest.objects.create(
        from_department=from_department,
        to_department=to_department,
        subject=subject.strip(),
        details=(details or "").strip(),
        needed_by=needed_by,
        priority=priority,
        requested_by=user,
        response_due_at=now + dt.timedelta(hours=target.response_hours),
        resolution_due_at=now + dt.timedelta(days=target.resolution_days),
    )
    _record(request, user=user)
    request = _lock(request, user)
    _notify(
        request,
        _receiver_users(request),
        lambda: gettext("Request from {department}: {subject}").format(
            department=request.from_department.name, subject=request.subject
        ),
        body=request.details,
        level="warning" if priority in ("high", "urgent") else "info",
    )
    return request


NOTIFY = {
    "accept": gettext_noop("Accepted: {subject}"),
    "decline": gettext_noop("Declined: {subject}"),
    "start": gettext_noop("Work started: {subject}"),
    "resolve": gettext_noop("Resolved, please confirm: {subject}"),
    "close": gettext_noop("Closed by the requester: {subject}"),
    "reopen": gettext_noop("Reopened by the requester: {subject}"),
}


@transaction.atomic
def request_move(
    *, request: CoordinationRequest, user: User, move: str, text: str = ""
) -> CoordinationRequest:
    """accept, decline (reason), start, resolve (resolution) — the receiving side;
    close, reopen (reason) — the requesting side. The COO may make any of them."""
    if move not in MOVES:
        raise ApplicationError(_("Unknown action: %(action)s.") % {"action": move})
    request = _lock(request, user)
    if move not in allowed_moves(user, request):
        receiver_move = move in RECEIVER_MOVES
        on_side = (
            is_receiver_side(user, request) if receiver_move else is_requester_side(user, request)
        ) or may_step_in(user)
        if not on_side:
            raise NotAllowed(
                _("Only the department asked may do this.")
                if receiver_move
                else _("Only the department that asked may do this.")
            )
        raise ApplicationError(
            _("This cannot be done to a request that is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )
    text = (text or "").strip()
    if move in TEXT_REQUIRED and not text:
        messages = {
            "decline": _("Give the reason for declining."),
            "resolve": _("Say how it was resolved."),
            "reopen": _("Say why it is reopened."),
        }
        raise ApplicationError(messages[move], field=TEXT_REQUIRED[move])
    source = request.status
    now = timezone.now()
    request.status = MOVES[move][1]
    if move == "reopen" and source == Status.RESOLVED:
        # Work resumes where it stopped; a declined request goes back to the queue as new.
        request.status = Status.IN_PROGRESS
    if move in RECEIVER_MOVES and request.first_response_at is None:
        request.first_response_at = now
    if move in ("accept", "start") and request.handler_id is None and not may_step_in(user):
        request.handler = user
    if move == "decline":
        request.decline_reason = text
    elif move == "resolve":
        request.resolution, request.resolved_at = text, now
    elif move == "close":
        request.closed_at = now
    elif move == "reopen":
        request.reopen_count += 1
        request.resolved_at = None
        request.decline_reason = ""
    request.save()
    _record(request, user=user, source=source, text=text)
    others = _requester_users(request) if move in RECEIVER_MOVES else _receiver_users(request)
    template = NOTIFY[move]
    _notify(
        request,
        [u for u in others if u.pk != user.pk],
        lambda: gettext(template).format(subject=request.subject),
        body=text,
        level="warning" if move in ("decline", "reopen") else "info",
    )
    return request


@transaction.atomic
def request_comment(*, request: CoordinationRequest, user: User, text: str) -> CoordinationUpdate:
    """A message in the request's thread; the other side is told."""
    request = _lock(request, user)
    if "comment" not in allowed_moves(user, request):
        if request.status == Status.CLOSED:
            raise ApplicationError(_("A closed request cannot be changed."))
        raise NotAllowed(_("Only the two departments and the COO may comment."))
    if not (text or "").strip():
        raise ApplicationError(_("Write the comment."), field="text")
    update = CoordinationUpdate.objects.create(request=request, author=user, text=text.strip())
    recipients = set(_receiver_users(request)) | set(_requester_users(request))
    _notify(
        request,
        [u for u in recipients if u.pk != user.pk],
        lambda: gettext("{name} commented on {subject}").format(
            name=user.display_name, subject=request.subject
        ),
        body=update.text,
    )
    return update


@transaction.atomic
def request_reassign(
    *,
    request: CoordinationRequest,
    user: User,
    to_department: Department | None = None,
    handler: User | None = None,
    note: str = "",
) -> CoordinationRequest:
    """The COO sends an active request to another department and/or names who handles it."""
    request = _lock(request, user)
    if not may_step_in(user):
        raise NotAllowed(_("Only the COO reassigns requests."))
    if request.status not in CoordinationRequest.ACTIVE:
        raise ApplicationError(
            _("This cannot be done to a request that is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )
    if to_department is None and handler is None:
        raise ApplicationError(_("Choose a department or a person."), field="to_department")
    changes = []
    if to_department is not None and to_department.pk != request.to_department_id:
        if to_department.pk == request.from_department_id:
            raise ApplicationError(
                _("A department does not send a request to itself."), field="to_department"
            )
        if not to_department.active:
            raise ApplicationError(
                _("%(department)s is no longer active.") % {"department": to_department.name},
                field="to_department",
            )
        changes.append(
            gettext("Sent to %(department)s instead of %(previous)s.")
            % {"department": to_department.name, "previous": request.to_department.name}
        )
        request.to_department = to_department
        request.handler = None
    if handler is not None:
        if not handler.is_active:
            raise ApplicationError(_("Choose an active person."), field="handler")
        request.handler = handler
        changes.append(gettext("Handled by %(name)s.") % {"name": handler.display_name})
    if not changes:
        raise ApplicationError(_("Nothing changes."), field="to_department")
    request.save()
    text = " ".join(changes + ([note.strip()] if note and note.strip() else []))
    CoordinationUpdate.objects.create(request=request, author=user, text=text)
    request = _lock(request, user)
    _notify(
        request,
        _receiver_users(request),
        lambda: gettext("Request assigned to you: {subject}").format(subject=request.subject),
        body=request.details,
    )
    return request


@transaction.atomic
def attachment_add(
    *, request: CoordinationRequest, user: User, upload: UploadedFile
) -> CoordinationAttachment:
    """Attach a file (PDF, Office or image, 20 MB at most) while the request is not closed."""
    from operations.services.regulations import validate_upload

    request = _lock(request, user)
    if "attach" not in allowed_moves(user, request):
        if request.status == Status.CLOSED:
            raise ApplicationError(_("A closed request cannot be changed."), field="file")
        raise NotAllowed(_("Only the two departments and the COO may attach files."))
    validate_upload(upload)
    name = Path(upload.name).name[:255]
    attachment = CoordinationAttachment(
        request=request,
        name=name,
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:120],
        uploaded_by=user,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    CoordinationUpdate.objects.create(
        request=request, author=user, text=gettext("Attached %(name)s.") % {"name": name}
    )
    return attachment


# -- reminders ----------------------------------------------------------------------------------


def reminders_send(*, today: dt.date) -> dict[str, int]:
    """Daily: the receiving side of each request past its response or resolution target, or
    past its needed-by date, is reminded once a day; the requester hears of a breach once."""
    now = timezone.now()
    counts = {"response_breached": 0, "resolution_breached": 0}
    breached = (
        CoordinationRequest.objects.active()
        .filter(
            Q(status=Status.OPEN, response_due_at__lt=now)
            | Q(resolution_due_at__lt=now)
            | Q(needed_by__lt=today)
        )
        .select_related("to_department__head__user", "handler", "requested_by")
    )
    for request in breached:
        response = request.status == Status.OPEN and request.response_due_at < now
        bucket = "response_breached" if response else "resolution_breached"
        title = (
            gettext_noop("No answer yet, past its target: {subject}")
            if response
            else gettext_noop("Past its resolution target: {subject}")
        )
        counts[bucket] += len(
            notification_send(
                recipients=_receiver_users(request),
                title=lambda t=title, r=request: gettext(t).format(subject=r.subject),
                url=request.get_absolute_url(),
                level="warning",
                key=f"coordination-breach:{request.pk}:{today.isoformat()}",
            )
        )
        notification_send(
            recipients=[request.requested_by],
            title=lambda r=request: gettext("Your request is past its target: {subject}").format(
                subject=r.subject
            ),
            url=request.get_absolute_url(),
            key=f"coordination-breach-requester:{request.pk}:{bucket}",
        )
    return counts


# -- reads: the matrix and the figures ----------------------------------------------------------


def open_matrix(queryset=None) -> tuple[list[Department], dict[tuple[int, int], int]]:
    """Open requests counted by (from department, to department), in two queries."""
    queryset = queryset if queryset is not None else CoordinationRequest.objects.all()
    counts = {
        (row["from_department_id"], row["to_department_id"]): row["n"]
        for row in queryset.active()
        .values("from_department_id", "to_department_id")
        .annotate(n=Count("pk"))
    }
    ids = {pk for pair in counts for pk in pair}
    departments = list(Department.objects.filter(Q(active=True) | Q(pk__in=ids)).order_by("name"))
    return departments, counts


def department_figures(
    *, since: dt.date, until: dt.date, department_ids: Iterable[int] | None = None
) -> dict[int, dict]:
    """Per receiving department, requests made between ``since`` and ``until`` (inclusive):
    ``received``, ``answered`` (a first response given), ``answered_in_time``,
    ``answered_in_time_pct`` (of those answered or past their response target, None when
    none), ``resolved`` and ``average_resolution`` (a timedelta, from request to resolution).

    One aggregate query; the monthly evaluation uses it.
    """
    now = timezone.now()
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    queryset = CoordinationRequest.objects.filter(created_at__gte=start, created_at__lt=end)
    if department_ids is not None:
        queryset = queryset.filter(to_department_id__in=list(department_ids))
    resolution_time = ExpressionWrapper(F("resolved_at") - F("created_at"), DurationField())
    rows = queryset.values("to_department_id").annotate(
        received=Count("pk"),
        answered=Count("pk", filter=Q(first_response_at__isnull=False)),
        answered_in_time=Count("pk", filter=Q(first_response_at__lte=F("response_due_at"))),
        measurable=Count(
            "pk", filter=Q(first_response_at__isnull=False) | Q(response_due_at__lt=now)
        ),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
        average_resolution=Avg(resolution_time, filter=Q(resolved_at__isnull=False)),
    )
    figures = {}
    for row in rows:
        measurable = row.pop("measurable")
        row["answered_in_time_pct"] = (
            round(100 * row["answered_in_time"] / measurable, 1) if measurable else None
        )
        figures[row.pop("to_department_id")] = row
    return figures
