"""Sections that later apps add to another app's detail page, without the page knowing them.

The page names a slot (``"organization.person"``, ``"operations.objective"``,
``"organization.department"``) and renders ``{% page_sections "organization.person" person %}``;
an app registers a :class:`Section` for the slot from its ``AppConfig.ready``. This keeps the
dependencies pointing one way: training adds a "Training" section to a person's page, budgets
adds "Funding" to an objective's page, and neither ``organization`` nor ``operations`` imports
them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Section:
    slot: str
    key: str
    template: str
    #: ``context(request, obj)``: the template's context, or ``None`` to show nothing (for a
    #: user the section does not concern). Keep it to a query or two: it runs on every view.
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


SECTIONS: dict[str, list[Section]] = {}


def register(section: Section) -> None:
    entries = SECTIONS.setdefault(section.slot, [])
    if any(existing.key == section.key for existing in entries):
        return
    entries.append(section)
    entries.sort(key=lambda s: s.order)


def sections_for(slot: str, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
    shown = []
    for section in SECTIONS.get(slot, ()):
        context = section.context(request, obj)
        if context is not None:
            shown.append({"template": section.template, "context": context, "key": section.key})
    return shown
