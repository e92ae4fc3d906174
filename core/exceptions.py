"""The one application error services raise when a request cannot be carried out.

Views turn it into a form error or a flash message, the API into a 400 (or 403) with the
message; either way nothing has been written, since services raise before or inside their
transaction.
"""

from __future__ import annotations

from django.utils.functional import Promise


class ApplicationError(Exception):
    """A rule of the business refuses the request; ``message`` says why, for the user."""

    status_code = 400

    def __init__(self, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(ApplicationError):
    """The user may not do this (403), though they may see the object."""

    status_code = 403


class NotFound(ApplicationError):
    """The object does not exist, or the user may not see it (the same answer for both)."""

    status_code = 404
