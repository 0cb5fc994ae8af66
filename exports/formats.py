"""Writing rows as CSV and XLSX, in constant memory, safe to open in a spreadsheet.

Rows are tuples of Python values in column order: str, int, Decimal, float, date,
datetime or None. CSV is UTF-8 with a byte-order mark (so Excel reads it as UTF-8);
XLSX has typed cells (numbers as numbers, dates as dates), a bold frozen header row and
column widths, and is written with XlsxWriter's constant-memory mode.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

# A spreadsheet reads a cell starting with one of these as a formula (tab and CR too:
# some programs strip them and read what follows). OWASP, "CSV Injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)
BOM = "\ufeff"
CSV_CHUNK_ROWS = 500

Cell = str | int | float | Decimal | dt.date | dt.datetime | None


@dataclass(frozen=True)
class Column:
    name: str  # the header, a stable snake_case word: imports read it back
    help: str  # what it holds, for the columns page
    type: str = "text"  # text | number | date | datetime
    width: int = 16  # characters, for XLSX


def neutralise(value: str) -> str:
    """A text cell a spreadsheet would run as a formula, made plain text: a leading
    apostrophe, which spreadsheets hide and do not evaluate. (`_csv_row` writes the same
    test out for CSV.)"""
    if value[:1] in FORMULA_FIRST:
        return "'" + value
    return value


def _csv_row(row: Sequence[Cell]) -> list[Any]:
    """A row as csv.writer takes it (it writes None as "", numbers and days with str():
    12.5, 2026-03-01): text `neutralise`d, datetimes to the second. The test is written
    out rather than a call per cell: an export runs it for millions of cells."""
    return [
        ("'" + value if value[:1] in FORMULA_FIRST else value)
        if type(value) is str
        else value.isoformat(timespec="seconds")
        if isinstance(value, dt.datetime)
        else value
        for value in row
    ]


class _Line:
    """A file-like that hands back what csv.writer wrote for one row."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def take(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def csv_chunks(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The CSV file in chunks of a few hundred rows: a streaming response's body."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([c.name for c in columns])
    yield (BOM + line.take()).encode()
    done = 0
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(_csv_row(row))
        if len(batch) == CSV_CHUNK_ROWS:
            writer.writerows(batch)
            done += len(batch)
            batch.clear()
            yield line.take().encode()
            if progress:
                progress(done)
    writer.writerows(batch)
    done += len(batch)
    yield line.take().encode()
    if progress:
        progress(done)


def write_csv(
    out: IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    progress: Callable[[int], None] | None = None,
) -> None:
    for chunk in csv_chunks(columns, rows, progress):
        out.write(chunk)


def write_xlsx(
    out: IO[bytes],
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str = "Export",
    progress: Callable[[int], None] | None = None,
) -> None:
    """The workbook written to `out`. Constant-memory mode flushes each row to a temporary
    file as soon as the next begins, so a million rows take no more memory than ten."""
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "tmpdir": tempfile.gettempdir(),
            # Text is never read as a formula, a number or a link: what was typed stays text.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    worksheet = book.add_worksheet(sheet[:31])
    header = book.add_format({"bold": True, "bottom": 1})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for index, column in enumerate(columns):
        worksheet.set_column(index, index, column.width)
    worksheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        worksheet.write_string(0, index, column.name, header)
    done = 0
    for done, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            _xlsx_cell(worksheet, done, index, value, date, stamp)
        if progress and done % CSV_CHUNK_ROWS == 0:
            progress(done)
    if done:
        worksheet.autofilter(0, 0, done, len(columns) - 1)
    book.close()
    if progress:
        progress(done)


def _xlsx_cell(worksheet: Any, row: int, col: int, value: Cell, date: Any, stamp: Any) -> None:
    if value is None:
        return
    if isinstance(value, str):
        worksheet.write_string(row, col, neutralise(value))
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        worksheet.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        worksheet.write_datetime(row, col, value.replace(tzinfo=None), stamp)
    else:
        worksheet.write_datetime(row, col, value, date)


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}
