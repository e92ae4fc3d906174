"""Home panels for coordination."""

from __future__ import annotations

PANELS: list = []
