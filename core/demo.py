"""Demo-data builders contributed by each app, run by ``seed_demo`` after the cast.

A builder is ``func(*, size, seed, today, log)``; it must build through the services, derive
everything from ``seed`` and add nothing when what it builds is already there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

BUILDERS: dict[str, tuple[int, Callable[..., str]]] = {}


def register(name: str, builder: Callable[..., str], *, order: int = 100) -> None:
    BUILDERS[name] = (order, builder)


def builders() -> list[tuple[str, Callable[..., str]]]:
    return [(name, b) for name, (_, b) in sorted(BUILDERS.items(), key=lambda kv: kv[1][0])]


@contextmanager
def one_transaction() -> Iterator[None]:
    """Build in one transaction, then run what the services left for after the commit (the
    notifications, then their e-mails) in one transaction per round rather than one commit per
    notification: on SQLite every commit is a disk sync, which would dominate the demo's time.
    Inside an outer transaction (the tests) this is a plain ``atomic``."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        yield
        pending, connection.run_on_commit = connection.run_on_commit, []
    while pending:
        with transaction.atomic():
            for _savepoints, callback, _robust in pending:
                callback()
            pending, connection.run_on_commit = connection.run_on_commit, []
