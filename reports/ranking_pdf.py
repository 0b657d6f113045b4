"""The index ranking as a printed table (PDF, A4 landscape) and as a bar chart (PNG/PDF/SVG).

Rendered with matplotlib; DejaVu Sans carries the Vietnamese diacritics and is embedded as
TrueType (``pdf.fonttype`` 42) so the text can be searched and copied. Pure: a
:class:`~survey_app.domain.ranking.RankingTable` in, bytes out.
"""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from survey_app.domain.ranking import RankingTable, Row  # noqa: E402

from .ranking import ROMAN, band_index, rank_text  # noqa: E402

FONT = "DejaVu Sans"
#: Band colours, best first: dark green, green, amber, orange, red (then greys).
BAND_COLOURS = ("#1a7f37", "#5cb85c", "#e8b931", "#f08c3a", "#d64545")
NO_BAND = "#9aa4ae"
PAGE_MM = (297.0, 210.0)  # A4 landscape


def band_colour(table: RankingTable, band: str | None) -> str:
    i = band_index(table, band)
    if i is None:
        return NO_BAND
    return BAND_COLOURS[i] if i < len(BAND_COLOURS) else NO_BAND


def _fmt(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:.{places}f}".replace(".", ",")


def _short(value: Decimal) -> str:
    """A maximum or a bound as printed in headings: 15, 2,5 (no trailing zeros)."""
    return format(value.normalize(), "f").replace(".", ",")


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + _fmt(value)


# --------------------------------------------------------------------------------------------
# The printed table


