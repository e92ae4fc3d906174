"""The navigation menu, assembled from the items each app registers.

An app calls :func:`register` from its ``AppConfig.ready`` with a predicate saying who sees the
item; the context processor builds each user's menu from the items whose predicate holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    order: int = 100
    visible: Callable[[object], bool] = field(default=lambda user: True)
    badge: Callable[[object], int] | None = None
    """Optional counter shown beside the label (for example items awaiting the user)."""


ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if any(existing.url_name == item.url_name for existing in ITEMS):
        return
    ITEMS.append(item)
    ITEMS.sort(key=lambda i: i.order)


def menu_for(user, current_path: str) -> list[dict[str, object]]:
    if not user.is_authenticated:
        return []
    menu = []
    for item in ITEMS:
        if not item.visible(user):
            continue
        url = reverse(item.url_name)
        menu.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": current_path == url or (url != "/" and current_path.startswith(url)),
                "badge": item.badge(user) if item.badge else 0,
            }
        )
    return menu
