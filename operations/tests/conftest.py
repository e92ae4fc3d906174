"""Fixtures of the operations tests: see operations/tests/fixtures.py."""

from operations.tests.fixtures import (  # noqa: F401
    _company_built_once,
    _default_language_and_time_zone,
    cast,
    who,
)
