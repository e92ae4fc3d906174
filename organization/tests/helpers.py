"""Helpers of the organization tests: the roles of the cast, adding people, counting queries."""

from __future__ import annotations

import itertools

from django.test.utils import CaptureQueriesContext

from organization.models import Department, Person
from organization.services.people import person_create

#: Every role of the test company, as ``who(key)`` names it: a username of the cast, or
#: ``"manager:OPS"`` / ``"staff:LOG"`` for the department's manager or staff member.
ALL_ROLES = [
    "ceo",
    "coo",
    "auditor",
    "head.ops",
    "head.log",
    "head.fin",
    "manager:OPS",
    "manager:LOG",
    "manager:FIN",
    "staff:OPS",
    "staff:LOG",
    "staff:FIN",
]
COMPANY_WIDE_ROLES = ["ceo", "coo", "auditor"]
#: Everyone who may not create or change departments and people.
NOT_COO = [key for key in ALL_ROLES if key != "coo"]

_counter = itertools.count(1)


def usernames_in(cast, *codes: str) -> set[str]:
    """The cast members placed in the given departments."""
    return {member.username for member in cast.members if member.department in codes}


def add_people(count: int, department_code: str | None = "OPS", *, manager: Person | None = None):
    """``count`` more people (staff, with e-mail) through the service; returns them."""
    department = Department.objects.get(code=department_code) if department_code else None
    people = []
    for _ in range(count):
        n = next(_counter)
        people.append(
            person_create(
                username=f"extra.{n:04d}",
                first_name=f"Extra{n}",
                last_name="Filler",
                email=f"extra.{n:04d}@example.com",
                department=department,
                position="Clerk",
                manager=manager,
                roles=["staff"],
            )
        )
    return people


def content_of(response) -> bytes:
    """The body of a response, streaming or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def count_queries(client, url: str) -> int:
    """How many queries one GET of ``url`` makes (streamed bodies read to the end)."""
    from django.db import connection

    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        assert response.status_code == 200, url
        content_of(response)
    return len(context)


def drop_expired_cookies(client) -> None:
    """Forget cookies the server deleted (``Max-Age=0``), as a browser does.

    Django's test client keeps a deleted cookie and sends it back with an empty value.
    """
    for name, morsel in list(client.cookies.items()):
        if morsel["max-age"] == 0 or morsel["max-age"] == "0":
            del client.cookies[name]


def gettext_for(user, text: str) -> str:
    """``text`` in ``user``'s language (the site's default when they chose none)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(user.language or settings.LANGUAGE_CODE):
        return translation.gettext(text)


def translated(user, text: str) -> str:
    """``text`` as a page shown to ``user`` says it: in their language, HTML-escaped."""
    from django.utils.html import escape

    return escape(gettext_for(user, text))
