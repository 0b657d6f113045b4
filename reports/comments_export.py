"""Citizens' comments, one row each, as streamed CSV or XLSX for officers.

The comment text is what a citizen typed (phone and ID numbers already masked): every cell goes
through :mod:`reports.cells`, so "=HYPERLINK(…)" stays text. The same streaming as the ballot
export (``reports/ballots_export.py``): rows in, byte chunks out, nothing held in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .ballots_export import stream_csv
from .cells import append_row, as_text

COMMENT_COLUMNS = (
    "Mã ý kiến", "Thời điểm (giờ VN)", "Đơn vị (mã)", "Đơn vị", "Quầy", "Kênh",
    "Mức đánh giá", "Lý do chưa hài lòng", "Ý kiến", "Trạng thái phiếu", "Lý do gắn cờ",
    "Phản ánh số",
)
XLSX_CHUNK = 64 * 1024
FIXED_TIME = datetime(2000, 1, 1)


def comments_csv(rows: Iterable[tuple], *, bom: bool = True) -> Iterator[bytes]:
    return stream_csv(COMMENT_COLUMNS, rows, bom=bom)


def comments_xlsx(rows: Iterable[tuple]) -> Iterator[bytes]:
    wb = Workbook(write_only=True)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.create_sheet("Ý kiến")
    ws.freeze_panes = "A2"
    for index, width in enumerate((10, 18, 12, 28, 14, 18, 14, 30, 60, 14, 24, 10)):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    header = []
    for title in COMMENT_COLUMNS:
        cell = as_text(WriteOnlyCell(ws, value=title))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        append_row(ws, row)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        wb.save(spool)
        spool.seek(0)
        while chunk := spool.read(XLSX_CHUNK):
            yield chunk
