"""The index ranking as a published table: the values it shows, and its XLSX and CSV renderings.

A :class:`~survey_app.domain.ranking.RankingTable` holds rounded, ready-to-print values (points
with two decimals, the satisfaction rate in percent with one); renderers only lay them out. The
XLSX follows the layout of a ranking table annexed to a provincial decision: a title, the period
and rounding rule, a two-row header (field name over its maximum), then one section per block
(khối) headed "I. Khối …", units in rank order with STT numbering from 1 in each block.

Names come from imported schemes and unit lists, so every cell is written through
:mod:`reports.cells`: text stays text (never a formula), numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from survey_app.domain.ranking import RankingTable, Row

from .cells import csv_writer, set_cell

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
UNRANKED = "Không xếp hạng"
NO_TOTAL = "Chưa có điểm"
#: The rank of a unit with a component still missing: its total is provisional.
INCOMPLETE = "Chưa xếp hạng"
PROVISIONAL = "tạm tính"
NOT_APPLICABLE = "Không áp dụng"
#: The footnote every layout prints under the table.
RULES_NOTE = ("Các đơn vị bằng điểm được xếp cùng hạng (1, 2, 2, 4); đơn vị “Không xếp hạng” "
              "được đánh giá nhưng không xếp hạng. Đơn vị còn tiêu chí chưa có điểm thẩm định "
              "hoặc chưa có số liệu “Chưa xếp hạng”: tổng điểm tạm tính (tiêu chí thiếu tính 0), "
              "chưa xếp loại. Tiêu chí “Không áp dụng” cho đơn vị được bỏ ra và tổng điểm được "
              "quy đổi.")


def rank_text(row: Row) -> str | int:
    if row.total is None:
        return NO_TOTAL
    if not row.complete:
        return INCOMPLETE
    if row.rank is None:
        return UNRANKED
    return row.rank


def component_value(row: Row, table: RankingTable, i: int) -> Decimal | str | None:
    """A component cell: its points, "Không áp dụng", or None (no points)."""
    if not row.applies(table.columns[i]):
        return NOT_APPLICABLE
    return row.components[i]


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


# --------------------------------------------------------------------------------------------
# XLSX


def ranking_xlsx(table: RankingTable) -> bytes:
    """The ranking as a workbook: sheet "Xếp hạng" in the published layout, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Xếp hạng"
    fields = table.fields
    previous = f"Điểm năm {table.previous_year}" if table.previous_year else "Điểm năm trước"
    heads: list[tuple[str, str]] = [("STT", ""), ("Mã đơn vị", ""), ("Đơn vị", "")]
    heads += [(table.columns[i].name, f"(tối đa {_plain(table.columns[i].max_points)})")
              for i in fields]
    heads += [("Điểm thưởng/ trừ", ""), ("Tổng điểm", f"(tối đa {_plain(table.max_total)})"),
              ("Xếp hạng", ""), ("Xếp loại", ""), ("Tỷ lệ hài lòng (%)", ""),
              ("Số phiếu (n)", ""), (previous, ""), ("Tăng/ giảm", ""), ("Ghi chú", "")]
    width = len(heads)
    thin = Side(style="thin", color="000000")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(name="Times New Roman", bold=True, size=12)
    normal = Font(name="Times New Roman", size=12)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    set_cell(ws, 1, 1, table.title.upper()).font = Font(name="Times New Roman", bold=True,
                                                        size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).alignment = centre
    set_cell(ws, 2, 1, table.subtitle).font = Font(name="Times New Roman", italic=True, size=11)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.cell(2, 1).alignment = centre
    for col, (head, sub) in enumerate(heads, start=1):
        top = set_cell(ws, 4, col, head)
        below = set_cell(ws, 5, col, sub or None)
        for cell in (top, below):
            cell.font, cell.alignment, cell.border = bold, centre, grid
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        if not sub:
            ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
    row_no = 6
    for b, block in enumerate(table.blocks):
        label = f"{ROMAN[b] if b < len(ROMAN) else b + 1}. Khối {block.name}"
        set_cell(ws, row_no, 1, label).font = bold
        ws.merge_cells(start_row=row_no, start_column=1, end_row=row_no, end_column=width)
        ws.cell(row_no, 1).border = grid
        row_no += 1
        for stt, r in enumerate(block.rows, start=1):
            values: list[object] = [stt, r.unit, r.name]
            values += [_number(component_value(r, table, i)) for i in fields]
            values += [_number(r.bonus), _number(r.total), rank_text(r), r.band,
                       _number(r.satisfaction_rate), r.n, _number(r.previous_total),
                       _number(r.delta), r.note or None]
            for col, value in enumerate(values, start=1):
                cell = set_cell(ws, row_no, col, value)
                cell.font, cell.border = normal, grid
                if isinstance(value, float):
                    cell.number_format = "0.0" if col == 8 + len(fields) else "0.00"
                    if col == 5 + len(fields) and not r.complete:
                        # still a number Excel can sum; it reads "20.00 (tạm tính)"
                        cell.number_format = f'0.00" ({PROVISIONAL})"'
                    cell.alignment = Alignment(horizontal="right", vertical="center",
                                               wrap_text=True)
                elif col in (1, 2) or col == 6 + len(fields):
                    cell.alignment = Alignment(horizontal="center", vertical="center",
                                               wrap_text=True)
                else:
                    cell.alignment = Alignment(vertical="center", wrap_text=True)
            row_no += 1
    note_row = row_no + 1
    bands = "; ".join(f"{label} từ {_plain(lower)} điểm" for label, lower in table.bands)
    set_cell(ws, note_row, 1, f"Xếp loại: {bands}. {RULES_NOTE}").font = normal
    ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=width)
    ws.cell(note_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[note_row].height = 48
    widths = [6, 10, 24] + [14] * len(fields) + [10, 16, 12, 12, 10, 9, 10, 9, 34]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.row_dimensions[4].height = 48
    ws.freeze_panes = "D6"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "4:5"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _number(value: Decimal | str | None) -> float | str | None:
    """Cells hold numbers (Excel sums them); a two-decimal Decimal is exact enough as float.
    Text (a component "Không áp dụng") stays text."""
    if value is None or isinstance(value, str):
        return value
    return float(value)


# --------------------------------------------------------------------------------------------
# CSV


CSV_HEAD = ("block", "rank", "unit", "name", "total", "band")
CSV_TAIL = ("bonus", "satisfaction_rate", "n", "sufficient", "complete", "previous_total",
            "delta", "note")


def ranking_csv(table: RankingTable, *, bom: bool = True) -> bytes:
    """One line per unit with every component by code (tree order); UTF-8 with a BOM for Excel.

    ``complete`` is ``false`` when the total is provisional (a component missing); a component
    declared not applicable reads ``NA``."""
    buffer = io.StringIO(newline="")
    writer = csv_writer(buffer, lineterminator="\r\n")
    writer.writerow([*CSV_HEAD, *(c.code for c in table.columns), *CSV_TAIL])
    for block in table.blocks:
        for r in block.rows:
            writer.writerow([
                block.name, "" if r.rank is None else r.rank, r.unit, r.name, _cell(r.total),
                r.band or "",
                *(_cell(v) if r.applies(c) else "NA"
                  for v, c in zip(r.components, table.columns, strict=True)),
                _cell(r.bonus), _cell(r.satisfaction_rate), "" if r.n is None else r.n,
                "true" if r.sufficient else "false", "true" if r.complete else "false",
                _cell(r.previous_total), _cell(r.delta), r.note,
            ])
    text = buffer.getvalue()
    return (("\ufeff" + text) if bom else text).encode("utf-8")


def _cell(value: Decimal | None) -> Decimal | str:
    """Empty, or the Decimal itself (written as ``str(value)``, never escaped as text)."""
    return "" if value is None else value


def band_index(table: RankingTable, band: str | None) -> int | None:
    """Position of a band in the scheme's list (0 = highest), for colours."""
    labels: Sequence[str] = [label for label, _ in table.bands]
    return labels.index(band) if band in labels else None
