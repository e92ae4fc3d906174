"""Demo-data builders contributed by each app, run by ``seed_demo`` after the cast.

A builder is ``func(*, size, seed, today, log)``; it must build through the services, derive
everything from ``seed`` and add nothing when what it builds is already there.
"""

from __future__ import annotations

from collections.abc import Callable

BUILDERS: dict[str, tuple[int, Callable[..., str]]] = {}


def register(name: str, builder: Callable[..., str], *, order: int = 100) -> None:
    BUILDERS[name] = (order, builder)


def builders() -> list[tuple[str, Callable[..., str]]]:
    return [(name, b) for name, (_, b) in sorted(BUILDERS.items(), key=lambda kv: kv[1][0])]