class _Sheet:
    """Pages of a table drawn top to bottom; coordinates in millimetres from the top-left."""

    MARGIN = 10.0

    def __init__(self, table: RankingTable, pdf: PdfPages) -> None:
        self.table, self.pdf = table, pdf
        self.width, self.height = PAGE_MM
        fields = table.fields
        previous = f"Điểm năm {table.previous_year}" if table.previous_year else "Năm trước"
        # (heading, sub-heading, width in mm, alignment)
        self.columns: list[tuple[str, str, float, str]] = [
            ("STT", "", 9, "center"), ("Đơn vị", "", 40, "left")]
        fixed = 9 + 40 + 15 + 17 + 16 + 20 + 15 + 12 + 16 + 15
        note_width = 38.0
        room = self.width - 2 * self.MARGIN - fixed - note_width
        each = max(14.0, room / max(1, len(fields)))
        self.columns += [(table.columns[i].name, f"(tối đa {_short(table.columns[i].max_points)})",
                          each, "right") for i in fields]
        self.columns += [("Điểm thưởng/ trừ", "", 15, "right"),
                         ("Tổng điểm", f"(tối đa {_short(table.max_total)})", 17, "right"),
                         ("Xếp hạng", "", 16, "center"), ("Xếp loại", "", 20, "center"),
                         ("Tỷ lệ hài lòng (%)", "", 15, "right"), ("n", "", 12, "right"),
                         (previous, "", 16, "right"), ("Tăng/ giảm", "", 15, "right"),
                         ("Ghi chú", "", note_width, "left")]
        self.page = 0
        self.fig: plt.Figure | None = None
        self.y = 0.0

    def _new_page(self) -> None:
        if self.fig is not None:
            self._finish_page()
        self.page += 1
        self.fig = plt.figure(figsize=(self.width / 25.4, self.height / 25.4))
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(self.height, 0)
        self.ax.set_axis_off()
        self.y = self.MARGIN
        if self.page == 1:
            for line in textwrap.wrap(self.table.title.upper(), 90):
                self._text(self.width / 2, line, 12, bold=True, align="center")
                self.y += 6
            self._text(self.width / 2, self.table.subtitle, 8, align="center", italic=True)
            self.y += 7
        self._header()

    def _text(self, x: float, text: str, size: float, *, bold: bool = False,
              align: str = "left", italic: bool = False, color: str = "#000000") -> None:
        assert self.fig is not None
        self.ax.text(x, self.y, text, fontsize=size, ha=align, va="top", family=FONT,
                     fontweight="bold" if bold else "normal",
                     fontstyle="italic" if italic else "normal", color=color)

    def _header(self) -> None:
        lines = [[(t, False) for t in textwrap.wrap(h, max(4, int(w / 1.75)))]
                 + [(t, True) for t in (textwrap.wrap(s, max(4, int(w / 1.6))) if s else [])]
                 for h, s, w, _ in self.columns]
        height = 3.2 * max(len(x) for x in lines) + 3
        x = self.MARGIN
        for (_, _, w, _), text_lines in zip(self.columns, lines, strict=True):
            self.ax.add_patch(Rectangle((x, self.y), w, height, facecolor="#ddebf7",
                                        edgecolor="#000000", linewidth=0.6))
            top = self.y + (height - 3.2 * len(text_lines)) / 2
            for k, (line, sub) in enumerate(text_lines):
                self.ax.text(x + w / 2, top + 3.2 * k + 0.3, line, fontsize=6.6, ha="center",
                             va="top", family=FONT, fontweight="normal" if sub else "bold")
            x += w
        self.y += height

    def _room(self, needed: float) -> None:
        if self.fig is None or self.y + needed > self.height - self.MARGIN - 6:
            self._new_page()

    def block(self, number: int, name: str) -> None:
        self._room(6 + 6)
        total = sum(w for _, _, w, _ in self.columns)
        self.ax.add_patch(Rectangle((self.MARGIN, self.y), total, 6, facecolor="#f3f3f3",
                                    edgecolor="#000000", linewidth=0.6))
        label = ROMAN[number] if number < len(ROMAN) else str(number + 1)
        self.ax.text(self.MARGIN + 2, self.y + 1.3, f"{label}. Khối {name}", fontsize=8,
                     va="top", family=FONT, fontweight="bold")
        self.y += 6

    def row(self, stt: int, r: Row) -> None:
        table = self.table
        cells = [str(stt), r.name]
        cells += [_fmt(r.components[i]) for i in table.fields]
        rank = rank_text(r)
        cells += [_fmt(r.bonus) if r.bonus else "", _fmt(r.total),
                  str(rank), r.band or "—", _fmt(r.satisfaction_rate, 1),
                  "—" if r.n is None else str(r.n), _fmt(r.previous_total), _signed(r.delta),
                  r.note]
        wrapped = [textwrap.wrap(c, max(6, int(w / 1.55))) or [""]
                   for c, (_, _, w, _) in zip(cells, self.columns, strict=True)]
        height = max(5.5, 3.1 * max(len(x) for x in wrapped) + 2.2)
        self._room(height)
        x = self.MARGIN
        for k, (lines, (_, _, w, align)) in enumerate(zip(wrapped, self.columns, strict=True)):
            fill = "#ffffff"
            if k == len(self.columns) - 6 and r.band:  # the band cell carries its colour
                fill = band_colour(table, r.band)
            self.ax.add_patch(Rectangle((x, self.y), w, height, facecolor=fill,
                                        edgecolor="#000000", linewidth=0.4,
                                        alpha=0.35 if fill != "#ffffff" else 1))
            tx = {"left": x + 1.2, "right": x + w - 1.2, "center": x + w / 2}[align]
            for j, line in enumerate(lines):
                bold = k == len(self.columns) - 8  # the total
                self.ax.text(tx, self.y + 1.1 + 3.1 * j, line,
                             fontsize=6.2 if k == len(self.columns) - 1 else 7.2, ha=align,
                             va="top", family=FONT, fontweight="bold" if bold else "normal")
            x += w
        self.y += height

    def footnote(self) -> None:
        bands = "; ".join(f"{label} từ {_short(lower)} điểm" for label, lower in self.table.bands)
        text = (f"Xếp loại: {bands}. Bằng điểm thì cùng hạng (1, 2, 2, 4). “Không xếp hạng”: "
                "đơn vị được đánh giá nhưng không xếp hạng. Ghi chú nêu tiêu chí chưa đủ số "
                "phiếu hoặc chưa có số liệu.")
        lines = textwrap.wrap(text, 190)
        self._room(4 * len(lines) + 3)
        self.y += 3
        for line in lines:
            self._text(self.MARGIN, line, 7, italic=True)
            self.y += 3.6

    def _finish_page(self) -> None:
        assert self.fig is not None
        self.ax.text(self.width / 2, self.height - self.MARGIN / 2,
                     f"{self.table.code} {self.table.year} · trang {self.page}", fontsize=7,
                     ha="center", va="bottom", family=FONT, color="#555555")
        self.pdf.savefig(self.fig)
        plt.close(self.fig)
        self.fig = None

    def close(self) -> None:
        if self.fig is None:
            self._new_page()
        self._finish_page()


