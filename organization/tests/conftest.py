"""Fixtures of the organization tests: the shared ones of tests/company.py."""

from tests.company import (  # noqa: F401
    _company_built_once,
    _default_language_and_time_zone,
    cast,
    who,
)
