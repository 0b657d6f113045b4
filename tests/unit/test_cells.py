"""reports.cells: text that a spreadsheet would read as a formula is written as text (an
apostrophe in CSV, a string cell in XLSX); numbers and None are left alone."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ERROR_CODES as OPENPYXL_ERROR_CODES

from reports.cells import (
    ERROR_CODES,
    append_row,
    csv_writer,
    is_dangerous,
    safe_row,
    safe_text,
    set_cell,
)

PAYLOADS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1",
            '=HYPERLINK("http://example.invalid","x")']


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_dangerous_prefix_gets_an_apostrophe(payload):
    assert is_dangerous(payload)
    assert safe_text(payload) == "'" + payload


@pytest.mark.parametrize("value", ["Hộ tịch", "", "1+1", "a=b", " =1", "'=1", "#N/A"])
def test_normal_text_is_unchanged(value):
    assert not is_dangerous(value)
    assert safe_text(value) == value


@pytest.mark.parametrize("value", [-1, -2.5, Decimal("-0.84"), 0, 12, 3.5, Decimal("85.3")])
def test_numbers_stay_numbers(value):
    assert not is_dangerous(value)
    assert safe_text(value) is value


def test_none_is_unchanged():
    assert safe_text(None) is None
    assert safe_row(["=1", None, -1, "x"]) == ["'=1", None, -1, "x"]


def test_csv_writer_escapes_text_only():
    out = io.StringIO(newline="")
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow([*PAYLOADS, -1, Decimal("-2.50"), None, "Hộ tịch"])
    writer.writerows([["@x", 1]])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == [*("'" + p for p in PAYLOADS), "-1", "-2.50", "", "Hộ tịch"]
    assert rows[1] == ["'@x", "1"]


def test_error_codes_mirror_openpyxl():
    assert tuple(ERROR_CODES) == tuple(OPENPYXL_ERROR_CODES)


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_text_is_a_string_cell_and_numbers_stay_numbers(write_only):
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("x") if write_only else wb.active
    append_row(ws, [*PAYLOADS, "#N/A", "Hộ tịch", -1, -2.5, None])
    if not write_only:
        for col, payload in enumerate(PAYLOADS, start=1):
            set_cell(ws, 2, col, payload)
        assert set_cell(ws, 2, 20).value is None
        assert set_cell(ws, 2, 21, -3).data_type == "n"
    out = io.BytesIO()
    wb.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    first = [c.value for c in sheet[1]]
    # XML turns a carriage return into a line feed on reading; the text is otherwise kept
    assert first[:len(PAYLOADS)] == [p.replace("\r", "\n") for p in PAYLOADS]
    assert first[len(PAYLOADS):len(PAYLOADS) + 4] == ["#N/A", "Hộ tịch", -1, -2.5]
    assert sheet.cell(1, len(PAYLOADS) + 1).data_type == "s"  # not an error value
    if not write_only:
        assert [c.value for c in sheet[2]][:len(PAYLOADS)] == first[:len(PAYLOADS)]
        assert sheet.cell(2, 21).value == -3
