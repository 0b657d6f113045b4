"""The dashboard as an Excel workbook for the Phòng Nội vụ: a sheet per table, Vietnamese headers,
frozen header row, counts as ``#,##0`` and percentages as numbers with one decimal (``0.0``).
Text cells go through :mod:`reports.cells`, so a label such as ``=1+1`` stays text.

Every sheet prints well: A4, one page wide (as many pages down as it takes), landscape when the
table is wide, the first table's header row repeated on each printed page, columns wide enough
for their titles (wrapped on at most two lines). The bytes are deterministic: fixed workbook
dates and fixed dates on the zip entries."""

from __future__ import annotations

import io
import math
import re
import zipfile
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
#: Points: a header row whose titles wrap onto two lines of 11 pt text.
HEADER_TWO_LINES = 30
#: A sheet whose widest table has more columns than this prints landscape.
PORTRAIT_MAX_COLUMNS = 6


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
    for ws in sheets.values():
        _print_setup(ws)
    wb.properties.creator = "survey-app"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    out = io.BytesIO()
    wb.save(out)
    return fixed_zip_dates(out.getvalue())


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ("landscape" if ws.max_column > PORTRAIT_MAX_COLUMNS
                                 else "portrait")
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddFooter.center.text = "&P / &N"


def fixed_zip_dates(data: bytes) -> bytes:
    """The workbook with every zip entry, and the document's "modified" property, dated
    :data:`FIXED_TIME`: openpyxl stamps the current time on both when it saves (whatever the
    properties say), so two exports in different seconds differed."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp + rb"\g<2>", content)
            dst.writestr(fixed, content)
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
    if ws.freeze_panes is None:  # the first table's header stays in view, and on paper
        ws.print_title_rows = f"{header_row}:{header_row}"
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
    wraps = False
    for col, title in enumerate(table.headers[1:], start=2):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0,
                                                 title_width(title), 14 if figures else 8)
        wraps = wraps or len(title) > ws.column_dimensions[letter].width
    if wraps:  # two lines high: LibreOffice keeps a row one line high and prints the second
        # line of a wrapped title over the first data row
        ws.row_dimensions[header_row].height = HEADER_TWO_LINES


def title_width(title: str) -> float:
    """A column width (characters) that shows ``title`` on at most two wrapped lines."""
    longest_word = max((len(w) for w in title.split()), default=0)
    return max(longest_word, math.ceil(len(title) / 2) + 2) + 2
