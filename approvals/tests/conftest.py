"""Fixtures of the approvals tests: the same company as the operations tests (the only
approvable model so far is the regulation version)."""

from tests.company import (  # noqa: F401
    _company_built_once,
    _default_language_and_time_zone,
    cast,
    who,
)
