"""The approval workflow's one service: ``transition``.

It locks the row, checks the state, the user's scope and permission, records the event and
notifies the next people after commit. A refused move raises an ApplicationError (400),
NotAllowed (403) or NotFound (404) with a clear message and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import Action, ApprovalEvent, State
from approvals.registry import registration_for
from core.exceptions import ApplicationError, NotAllowed, NotFound
from organization.models import User
from organization.services.notifications import notification_send


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    Action.SUBMIT: Transition(frozenset({State.DRAFT, State.RETURNED}), State.SUBMITTED),
    Action.APPROVE: Transition(frozenset({State.SUBMITTED}), State.APPROVED),
    Action.RETURN: Transition(frozenset({State.SUBMITTED}), State.RETURNED, note_required=True),
    Action.PUBLISH: Transition(frozenset({State.APPROVED}), State.PUBLISHED),
    Action.ARCHIVE: Transition(
        frozenset({State.DRAFT, State.RETURNED, State.APPROVED, State.PUBLISHED, State.SUPERSEDED}),
        State.ARCHIVED,
    ),
}
#: The actions a person can take (SUPERSEDE happens to an object when its successor publishes).
USER_ACTIONS = tuple(TRANSITIONS)

NOTIFY_TITLES = {
    Action.SUBMIT: gettext_lazy("Awaiting your approval: {item}"),
    Action.APPROVE: gettext_lazy("Approved: {item}"),
    Action.RETURN: gettext_lazy("Returned for changes: {item}"),
    Action.PUBLISH: gettext_lazy("Published: {item}"),
    Action.ARCHIVE: gettext_lazy("Archived: {item}"),
}


def available_actions(*, obj, user: User) -> list[str]:
    """The moves ``user`` may make on ``obj`` now (for showing buttons; the service re-checks)."""
    policy = registration_for(obj).policy
    return [
        action
        for action, move in TRANSITIONS.items()
        if obj.status in move.sources and policy.refusal(user, obj, action) is None
    ]


def _record(obj, *, action: str, source: str, user: User | None, note: str) -> ApprovalEvent:
    from django.contrib.contenttypes.models import ContentType

    return ApprovalEvent.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        action=action,
        from_state=source,
        to_state=obj.status,
        actor=user,
        note=note,
    )


def transition(*, obj, action: str, user: User, note: str = ""):
    """Move ``obj`` by ``action`` on behalf of ``user``; returns the updated object."""
    if action not in TRANSITIONS:
        raise ApplicationError(_("Unknown action: %(action)s.") % {"action": action})
    move = TRANSITIONS[action]
    registration = registration_for(obj)
    model = registration.model
    note = (note or "").strip()
    with transaction.atomic():
        if not model.objects.for_user(user).filter(pk=obj.pk).exists():
            raise NotFound(_("Not found."))
        locked = model.objects.select_for_update().get(pk=obj.pk)
        if locked.status not in move.sources:
            raise ApplicationError(
                _("This item is %(state)s: it cannot be moved by “%(action)s”.")
                % {"state": locked.get_status_display().lower(), "action": Action(action).label}
            )
        refusal = registration.policy.refusal(user, locked, action)
        if refusal:
            raise NotAllowed(refusal)
        if move.note_required and not note:
            raise ApplicationError(_("Give the reason for returning it."), field="note")
        locked.check_transition(action=action, user=user)

        source = locked.status
        now = timezone.now()
        locked.status = move.target
        if action == Action.SUBMIT:
            locked.submitted_by, locked.submitted_at = user, now
            locked.decided_by, locked.decided_at, locked.decision_note = None, None, ""
        elif action in (Action.APPROVE, Action.RETURN):
            locked.decided_by, locked.decided_at, locked.decision_note = user, now, note
        elif action == Action.PUBLISH:
            locked.published_at = now
        locked.save()
        _record(locked, action=action, source=source, user=user, note=note)
        locked.after_transition(action=action, user=user)

        recipients = list(registration.policy.next_people(locked, action).exclude(pk=user.pk))
        if recipients:
            title = format_lazy(NOTIFY_TITLES[action], item=str(locked))
            url = locked.get_absolute_url()
            level = "warning" if action in (Action.SUBMIT, Action.RETURN) else "info"
            transaction.on_commit(
                lambda: notification_send(
                    recipients=recipients, title=title, body=note, url=url, level=level
                )
            )
    return locked


def supersede(*, obj, user: User | None) -> None:
    """Mark a published object superseded by its successor (called from a model's hook)."""
    source = obj.status
    obj.status = State.SUPERSEDED
    obj.save(update_fields=["status"])
    _record(obj, action=Action.SUPERSEDE, source=source, user=user, note="")


def events_for(obj) -> list[ApprovalEvent]:
    from django.contrib.contenttypes.models import ContentType

    return list(
        ApprovalEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        ).select_related("actor")
    )
