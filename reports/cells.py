"""Spreadsheet cells that can never become formulas: every CSV and XLSX export writes through here.

Text that citizens and users control reaches the exports: a vote's procedure field and code,
unit and counter names, the names in an index scheme or a questionnaire. A spreadsheet program
reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula (some skip a leading
tab or carriage return first), and a formula can fetch URLs, leak other cells or start programs
when an officer opens the file: CSV or formula injection (OWASP, "CSV Injection").
Following OWASP's advice, a text cell that begins with one of :data:`DANGEROUS` is written as
text:

- in CSV with an apostrophe in front (``'=1+1``), which Excel and LibreOffice show as text;
- in XLSX as an explicit string cell (``data_type = "s"``), the text unchanged. openpyxl would
  otherwise store a string starting with ``=`` as a formula (``data_type = "f"``).

Numbers (int, float, Decimal) are never touched: a negative difference stays a number that
Excel can sum. Only ``str`` values are text. Like the rest of ``reports``, this imports neither
Flask nor the database.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is written
    from openpyxl.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

#: First characters that make a spreadsheet program read a cell as a formula.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: Text openpyxl would store as an error value (``openpyxl.cell.cell.ERROR_CODES``).
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")


def is_dangerous(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(DANGEROUS)


def safe_text(value: Any) -> Any:
    """A CSV cell: dangerous text gets an apostrophe in front; anything else is unchanged."""
    return "'" + value if is_dangerous(value) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row with :func:`safe_text` applied to every cell."""
    return [safe_text(v) for v in values]


class SafeCsvWriter:
    """``csv.writer`` whose rows pass through :func:`safe_row`."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> SafeCsvWriter:
    """The CSV writer every export uses: ``csv.writer(out, **options)`` with :func:`safe_row`."""
    return SafeCsvWriter(out, **options)


def as_text(cell: Cell) -> Cell:
    """Mark a cell holding a ``str`` as a string cell, never a formula (or an error value)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def set_cell(ws: Worksheet, row: int, column: int, value: Any = None) -> Cell:
    """``ws.cell(row, column, value)`` for a normal worksheet, text kept as text."""
    cell = ws.cell(row=row, column=column)
    if value is not None:
        cell.value = value
    return as_text(cell)


def text_cell(ws: Any, value: Any) -> Any:
    """A value for ``ws.append`` (also in write-only mode) that stays text.

    openpyxl already stores a plain ``str`` as a string; only text it would take for a formula
    (or an error value such as ``#N/A``) needs a cell of its own, marked as a string. Anything
    else is returned unchanged, so a streamed export does not build a cell per value.
    """
    if not (is_dangerous(value) or value in ERROR_CODES):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    return cell


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)`` (either mode), no text taken for a formula (:func:`text_cell`)."""
    ws.append([text_cell(ws, v) for v in values])
