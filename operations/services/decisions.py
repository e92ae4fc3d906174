"""Escalations to the CEO and the CEO's decisions.

The COO escalates (from scratch, or from a coordination request, an action item or an
assignment); only the CEO decides, asks for more information or defers. Every step is logged as a
:class:`DecisionEvent`; a decision may create follow-up assignments in the same transaction.
Refusals are ApplicationError (400), NotAllowed (403) or NotFound (404); nothing partial is
written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotAllowed, NotFound
from operations.models import (
    ActionItem,
    Assignment,
    CoordinationRequest,
    DecisionEvent,
    DecisionOption,
    DecisionRequest,
)
from organization.models import Department, User
from organization.roles import Role, has_role
from organization.services.notifications import notification_send

Status = DecisionRequest.Status
Event = DecisionEvent.Action


def may_escalate(user: User) -> bool:
    return bool(user and user.is_authenticated and has_role(user, Role.COO))


def may_decide(user: User) -> bool:
    return bool(user and user.is_authenticated and has_role(user, Role.CEO))


def allowed_moves(user: User, decision: DecisionRequest) -> set[str]:
    moves: set[str] = set()
    if decision.status == Status.DECIDED:
        return moves
    if may_decide(user):
        moves.update({"decide", "defer"})
        if decision.status != Status.INFO_REQUESTED:
            moves.add("request_info")
    if may_escalate(user) and decision.status == Status.INFO_REQUESTED:
        moves.add("provide_info")
    return moves


@dataclass(frozen=True)
class OptionData:
    title: str
    pros: str = ""
    cons: str = ""


@dataclass(frozen=True)
class FollowUp:
    """A follow-up assignment to create with the decision."""

    title: str
    due_date: dt.date
    assignee: User | None = None
    department: Department | None = None
    priority: str = "normal"
    description: str = ""


def clean_options(options: Iterable) -> list[OptionData]:
    """Options from dicts (``title``, ``pros``, ``cons``) or OptionData; blank rows dropped."""
    cleaned = []
    for option in options or []:
        if isinstance(option, OptionData):
            data = option
        elif isinstance(option, dict):
            data = OptionData(
                title=str(option.get("title") or "").strip(),
                pros=str(option.get("pros") or "").strip(),
                cons=str(option.get("cons") or "").strip(),
            )
        else:
            raise ApplicationError(_("Each option has a title, pros and cons."), field="options")
        if not data.title and not data.pros and not data.cons:
            continue
        if not data.title:
            raise ApplicationError(_("Give every option a title."), field="options")
        if len(data.title) > 200:
            raise ApplicationError(_("Option titles are 200 characters at most."), field="options")
        cleaned.append(data)
    if not cleaned:
        raise ApplicationError(_("Give the CEO at least one option."), field="options")
    if len(cleaned) > 10:
        raise ApplicationError(_("Ten options at most."), field="options")
    return cleaned


def _record(decision: DecisionRequest, action: str, user: User | None, note: str = "") -> None:
    DecisionEvent.objects.create(decision=decision, action=action, actor=user, note=note)


def _people(*roles: str) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name__in=roles).distinct())


def _notify(decision: DecisionRequest, recipients, title, *, body="", level="info") -> None:
    recipients = list(recipients)
    url = decision.get_absolute_url()
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients, title=title, body=body, url=url, level=level
        )
    )


def _check_source(user: User, model, obj):
    if obj is None:
        return None
    if not model.objects.for_user(user).filter(pk=obj.pk).exists():
        raise NotFound(_("Not found."))
    return obj


@transaction.atomic
def decision_create(
    *,
    user: User,
    title: str,
    context: str,
    options: Sequence,
    deadline: dt.date,
    recommendation: str = "",
    department: Department | None = None,
    coordination_request: CoordinationRequest | None = None,
    action_item: ActionItem | None = None,
    assignment: Assignment | None = None,
) -> DecisionRequest:
    """The COO brings a problem to the CEO for decision."""
    if not may_escalate(user):
        raise NotAllowed(_("Only the COO escalates problems to the CEO."))
    if not (title or "").strip():
        raise ApplicationError(_("Give the decision request a title."), field="title")
    if not (context or "").strip():
        raise ApplicationError(_("Describe the problem and its context."), field="context")
    if deadline is None or deadline < timezone.localdate():
        raise ApplicationError(_("The deadline cannot be in the past."), field="deadline")
    cleaned = clean_options(options)
    _check_source(user, CoordinationRequest, coordination_request)
    _check_source(user, ActionItem, action_item)
    _check_source(user, Assignment, assignment)
    if department is None:
        if coordination_request is not None:
            department = coordination_request.to_department
        elif action_item is not None:
            department = action_item.department
        elif assignment is not None and assignment.department_id:
            department = assignment.department
    decision = DecisionRequest.objects.create(
        title=title.strip(),
        context=context.strip(),
        recommendation=(recommendation or "").strip(),
        deadline=deadline,
        department=department,
        requested_by=user,
        coordination_request=coordination_request,
        action_item=action_item,
        assignment=assignment,
    )
    DecisionOption.objects.bulk_create(
        DecisionOption(decision=decision, order=i, title=o.title, pros=o.pros, cons=o.cons)
        for i, o in enumerate(cleaned, start=1)
    )
    _record(decision, Event.ESCALATED, user)
    _notify(
        decision,
        _people(Role.CEO),
        lambda: gettext("Decision needed by {date}: {title}").format(
            date=date_format(decision.deadline), title=decision.title
        ),
        body=decision.context,
        level="warning",
    )
    return decision


def _lock(decision: DecisionRequest, user: User) -> DecisionRequest:
    if not DecisionRequest.objects.for_user(user).filter(pk=decision.pk).exists():
        raise NotFound(_("Not found."))
    return (
        DecisionRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by")
        .get(pk=decision.pk)
    )


def _require(user: User, decision: DecisionRequest, move: str) -> None:
    if move in allowed_moves(user, decision):
        return
    ceo_move = move in ("decide", "defer", "request_info")
    if ceo_move and not may_decide(user):
        raise NotAllowed(_("Only the CEO decides."))
    if not ceo_move and not may_escalate(user):
        raise NotAllowed(_("Only the COO answers the CEO's questions."))
    raise ApplicationError(
        _("This cannot be done to a decision request that is %(status)s.")
        % {"status": decision.get_status_display().lower()}
    )


def _option(decision: DecisionRequest, option) -> DecisionOption:
    """``option`` is a DecisionOption of this request, its 1-based index, or its id.

    A small number is read as the index (as the CEO sees the options numbered); ids are
    larger than the number of options except on a new database, where they coincide."""
    options = list(decision.options.all())
    if isinstance(option, DecisionOption):
        chosen = next((o for o in options if o.pk == option.pk), None)
    else:
        try:
            number = int(option)
        except (TypeError, ValueError):
            number = None
        chosen = None
        if number is not None and 1 <= number <= len(options):
            chosen = options[number - 1]
        if chosen is None:
            chosen = next((o for o in options if o.pk == number), None)
    if chosen is None:
        raise ApplicationError(_("Choose one of the options."), field="option")
    return chosen


@transaction.atomic
def decision_decide(
    *,
    decision: DecisionRequest,
    user: User,
    option,
    instructions: str = "",
    follow_ups: Sequence[FollowUp] = (),
) -> DecisionRequest:
    """The CEO chooses an option and gives instructions; follow-up assignments are created in
    the same step (each through the assignment service, so its rules apply)."""
    from operations.services.assignments import assignment_create

    decision = _lock(decision, user)
    _require(user, decision, "decide")
    chosen = _option(decision, option)
    now = timezone.now()
    decision.status = Status.DECIDED
    decision.chosen_option = chosen
    decision.instructions = (instructions or "").strip()
    decision.decided_by = user
    decision.decided_at = now
    decision.save()
    note = chosen.title + (f"\n{decision.instructions}" if decision.instructions else "")
    _record(decision, Event.DECIDED, user, note)
    for follow_up in follow_ups:
        assignment_create(
            user=user,
            title=follow_up.title,
            description=follow_up.description or decision.instructions,
            due_date=follow_up.due_date,
            priority=follow_up.priority,
            assignee=follow_up.assignee,
            department=follow_up.department,
            decision=decision,
        )
    _notify(
        decision,
        [u for u in [*_people(Role.COO), decision.requested_by] if u.pk != user.pk],
        lambda: gettext("Decided: {title} ({option})").format(
            title=decision.title, option=chosen.title
        ),
        body=decision.instructions,
    )
    return decision


@transaction.atomic
def decision_request_info(
    *, decision: DecisionRequest, user: User, question: str
) -> DecisionRequest:
    """The CEO asks the COO for more before deciding."""
    decision = _lock(decision, user)
    _require(user, decision, "request_info")
    if not (question or "").strip():
        raise ApplicationError(_("Say what information is needed."), field="question")
    decision.status = Status.INFO_REQUESTED
    decision.info_request = question.strip()
    decision.save()
    _record(decision, Event.INFO_REQUESTED, user, decision.info_request)
    _notify(
        decision,
        [decision.requested_by],
        lambda: gettext("The CEO asks for more on: {title}").format(title=decision.title),
        body=decision.info_request,
        level="warning",
    )
    return decision


@transaction.atomic
def decision_provide_info(*, decision: DecisionRequest, user: User, answer: str) -> DecisionRequest:
    """The COO answers the CEO's question; the answer is added to the context."""
    decision = _lock(decision, user)
    _require(user, decision, "provide_info")
    if not (answer or "").strip():
        raise ApplicationError(_("Write the answer."), field="answer")
    decision.status = Status.OPEN
    decision.context = (
        f"{decision.context}\n\n"
        + gettext("Asked by the CEO: %(question)s") % {"question": decision.info_request}
        + "\n"
        + answer.strip()
    )
    decision.save()
    _record(decision, Event.INFO_PROVIDED, user, answer.strip())
    _notify(
        decision,
        _people(Role.CEO),
        lambda: gettext("More information on: {title}").format(title=decision.title),
        body=answer.strip(),
    )
    return decision


