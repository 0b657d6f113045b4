"""The dashboard as an A4 meeting report (PDF): headline and comparisons, the three charts, then
the tables, paginated, each page numbered "Trang k/N". matplotlib draws everything, with DejaVu
Sans embedded as TrueType so the diacritics print."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from survey_app.domain.dashboard import Dashboard

from . import charts
from .dashboard_tables import Table, tables

A4 = (8.27, 11.69)
ROWS_PER_PAGE = 34
#: Columns of a figures table printed in the PDF (indices into a figures row) and their widths.
PDF_COLUMNS = ((0, "Đơn vị / Nhóm", 0.30), (1, "n", 0.07), (5, "Rất HL %", 0.075),
               (6, "HL %", 0.065), (7, "Chưa HL %", 0.08), (8, "Tỷ lệ HL %", 0.085),
               (9, "KTC 95%", 0.12), (11, "Đủ phiếu", 0.085))
SHORT = {"Chưa đủ số phiếu": "Chưa đủ", "Chưa có phiếu": "Không có"}
Page = Callable[[Figure], None]


def dashboard_pdf(d: Dashboard) -> bytes:
    pages: list[Page] = [lambda fig: _summary(fig, d), lambda fig: _charts(fig, d)]
    for table in tables(d):
        if table.sheet == "Tổng hợp" or not table.rows:
            continue
        for start in range(0, len(table.rows), ROWS_PER_PAGE):
            pages.append(lambda fig, t=table, s=start: _table_page(fig, d, t, s))
    out = io.BytesIO()
    with matplotlib.rc_context(charts.STYLE), PdfPages(out, metadata={
            "Title": f"Báo cáo mức độ hài lòng — {d.unit_name} — {d.period_label}",
            "Creator": "survey-app", "CreationDate": None}) as pdf:
        for number, draw in enumerate(pages, start=1):
            fig = Figure(figsize=A4)
            draw(fig)
            fig.text(0.5, 0.02, f"Trang {number}/{len(pages)}", ha="center", fontsize=8,
                     color="#4a5563")
            fig.text(0.07, 0.02, f"{d.unit_name} · {d.period_label}", fontsize=8,
                     color="#4a5563")
            pdf.savefig(fig)
    return out.getvalue()


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def _int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _summary(fig: Figure, d: Dashboard) -> None:
    o = d.overall
    fig.text(0.5, 0.95, "BÁO CÁO MỨC ĐỘ HÀI LÒNG", ha="center", fontsize=16, fontweight="bold")
    fig.text(0.5, 0.925, "của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính",
             ha="center", fontsize=10)
    fig.text(0.5, 0.895, d.unit_name, ha="center", fontsize=14, fontweight="bold",
             color="#0b5394")
    fig.text(0.5, 0.872, f"{d.period_label} ({d.period.start:%d/%m/%Y} – "
             f"{d.period.end:%d/%m/%Y})", ha="center", fontsize=11)
    y = 0.82
    if o.n == 0:
        fig.text(0.07, y, "Chưa có phiếu đánh giá hợp lệ trong kỳ.", fontsize=12)
    else:
        ci = o.interval_pct()
        fig.text(0.07, y, f"Tỷ lệ hài lòng: {_pct(o.rate_pct())}%", fontsize=20,
                 fontweight="bold", color="#0b5394")
        fig.text(0.07, y - 0.03, f"Khoảng tin cậy 95%: {_pct(ci[0])}% – {_pct(ci[1])}% · "
                 f"Số phiếu hợp lệ n = {_int(o.n)}", fontsize=11)
        parts = [f"Rất hài lòng {_pct(o.pct('very_satisfied'))}% "
                 f"({_int(o.tally.very_satisfied)})",
                 f"Hài lòng {_pct(o.pct('satisfied'))}% ({_int(o.tally.satisfied)})",
                 f"Chưa hài lòng {_pct(o.pct('not_satisfied'))}% "
                 f"({_int(o.tally.not_satisfied)})"]
        fig.text(0.07, y - 0.055, " · ".join(parts), fontsize=10)
        if not o.sufficient(d.min_n):
            fig.text(0.07, y - 0.08, f"Chưa đủ số phiếu (n < {d.min_n}): chỉ để tham khảo, "
                     "không dùng để xếp hạng.", fontsize=10, color="#9a6700", fontweight="bold")
    y = 0.71
    fig.text(0.07, y, "So sánh", fontsize=12, fontweight="bold")
    for c in d.comparisons:
        y -= 0.025
        change = c.change_pts()
        fig.text(0.07, y, f"{c.line.label}: tỷ lệ {_pct(c.line.rate_pct())}%, n = "
                 f"{_int(c.line.n)}; chênh lệch "
                 f"{'—' if change is None else f'{change:+.1f}'.replace('.', ',')} điểm %",
                 fontsize=10)
    if d.flagged:
        y -= 0.03
        fig.text(0.07, y, f"{_int(d.flagged)} phiếu bị gắn cờ đang chờ xem xét (không tính).",
                 fontsize=10)
    source = (f"Số liệu của kỳ đã khóa, mã băm SHA-256 {d.snapshot.content_hash[:32]}…"
              if d.snapshot else "Số liệu hiện tại (kỳ chưa khóa).")
    y -= 0.03
    fig.text(0.07, y, source, fontsize=8, color="#4a5563")
    fig.text(0.07, y - 0.018, f"Tỷ lệ = (Rất hài lòng + Hài lòng) / số phiếu hợp lệ; làm tròn "
             f"nửa lên một chữ số thập phân ({d.rule}); cấp trên cộng từ số phiếu.", fontsize=8,
             color="#4a5563")
    ax = fig.add_axes((0.42, 0.12, 0.5, 0.42))
    charts.draw_shares(ax, d, label_limit=30)


def _charts(fig: Figure, d: Dashboard) -> None:
    charts.draw_trend(fig.add_axes((0.1, 0.56, 0.78, 0.36)), d)
    charts.draw_hours(fig.add_axes((0.14, 0.1, 0.72, 0.36)), d, fig)


def _table_page(fig: Figure, d: Dashboard, table: Table, start: int) -> None:
    rows = table.rows[start:start + ROWS_PER_PAGE]
    title = table.title + (" (tiếp)" if start else "")
    fig.text(0.06, 0.95, title, fontsize=13, fontweight="bold")
    figures = table.headers[1:2] == ("Số phiếu (n)",)
    if figures:
        columns = [(label, width) for _i, label, width in PDF_COLUMNS]
        cells = [[_figure_cell(row, i) for i, _label, _w in PDF_COLUMNS] for row in rows]
    else:
        width = 0.88 / len(table.headers)
        first = min(0.34, 0.88 - width * (len(table.headers) - 1)) if len(table.headers) > 3 \
            else 0.5
        rest = (0.88 - first) / max(1, len(table.headers) - 1)
        columns = [(h, first if i == 0 else rest) for i, h in enumerate(table.headers)]
        cells = [[_plain(v) for v in row] for row in rows]
    y = 0.91
    size = 7 if len(columns) > 12 else 8
    x = 0.06
    for label, width in columns:
        fig.text(x if label == columns[0][0] else x + width - 0.005, y, label, fontsize=size,
                 fontweight="bold", ha="left" if label == columns[0][0] else "right")
        x += width
    fig.add_artist(matplotlib.lines.Line2D([0.06, 0.94], [y - 0.008, y - 0.008],
                                           color="#1b1f24", linewidth=0.8))
    for index, row in enumerate(cells):
        y -= 0.024
        x = 0.06
        bold = (start + index) in table.bold_rows
        for col, ((_label, width), text) in enumerate(zip(columns, row, strict=True)):
            if col == 0:
                fig.text(x, y, _clip(text, 40), fontsize=size,
                         fontweight="bold" if bold else "normal")
            else:
                fig.text(x + width - 0.005, y, text, fontsize=size, ha="right",
                         fontweight="bold" if bold else "normal")
            x += width


def _figure_cell(row: tuple, index: int) -> str:
    if index == 9:
        low, high = row[9], row[10]
        return "—" if low is None else f"{_pct(low)}–{_pct(high)}"
    value = row[index]
    if index == 1:
        return _int(value)
    if isinstance(value, Decimal) or (value is None and 5 <= index <= 10):
        return _pct(value)
    return SHORT.get(str(value), str(value))


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return _pct(value)
    if isinstance(value, int):
        return _int(value)
    return str(value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
