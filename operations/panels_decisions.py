"""Home panels for decisions."""

from __future__ import annotations

PANELS: list = []
