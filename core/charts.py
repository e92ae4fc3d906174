"""Charts for any page: described in Python, drawn by the vendored Chart.js, readable without it.

A view builds a :class:`Chart` and passes it to ``{% include "includes/chart.html" with chart=c %}``.
The include writes the data as JSON (``json_script``, so no inline script and a strict content
security policy holds), a ``<canvas>`` that ``static/js/charts.js`` draws on, and a table of the
same figures for screen readers, for printing and for anyone without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

#: Chart.js chart types the script knows how to draw.
TYPES = ("bar", "line", "doughnut", "pie", "radar", "scatter")


@dataclass(frozen=True)
class Dataset:
    label: str | Promise
    data: Sequence[int | float | Decimal | None]
    #: Draw this series differently from the chart's type (a line over bars, say).
    type: str | None = None
    #: ``"solid"``, ``"dashed"`` (a forecast) or ``"band"`` (filled up to the previous series).
    style: str = "solid"
    #: An index into the palette of ``charts.js``; by default the series' position.
    colour: int | None = None


@dataclass(frozen=True)
class Chart:
    """One chart: ``id`` is unique on the page; ``labels`` name the points of every dataset."""

    id: str
    type: str
    title: str | Promise
    labels: Sequence[Any]
    datasets: Sequence[Dataset]
    #: Shown after each value in the data table and on the value axis ("EUR", "%").
    unit: str | Promise = ""
    stacked: bool = False
    height: str = "md"  # sm, md, lg: the canvas' height class
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"Unknown chart type {self.type!r}; use one of {', '.join(TYPES)}.")
        for dataset in self.datasets:
            if len(dataset.data) != len(self.labels):
                raise ValueError(
                    f"Dataset {dataset.label!s} has {len(dataset.data)} values for "
                    f"{len(self.labels)} labels."
                )

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def rows(self) -> list[tuple[Any, list[Any]]]:
        """The table beside the chart: one row per label, one cell per dataset."""
        return [
            (label, [dataset.data[i] for dataset in self.datasets])
            for i, label in enumerate(self.labels)
        ]

    def spec(self) -> dict[str, Any]:
        """What ``charts.js`` reads (numbers as numbers, labels as text)."""

        def number(value):
            return None if value is None else float(value)

        return {
            "type": self.type,
            "labels": [str(label) for label in self.labels],
            "unit": str(self.unit),
            "stacked": self.stacked,
            "datasets": [
                {
                    "label": str(d.label),
                    "data": [number(v) for v in d.data],
                    "type": d.type,
                    "style": d.style,
                    "colour": i if d.colour is None else d.colour,
                }
                for i, d in enumerate(self.datasets)
            ],
            **self.extra,
        }
