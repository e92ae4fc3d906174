"""Reads of the approval workflow: what awaits a user's decision."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from approvals.registry import REGISTRY, Registration
from organization.models import User


@dataclass
class InboxSection:
    registration: Registration
    items: QuerySet


def inbox_for(user: User) -> list[InboxSection]:
    """Per approvable model, the submitted items ``user`` may approve or return."""
    sections = []
    for registration in REGISTRY.values():
        model = registration.model
        queryset = registration.policy.awaiting_decision(user, model.objects.for_user(user))
        sections.append(InboxSection(registration, model.inbox_queryset(queryset)))
    return sections


def inbox_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    cached = getattr(user, "_coo_inbox_count", None)
    if cached is None:
        cached = sum(
            r.policy.awaiting_decision(user, r.model.objects.for_user(user)).count()
            for r in REGISTRY.values()
        )
        user._coo_inbox_count = cached
    return cached
