"""CSV that opens safely in a spreadsheet.

Every CSV the service produces goes through `csv_rows` or `csv_response`. A cell that a
spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
return) is prefixed with a single quote, so an attacker-controlled name such as
`=HYPERLINK(...)` is shown as text and never evaluated (OWASP "CSV injection"). Numbers are
written as numbers: a negative amount stays `-1250`, since only text can carry a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str | int | float:
    """One cell, neutralised if a spreadsheet would evaluate it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose `write` returns what it was given, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The lines of a CSV document, header first, every cell escaped."""
    writer = csv.writer(_Echo())
    yield writer.writerow([escape_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([escape_cell(cell) for cell in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV document as one string (small exports and tests)."""
    buffer = io.StringIO()
    for line in csv_rows(header, rows):
        buffer.write(line)
    return buffer.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """A streamed CSV download: memory stays flat however many rows there are."""
    response = StreamingHttpResponse(csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
