"""Raw anonymised ballots, one row each, as streamed CSV or XLSX (admins only).

Rows arrive as an iterator and leave as byte chunks: CSV is encoded 500 rows at a time; XLSX is
written by openpyxl's write-only mode into a temporary file (spilling to disk past 8 MiB) and
then read back in 64 KiB pieces. Neither holds the rows in memory. Text a citizen typed (the
procedure field and code) goes through :mod:`reports.cells`: never a formula.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .cells import append_row, as_text, csv_writer

BALLOT_COLUMNS = (
    "Mã phiếu", "Đơn vị (mã)", "Quầy", "Kênh", "Ngày (giờ VN)", "Giờ", "Mức đánh giá",
    "Trạng thái", "Lý do gắn cờ", "Nhóm người đánh giá", "Lĩnh vực", "Mã TTHC",
    "Lý do chưa hài lòng",
)
CSV_ROWS_PER_CHUNK = 500
XLSX_CHUNK = 64 * 1024
FIXED_TIME = datetime(2000, 1, 1)


def ballots_csv(rows: Iterable[tuple], *, bom: bool = True) -> Iterator[bytes]:
    return stream_csv(BALLOT_COLUMNS, ([v.isoformat() if isinstance(v, date) else v for v in row]
                                       for row in rows), bom=bom)


def stream_csv(header: Iterable[str], rows: Iterable[Iterable[object]], *,
               bom: bool = True) -> Iterator[bytes]:
    """A formula-safe CSV streamed in chunks of CSV_ROWS_PER_CHUNK rows (the BOM, if asked, on
    the first chunk only)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    pending, first = 0, True
    for row in rows:
        writer.writerow(row)
        pending += 1
        if pending >= CSV_ROWS_PER_CHUNK:
            yield _take(buffer, bom and first)
            first, pending = False, 0
    yield _take(buffer, bom and first)


def _take(buffer: io.StringIO, bom: bool) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return (b"\xef\xbb\xbf" + data) if bom else data


def ballots_xlsx(rows: Iterable[tuple]) -> Iterator[bytes]:
    return stream_xlsx("Phiếu", BALLOT_COLUMNS, (10, 14, 8, 22, 12, 7, 14, 12, 30, 22, 20, 14, 40),
                       rows)


def stream_xlsx(title: str, header: Iterable[str], widths: Iterable[float],
                rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    """One write-only sheet (bold, frozen header row; every text cell formula-safe), saved
    with fixed document times and streamed in XLSX_CHUNK pieces."""
    wb = Workbook(write_only=True)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for index, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    cells = []
    for name in header:
        cell = as_text(WriteOnlyCell(ws, value=name))
        cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)
    for row in rows:
        append_row(ws, row)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        wb.save(spool)
        spool.seek(0)
        while chunk := spool.read(XLSX_CHUNK):
            yield chunk