@transaction.atomic
def decision_defer(
    *, decision: DecisionRequest, user: User, new_deadline: dt.date, note: str = ""
) -> DecisionRequest:
    """The CEO puts the decision off to a later date."""
    decision = _lock(decision, user)
    _require(user, decision, "defer")
    if new_deadline is None or new_deadline <= timezone.localdate():
        raise ApplicationError(_("Defer to a date after today."), field="new_deadline")
    if new_deadline <= decision.deadline:
        raise ApplicationError(
            _("Defer to a date after the current deadline (%(date)s).")
            % {"date": date_format(decision.deadline)},
            field="new_deadline",
        )
    previous = decision.deadline
    decision.status = Status.DEFERRED
    decision.deadline = new_deadline
    decision.times_deferred += 1
    decision.save()
    text = gettext("From %(old)s to %(new)s.") % {
        "old": date_format(previous),
        "new": date_format(new_deadline),
    }
    _record(decision, Event.DEFERRED, user, (text + " " + (note or "").strip()).strip())
    _notify(
        decision,
        [decision.requested_by],
        lambda: gettext("Deferred to {date}: {title}").format(
            date=date_format(new_deadline), title=decision.title
        ),
        body=note,
    )
    return decision


def reminders_send(*, today: dt.date) -> dict[str, int]:
    """Daily: the CEO is reminded of each decision due within DECISION_REMINDER_DAYS, once per
    deadline; when the deadline passes, the CEO and the COO are alerted once per deadline."""
    horizon = today + dt.timedelta(days=settings.DECISION_REMINDER_DAYS)
    pending = list(
        DecisionRequest.objects.pending().filter(deadline__lte=horizon).order_by("deadline", "pk")
    )
    counts = {"reminded": 0, "overdue": 0}
    if not pending:
        return counts
    ceos, coos = _people(Role.CEO), _people(Role.COO)
    for decision in pending:
        overdue = decision.deadline < today
        if overdue:
            recipients = ceos + [u for u in coos if u not in ceos]
            template = gettext_noop("Decision overdue since {date}: {title}")
            key = f"decision-overdue:{decision.pk}:{decision.deadline.isoformat()}"
        else:
            recipients = ceos
            template = gettext_noop("Decision due {date}: {title}")
            key = f"decision-due:{decision.pk}:{decision.deadline.isoformat()}"
        sent = notification_send(
            recipients=recipients,
            title=lambda t=template, d=decision: gettext(t).format(
                date=date_format(d.deadline), title=d.title
            ),
            url=decision.get_absolute_url(),
            level="danger" if overdue else "warning",
            key=key,
        )
        if sent:
            counts["overdue" if overdue else "reminded"] += len(sent)
            _record(decision, Event.OVERDUE if overdue else Event.REMINDED, None)
    return counts


