"""Citizens' comments, one row each, as streamed CSV or XLSX for officers.

The comment text is what a citizen typed (phone and ID numbers already masked): every cell goes
through :mod:`reports.cells`, so "=HYPERLINK(…)" stays text. The same streaming as the ballot
export (``reports/ballots_export.py``): rows in, byte chunks out, nothing held in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .ballots_export import stream_csv, stream_xlsx

COMMENT_COLUMNS = (
    "Mã ý kiến", "Thời điểm (giờ VN)", "Đơn vị (mã)", "Đơn vị", "Quầy", "Kênh",
    "Mức đánh giá", "Lý do chưa hài lòng", "Ý kiến", "Trạng thái phiếu", "Lý do gắn cờ",
    "Phản ánh số",
)


def comments_csv(rows: Iterable[tuple], *, bom: bool = True) -> Iterator[bytes]:
    return stream_csv(COMMENT_COLUMNS, rows, bom=bom)


def comments_xlsx(rows: Iterable[tuple]) -> Iterator[bytes]:
    return stream_xlsx("Ý kiến", COMMENT_COLUMNS, (10, 18, 12, 28, 14, 18, 14, 30, 60, 14, 24, 10),
                       rows)
