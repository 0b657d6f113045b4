"""The index ranking as a printed table (PDF, A4 landscape) and as a bar chart (PNG/PDF/SVG).

The table is laid out from the HTML/CSS template ``survey_app/templates/print/ranking.html`` by
WeasyPrint (:mod:`reports.print_html`): header repeated on each page, pages numbered; the chart
is drawn with matplotlib. DejaVu Sans carries the Vietnamese diacritics and is embedded, so the
text can be searched and copied. Pure: a
:class:`~survey_app.domain.ranking.RankingTable` in, bytes out.
"""

from __future__ import annotations

import io
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from survey_app.domain.ranking import RankingTable  # noqa: E402

from .print_html import html_to_pdf, num, render_html  # noqa: E402
from .ranking import (  # noqa: E402
    PROVISIONAL,
    ROMAN,
    RULES_NOTE,
    band_index,
    component_value,
    rank_text,
)

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


def _fmt_cell(value: Decimal | str | None) -> str:
    return value if isinstance(value, str) else _fmt(value)


def _short(value: Decimal) -> str:
    """A maximum or a bound as printed in headings: 15, 2,5 (no trailing zeros)."""
    return format(value.normalize(), "f").replace(".", ",")


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + _fmt(value)


# --------------------------------------------------------------------------------------------
# The printed table


def _tint(colour: str, keep: float = 0.35) -> str:
    """A band colour mixed with white, so black text stays readable on it."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * keep):02x}" for c in rgb)


def ranking_html(table: RankingTable) -> str:
    fields = [(table.columns[i].name, table.columns[i].max_points) for i in table.fields]
    blocks = []
    for b, block in enumerate(table.blocks):
        rows = [{
            "stt": stt, "name": r.name,
            "fields": [_fmt_cell(component_value(r, table, i)) for i in table.fields],
            "bonus": _fmt(r.bonus), "total": _fmt(r.total), "rank": str(rank_text(r)),
            "provisional": PROVISIONAL if r.total is not None and not r.complete else "",
            "band": r.band or "—",
            "band_fill": _tint(band_colour(table, r.band)) if r.band else "#ffffff",
            "rate": _fmt(r.satisfaction_rate, 1), "n": "—" if r.n is None else num(r.n),
            "previous": _fmt(r.previous_total), "delta": _signed(r.delta), "note": r.note,
        } for stt, r in enumerate(block.rows, start=1)]
        label = ROMAN[b] if b < len(ROMAN) else str(b + 1)
        blocks.append({"label": f"{label}. Khối {block.name}", "rows": rows})
    return render_html(
        "ranking.html", table=table, fields=fields, blocks=blocks, width=11 + len(fields),
        # A4 landscape is 277 mm between the margins: 157 mm for the fixed columns, at least
        # 30 mm for the notes, the rest shared by the fields
        field_mm=min(40.0, max(12.0, round((277 - 157 - 30) / max(1, len(fields)), 1))),
        previous=f"Điểm năm {table.previous_year}" if table.previous_year else "Năm trước",
        bands="; ".join(f"{label} từ {_short(lower)} điểm" for label, lower in table.bands),
        rules=RULES_NOTE)


def ranking_pdf(table: RankingTable) -> bytes:
    """The ranking in the layout of a published table: per block, STT, unit, fields, total,
    rank, band, satisfaction rate, n, last year and the change; A4 landscape, the header
    repeated on every page, pages numbered."""
    return html_to_pdf(ranking_html(table))


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
                    if not r.complete:
                        text += f"  ({PROVISIONAL}, chưa xếp hạng)"
                    elif r.rank is None:
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