def sees_queue(user) -> bool:
    """The queue and the log are for the CEO, the COO and the auditor, and for heads and
    managers (who see the decision requests about the departments they oversee)."""
    from organization.roles import DEPARTMENT_SCOPED, is_company_wide, roles_of

    return is_company_wide(user) or bool(roles_of(user) & DEPARTMENT_SCOPED)


def pending_count(user) -> int:
    """For the CEO's menu badge: decision requests awaiting the CEO (one query per request)."""
    if not may_decide(user):
        return 0
    cached = getattr(user, "_coo_pending_decisions", None)
    if cached is None:
        cached = DecisionRequest.objects.filter(status__in=[Status.OPEN, Status.DEFERRED]).count()
        user._coo_pending_decisions = cached
    return cached


def queue_counts(user: User, *, today: dt.date) -> dict[str, int]:
    """What waits in ``user``'s view of the queue, in one query: ``total`` pending, ``overdue``,
    ``awaiting_ceo`` (open or deferred) and ``info_requested`` (waiting on the COO)."""
    from django.db.models import Count, Q

    return (
        DecisionRequest.objects.for_user(user)
        .pending()
        .aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(deadline__lt=today)),
            awaiting_ceo=Count("pk", filter=Q(status__in=[Status.OPEN, Status.DEFERRED])),
            info_requested=Count("pk", filter=Q(status=Status.INFO_REQUESTED)),
        )
    )
