"""CSV and XLSX exports of list pages.

A list declares its columns once; the same declaration produces both formats, and the rows are
the list page's own filtered, user-scoped queryset.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook

FORMATS = ("csv", "xlsx")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str | Promise
    value: Callable[[Any], Any]


#: A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    """A cell value: numbers and dates as they are, everything else as inert text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (date, int, float, Decimal)):
        return value
    text = str(value)
    # Quote what a spreadsheet would run as a formula (CSV/formula injection).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_response(
    *, rows: Iterable[Any], columns: list[Column], fmt: str, filename: str
) -> HttpResponse | StreamingHttpResponse:
    """An attachment response with ``rows`` in ``fmt`` (``csv`` or ``xlsx``)."""
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read UTF-8
            yield writer.writerow([str(c.header) for c in columns])
            for row in rows:
                yield writer.writerow([_plain(c.value(row)) for c in columns])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=filename[:31])
        sheet.append([str(c.header) for c in columns])
        for row in rows:
            sheet.append([_plain(c.value(row)) for c in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_MIME)
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
        return response
    raise ValueError(f"Unknown export format {fmt!r}; expected one of {FORMATS}.")
