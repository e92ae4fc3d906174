"""Home panels for reports."""

from __future__ import annotations

PANELS: list = []
