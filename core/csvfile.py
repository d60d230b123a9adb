"""The one CSV writer: the Follow Up export, every report CSV and the API's
``format=csv`` write through it, so no cell is ever a live spreadsheet formula.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is written with a leading ``'`` (OWASP "CSV injection"), so a
spreadsheet shows it as text. Numbers (and text that is just a number, such as
an E.164 phone ``+15125550100``) are left as they are: they cannot run.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: Any) -> Any:
    """One value as a CSV cell that a spreadsheet will never evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header and each row as a CSV line, one at a time (for streaming)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(*, filename: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse("".join(csv_lines(columns, rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response


def csv_streaming_response(
    *, filename: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response
