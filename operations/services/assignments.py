"""Writes of ad hoc assignments: create, start, complete, confirm, reopen, cancel, comment.

Each move checks the current status and who asks, records an :class:`AssignmentUpdate` and
notifies the other side after commit. Refusals are ApplicationError (400) or NotAllowed (403);
nothing is written when a move is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotAllowed
from operations.models import Assignment, AssignmentAttachment, AssignmentUpdate
from operations.services.regulations import validate_upload
from organization.models import Department, User
from organization.roles import Role, has_role
from organization.services.notifications import notification_send

Status = Assignment.Status


def may_assign(user) -> bool:
    """Only the CEO and the COO give ad hoc assignments."""
    return bool(user and user.is_authenticated and has_role(user, Role.CEO, Role.COO))


def is_assignee_side(user, assignment: Assignment) -> bool:
    """The assignee, or a member of the assigned department (heads of a parent too)."""
    from organization.scoping import scope_of

    if assignment.assignee_id is not None:
        return assignment.assignee_id == user.pk
    scope = scope_of(user)
    return assignment.department_id == scope.own_department_id or (
        not scope.company_wide and assignment.department_id in scope.department_ids
    )


def is_assigner(user, assignment: Assignment) -> bool:
    return assignment.assigned_by_id == user.pk


def allowed_moves(user, assignment: Assignment) -> set[str]:
    """The moves ``user`` may make on ``assignment`` now (for the buttons and the API)."""
    moves: set[str] = set()
    side = is_assignee_side(user, assignment)
    assigner = is_assigner(user, assignment)
    if side and assignment.status == Status.OPEN:
        moves.add("start")
    if side and assignment.status in Assignment.ACTIVE:
        moves.add("complete")
    if assigner and assignment.status == Status.DONE:
        moves.update({"confirm", "reopen"})
    if assigner and assignment.status in Assignment.ACTIVE:
        moves.add("cancel")
    if side or assigner:
        moves.add("comment")
    return moves


def _assignee_side_users(assignment: Assignment) -> list[User]:
    if assignment.assignee_id is not None:
        return [assignment.assignee]
    department = assignment.department
    users = list(
        User.objects.filter(is_active=True, person__department=department, person__active=True)
    )
    if department.head_id is not None:
        users.append(department.head.user)
    return users


def _notify(assignment: Assignment, recipients: Iterable[User], title) -> None:
    recipients = list(recipients)
    url = assignment.get_absolute_url()
    transaction.on_commit(lambda: notification_send(recipients=recipients, title=title, url=url))


def _record(
    assignment: Assignment, *, user: User, from_status: str = "", text: str = ""
) -> AssignmentUpdate:
    kind = AssignmentUpdate.Kind.STATUS if from_status else AssignmentUpdate.Kind.COMMENT
    return AssignmentUpdate.objects.create(
        assignment=assignment,
        author=user,
        kind=kind,
        from_status=from_status,
        to_status=assignment.status if from_status else "",
        text=text,
    )


def _lock(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("assigned_by", "assignee", "department__head__user")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def assignment_create(
    *,
    user: User,
    title: str,
    due_date: date,
    description: str = "",
    priority: str = Assignment.Priority.NORMAL,
    assignee: User | None = None,
    department: Department | None = None,
    decision=None,
) -> Assignment:
    """Give a task to one person or one department; only the CEO or the COO may."""
    if not may_assign(user):
        raise NotAllowed(_("Only the CEO or the COO may give assignments."))
    if not title.strip():
        raise ApplicationError(_("Give the assignment a title."), field="title")
    if (assignee is None) == (department is None):
        raise ApplicationError(
            _("Assign it to one person or to one department, not both and not neither."),
            field="assignee",
        )
    if assignee is not None and not assignee.is_active:
        raise ApplicationError(
            _("%(name)s is no longer active.") % {"name": assignee.display_name},
            field="assignee",
        )
    if department is not None and not department.active:
        raise ApplicationError(
            _("%(department)s is no longer active.") % {"department": department.name},
            field="department",
        )
    if due_date < timezone.localdate():
        raise ApplicationError(_("The due date cannot be in the past."), field="due_date")
    if priority not in Assignment.Priority.values:
        raise ApplicationError(_("Choose a priority from the list."), field="priority")
    assignment = Assignment.objects.create(
        title=title.strip(),
        description=description.strip(),
        priority=priority,
        due_date=due_date,
        assigned_by=user,
        from_ceo=has_role(user, Role.CEO),
        assignee=assignee,
        department=department,
        decision=decision,
    )
    AssignmentUpdate.objects.create(
        assignment=assignment,
        author=user,
        kind=AssignmentUpdate.Kind.STATUS,
        to_status=Status.OPEN,
    )
    if department is not None:
        assignment = _lock(assignment)
    _notify(
        assignment,
        _assignee_side_users(assignment),
        lambda: gettext("New assignment from {name}: {title}").format(
            name=user.display_name, title=assignment.title
        ),
    )
    return assignment


def _move(
    assignment: Assignment,
    *,
    user: User,
    move: str,
    to: str,
    text: str = "",
) -> Assignment:
    assignment = _lock(assignment)
    if move not in allowed_moves(user, assignment):
        _refuse(user, assignment, move)
    previous = assignment.status
    assignment.status = to
    now = timezone.now()
    if to == Status.DONE:
        assignment.done_at = now
    elif to == Status.CLOSED:
        assignment.closed_at = now
    elif move == "reopen":
        assignment.done_at = None
        assignment.reopen_count += 1
    assignment.save()
    _record(assignment, user=user, from_status=previous, text=text)
    return assignment


def _refuse(user, assignment: Assignment, move: str) -> None:
    needs_assigner = move in ("confirm", "reopen", "cancel")
    if needs_assigner and not is_assigner(user, assignment):
        raise NotAllowed(_("Only the person who assigned it may do this."))
    if not needs_assigner and not is_assignee_side(user, assignment):
        raise NotAllowed(_("Only the assignee or the assigned department may do this."))
    raise ApplicationError(
        _("This cannot be done to an assignment that is %(status)s.")
        % {"status": assignment.get_status_display().lower()}
    )


def _title(template: str, assignment: Assignment):
    return lambda: gettext(template).format(title=assignment.title)


@transaction.atomic
def assignment_start(*, assignment: Assignment, user: User) -> Assignment:
    """The assignee side starts working: open -> in progress."""
    assignment = _move(assignment, user=user, move="start", to=Status.IN_PROGRESS)
    _notify(
        assignment,
        [assignment.assigned_by],
        _title(gettext_noop("Work started on {title}"), assignment),
    )
    return assignment


@transaction.atomic
def assignment_complete(*, assignment: Assignment, user: User, note: str = "") -> Assignment:
    """The assignee side says it is done; the assigner is asked to confirm."""
    assignment = _move(assignment, user=user, move="complete", to=Status.DONE, text=note.strip())
    _notify(
        assignment,
        [assignment.assigned_by],
        _title(gettext_noop("{title} is done: please confirm"), assignment),
    )
    return assignment


@transaction.atomic
def assignment_confirm(*, assignment: Assignment, user: User) -> Assignment:
    """The assigner confirms the work: done -> closed."""
    assignment = _move(assignment, user=user, move="confirm", to=Status.CLOSED)
    _notify(
        assignment,
        _assignee_side_users(assignment),
        _title(gettext_noop("{title} was closed"), assignment),
    )
    return assignment


@transaction.atomic
def assignment_reopen(*, assignment: Assignment, user: User, reason: str) -> Assignment:
    """The assigner sends a done task back to work, saying why: done -> in progress."""
    if not reason.strip():
        raise ApplicationError(_("Say why it is reopened."), field="reason")
    assignment = _move(
        assignment, user=user, move="reopen", to=Status.IN_PROGRESS, text=reason.strip()
    )
    _notify(
        assignment,
        _assignee_side_users(assignment),
        _title(gettext_noop("{title} was reopened"), assignment),
    )
    return assignment


@transaction.atomic
def assignment_cancel(*, assignment: Assignment, user: User, reason: str = "") -> Assignment:
    """The assigner calls the task off while it is open or in progress."""
    assignment = _move(assignment, user=user, move="cancel", to=Status.CANCELLED, text=reason)
    _notify(
        assignment,
        _assignee_side_users(assignment),
        _title(gettext_noop("{title} was cancelled"), assignment),
    )
    return assignment


@transaction.atomic
def assignment_comment(*, assignment: Assignment, user: User, text: str) -> AssignmentUpdate:
    """A note from either side, kept in the timeline; the other side is told."""
    assignment = _lock(assignment)
    if "comment" not in allowed_moves(user, assignment):
        raise NotAllowed(_("Only the assigner and the assignee side may comment."))
    if not text.strip():
        raise ApplicationError(_("Write the comment."), field="text")
    update = _record(assignment, user=user, text=text.strip())
    others = (
        _assignee_side_users(assignment)
        if is_assigner(user, assignment)
        else [assignment.assigned_by]
    )
    _notify(
        assignment,
        [u for u in others if u.pk != user.pk],
        lambda: gettext("{name} commented on {title}").format(
            name=user.display_name, title=assignment.title
        ),
    )
    return update


@transaction.atomic
def assignment_attachment_add(
    *, assignment: Assignment, user: User, upload: UploadedFile
) -> AssignmentAttachment:
    """Attach a file (PDF, Office or image, 20 MB at most) while the task is not finished."""
    assignment = _lock(assignment)
    if "comment" not in allowed_moves(user, assignment):
        raise NotAllowed(_("Only the assigner and the assignee side may attach files."))
    if assignment.status in (Status.CLOSED, Status.CANCELLED):
        raise ApplicationError(
            _("Files cannot be attached to an assignment that is %(status)s.")
            % {"status": assignment.get_status_display().lower()},
            field="file",
        )
    validate_upload(upload)
    name = Path(upload.name).name[:255]
    attachment = AssignmentAttachment(
        assignment=assignment,
        name=name,
        size=upload.size,
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:120],
        uploaded_by=user,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _record(assignment, user=user, text=_("Attached %(name)s.") % {"name": name})
    return attachment


def reminders_send(*, today: date) -> dict[str, int]:
    """Daily: remind the assignee side of each overdue assignment, once per assignment a day."""
    sent = 0
    overdue = Assignment.objects.overdue(today).select_related("assignee", "department__head__user")
    for assignment in overdue:
        sent += len(
            notification_send(
                recipients=_assignee_side_users(assignment),
                title=lambda a=assignment: gettext("Overdue since {date}: {title}").format(
                    date=date_format(a.due_date), title=a.title
                ),
                url=assignment.get_absolute_url(),
                level="warning",
                key=f"assignment-overdue:{assignment.pk}:{today.isoformat()}",
            )
        )
    return {"overdue": sent}


def digest_lines(*, today: date) -> list[str]:
    """The weekly digest's body: open and overdue assignments, by assigner (fixed queries)."""
    active = list(Assignment.objects.active().with_people().order_by("due_date", "pk"))
    overdue = [a for a in active if a.due_date < today]
    lines = [
        gettext("Open assignments: %(count)d.") % {"count": len(active)},
        gettext("Overdue: %(count)d.") % {"count": len(overdue)},
        "",
    ]
    for a in overdue:
        lines.append(
            f"  - {a.title} ({a.target_label}, {date_format(a.due_date)}, "
            f"{a.assigned_by.display_name})"
        )
    done_waiting = Assignment.objects.filter(status=Status.DONE).count()
    lines += ["", gettext("Done, awaiting confirmation: %(count)d.") % {"count": done_waiting}]
    return lines
