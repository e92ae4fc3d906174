"""CSV and XLSX exports: one column declaration, two formats."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core import exports


@dataclass
class Row:
    name: str
    joined: date
    seen: datetime | None
    count: int
    note: object = None


ROWS = [
    Row("Ana Núñez", date(2026, 11, 23), datetime(2026, 11, 22, 23, 30, tzinfo=UTC), 3),
    Row('Tom "Tommy", Jr.', date(2025, 1, 2), None, 0, note="line one\nline two"),
]

COLUMNS = [
    exports.Column("Name", lambda r: r.name),
    exports.Column("Joined", lambda r: r.joined),
    exports.Column("Last seen", lambda r: r.seen),
    exports.Column("Count", lambda r: r.count),
    exports.Column("Note", lambda r: r.note),
]


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_csv_has_a_byte_order_mark_a_header_and_the_rows():
    response = exports.export_response(rows=ROWS, columns=COLUMNS, fmt="csv", filename="people")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="people-{stamp}.csv"'

    raw = _content(response)
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [
        ["Name", "Joined", "Last seen", "Count", "Note"],
        # An aware datetime is shown in the local time zone (Madrid: UTC+1 in November).
        ["Ana Núñez", "2026-11-23", "2026-11-23 00:30:00", "3", ""],
        ['Tom "Tommy", Jr.', "2025-01-02", "", "0", "line one\nline two"],
    ]


def test_csv_streams_the_rows_lazily():
    consumed = []

    def rows():
        for row in ROWS:
            consumed.append(row)
            yield row

    response = exports.export_response(rows=rows(), columns=COLUMNS, fmt="csv", filename="x")
    assert response.streaming
    assert consumed == []
    _content(response)
    assert consumed == ROWS


def test_csv_headers_may_be_lazy_translations():
    from django.utils.translation import gettext_lazy

    columns = [exports.Column(gettext_lazy("Name"), lambda r: r.name)]
    response = exports.export_response(rows=ROWS[:1], columns=columns, fmt="csv", filename="x")
    assert _content(response).decode("utf-8-sig").splitlines() == ["Name", "Ana Núñez"]


def test_xlsx_reads_back_with_openpyxl():
    response = exports.export_response(rows=ROWS, columns=COLUMNS, fmt="xlsx", filename="people")

    assert response["Content-Type"] == exports.XLSX_MIME
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="people-{stamp}.xlsx"'

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["people"]
    values = list(workbook["people"].iter_rows(values_only=True))
    assert values[0] == ("Name", "Joined", "Last seen", "Count", "Note")
    name, joined, seen, count, note = values[1]
    assert name == "Ana Núñez"
    assert joined.date() == date(2026, 11, 23)  # openpyxl reads dates back as datetimes
    assert seen == datetime(2026, 11, 23, 0, 30)  # local time, naive (Excel has no zones)
    assert count == 3
    assert note in (None, "")
    assert values[2][0] == 'Tom "Tommy", Jr.'
    assert values[2][2] in (None, "")
    assert values[2][4] == "line one\nline two"
    assert len(values) == 3


def test_xlsx_sheet_title_is_cut_to_excels_limit():
    name = "a-very-long-export-file-name-for-a-list"
    response = exports.export_response(rows=[], columns=COLUMNS, fmt="xlsx", filename=name)
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [name[:31]]
    assert list(workbook.active.iter_rows(values_only=True)) == [
        ("Name", "Joined", "Last seen", "Count", "Note")
    ]


def test_an_unknown_format_raises_value_error():
    with pytest.raises(ValueError, match="pdf"):
        exports.export_response(rows=ROWS, columns=COLUMNS, fmt="pdf", filename="people")
