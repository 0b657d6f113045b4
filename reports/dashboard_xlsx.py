"""The dashboard as an Excel workbook for the Phòng Nội vụ: a sheet per table, Vietnamese headers,
frozen header row, counts as ``#,##0`` and percentages as numbers with one decimal (``0.0``).
Text cells go through :mod:`reports.cells`, so a label such as ``=1+1`` stays text."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from survey_app.domain.dashboard import Dashboard

from .cells import append_row
from .dashboard_tables import PERCENT_COLUMNS, Table, tables

#: Fixed workbook dates: the same dashboard gives the same bytes.
FIXED_TIME = datetime(2000, 1, 1)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
BOLD = Font(bold=True)


def dashboard_xlsx(d: Dashboard) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    sheets: dict[str, Worksheet] = {}
    for table in tables(d):
        ws = sheets.get(table.sheet)
        if ws is None:
            ws = sheets[table.sheet] = wb.create_sheet(table.sheet[:31])
            _preamble(ws, d)
        _write(ws, table, figures=table.headers[1:2] == ("Số phiếu (n)",))
    wb.properties.creator = "survey-app"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _preamble(ws: Worksheet, d: Dashboard) -> None:
    append_row(ws, [f"Mức độ hài lòng — {d.unit_name} ({d.unit_code})"])
    ws["A1"].font = Font(bold=True, size=13)
    source = (f"bản chốt kỳ, mã băm SHA-256 {d.snapshot.content_hash}" if d.snapshot
              else "số liệu hiện tại (kỳ chưa khóa)")
    append_row(ws, [f"Kỳ: {d.period_label} ({d.period.start:%d/%m/%Y} – "
                    f"{d.period.end:%d/%m/%Y}); nguồn: {source}; làm tròn nửa lên ({d.rule}); "
                    f"đủ số phiếu khi n ≥ {d.min_n}."])
    ws.append([])


def _write(ws: Worksheet, table: Table, *, figures: bool) -> None:
    if ws.max_row > 3:
        ws.append([])
    append_row(ws, [table.title])
    ws.cell(ws.max_row, 1).font = BOLD
    append_row(ws, table.headers)
    header_row = ws.max_row
    for col in range(1, len(table.headers) + 1):
        cell = ws.cell(header_row, col)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if ws.freeze_panes is None:  # the first table's header stays in view
        # a coordinate, not ws.cell(): touching a cell would push the rows below it down
        ws.freeze_panes = f"{'B' if figures else 'A'}{header_row + 1}"
        ws.auto_filter.ref = (f"A{header_row}:{get_column_letter(len(table.headers))}"
                              f"{header_row + max(1, len(table.rows))}")
    for index, row in enumerate(table.rows):
        append_row(ws, [float(v) if isinstance(v, Decimal) else v for v in row])
        r = ws.max_row
        for col, value in enumerate(row):
            cell = ws.cell(r, col + 1)
            if figures and col in PERCENT_COLUMNS or isinstance(value, Decimal):
                cell.number_format = "0.0"
            elif isinstance(value, int):
                cell.number_format = "#,##0"
            if index in table.bold_rows:
                cell.font = BOLD
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 42)
    for col in range(2, len(table.headers) + 1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 14 if figures else 8)