def ranking_pdf(table: RankingTable) -> bytes:
    """The ranking in the layout of a published table: per block, STT, unit, fields, total,
    rank, band, satisfaction rate, n, last year and the change; A4 landscape, paged."""
    buffer = io.BytesIO()
    with plt.rc_context({"pdf.fonttype": 42}), PdfPages(buffer, metadata={
            "Title": table.title, "Creator": "survey-app"}) as pdf:
        sheet = _Sheet(table, pdf)
        sheet._new_page()
        for b, block in enumerate(table.blocks):
            sheet.block(b, block.name)
            for stt, r in enumerate(block.rows, start=1):
                sheet.row(stt, r)
        sheet.footnote()
        sheet.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# The chart


def ranking_chart(table: RankingTable, fmt: str = "png", dpi: int = 120) -> bytes:
    """Horizontal bars per block, coloured by band, rank 1 on top; last year as a marker.

    Units without a total get no bar and say so; unranked units are labelled as such.
    """
    if fmt not in ("png", "pdf", "svg"):
        raise ValueError("format must be png, pdf or svg")
    heights = [max(1, len(b.rows)) for b in table.blocks] or [1]
    fig_height = 1.6 + 0.42 * sum(heights) + 0.9 * len(heights)
    with plt.rc_context({"font.family": FONT, "pdf.fonttype": 42, "svg.fonttype": "none"}):
        fig, axes = plt.subplots(len(heights), 1, figsize=(10, fig_height), squeeze=False,
                                 gridspec_kw={"height_ratios": heights})
        top = float(table.max_total)
        for ax, block in zip(axes[:, 0], table.blocks, strict=False):
            rows = list(block.rows)
            ys = list(range(len(rows)))[::-1]
            for y, r in zip(ys, rows, strict=True):
                label = f"{r.rank}. {r.name}" if r.rank is not None else f"–  {r.name}"
                if r.total is not None:
                    ax.barh(y, float(r.total), color=band_colour(table, r.band),
                            edgecolor="#333333", linewidth=0.5, height=0.68,
                            hatch="//" if not r.sufficient else None)
                    text = _fmt(r.total) + (f"  {r.band}" if r.band else "")
                    if r.rank is None:
                        text += "  (không xếp hạng)"
                    if not r.sufficient:
                        text += "  ⚠"
                    ax.text(top * 1.015, y, text, va="center", fontsize=8)
                else:
                    ax.text(top * 0.01, y, "chưa có điểm", va="center", fontsize=8,
                            color="#555555", style="italic")
                if r.previous_total is not None:
                    ax.plot(float(r.previous_total), y, marker="D", color="#111111",
                            markersize=5.5, markerfacecolor="#ffffff", markeredgewidth=1.4,
                            zorder=5)
                ax.text(-top * 0.01, y, label, ha="right", va="center", fontsize=9)
            for _, lower in table.bands:
                if 0 < lower < table.max_total:
                    ax.axvline(float(lower), color="#888888", linewidth=0.6, linestyle=":")
            ax.set_xlim(0, top * 1.36)
            ax.spines["bottom"].set_bounds(0, top)
            ax.set_xticks([t for t in ax.get_xticks() if 0 <= t <= top])
            ax.set_ylim(-0.7, len(rows) - 0.3)
            ax.set_yticks([])
            ax.set_title(f"Khối {block.name}", loc="left", fontsize=11, fontweight="bold")
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.tick_params(axis="x", labelsize=8)
        axes[-1, 0].set_xlabel("Tổng điểm", fontsize=9)
        handles: list[object] = [Patch(facecolor=band_colour(table, label), edgecolor="#333333",
                                       label=f"{label} (≥ {_short(lower)})")
                                 for label, lower in table.bands]
        marker = f"Năm {table.previous_year}" if table.previous_year else "Năm trước"
        handles.append(Line2D([], [], marker="D", color="#111111", markerfacecolor="#ffffff",
                              linestyle="none", markersize=6, label=marker))
        handles.append(Patch(facecolor="#ffffff", edgecolor="#333333", hatch="//",
                             label="chưa đủ số phiếu"))
        fig.suptitle(table.title, fontsize=12, fontweight="bold", x=0.02, ha="left")
        fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=8,
                   frameon=False)
        fig.subplots_adjust(left=0.27, right=0.97, top=1 - 0.9 / fig_height,
                            bottom=1.05 / fig_height + 0.02,
                            # about 0.9 inch between panels, whatever their number of bars
                            hspace=0.9 / (0.42 * sum(heights) / len(heights)))
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi)
        plt.close(fig)
    return buffer.getvalue()
