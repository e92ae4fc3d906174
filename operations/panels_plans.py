"""Home panels for plans."""

from __future__ import annotations

PANELS: list = []
