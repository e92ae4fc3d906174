"""The home page's panels, contributed by each app.

A panel is a template plus a function that gives its context for a request, or ``None`` when
the panel has nothing for this user. Later capabilities add their "my items" panels here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    context: Callable[[HttpRequest], dict | None]
    order: int = 100
    width: str = "col-lg-6"


PANELS: list[HomePanel] = []


def register(panel: HomePanel) -> None:
    if any(existing.key == panel.key for existing in PANELS):
        return
    PANELS.append(panel)
    PANELS.sort(key=lambda p: p.order)


def panels_for(request: HttpRequest) -> list[dict[str, object]]:
    shown = []
    for panel in PANELS:
        context = panel.context(request)
        if context is None:
            continue
        shown.append({"template": panel.template, "width": panel.width, "context": context})
    return shown
