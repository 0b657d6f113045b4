"""Dashboard charts with matplotlib: SVG for the page, PNG and PDF to download.

Figures are built with the object API (no pyplot state, safe in threaded workers). DejaVu Sans
carries every Vietnamese diacritic; SVG keeps text as text (the page's fonts have them too) and
PDF embeds TrueType. Output is deterministic: no dates, a fixed SVG id salt.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from survey_app.domain.dashboard import WEEKDAYS_VI, Dashboard, Line
from survey_app.domain.vocab import LEVEL_TERMS

from .dashboard_tables import hour_columns, month_label

FORMATS = ("svg", "png", "pdf")
LEVEL_COLOURS = {"very_satisfied": "#1a7f37", "satisfied": "#5b9bd5", "not_satisfied": "#c0392b"}
#: The share written on each bar, in a colour that keeps a 4.5:1 contrast with the bar (WCAG AA):
#: white on the dark green and red, ink on the light blue.
LEVEL_TEXT_COLOURS = {"very_satisfied": "white", "satisfied": "#1b1f24",
                      "not_satisfied": "white"}
RATE_COLOUR = "#0b5394"
STYLE = {
    "font.family": ["DejaVu Sans"],
    "font.size": 10,
    "svg.fonttype": "none",
    "svg.hashsalt": "survey-app",
    "pdf.fonttype": 42,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: At most this many child units are drawn; the table below the chart lists them all.
MAX_BARS = 30


def render(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format {fmt!r}")
    out = io.BytesIO()
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None},
                                "png": {"Software": None}}[fmt]
    with matplotlib.rc_context(STYLE):
        fig.savefig(out, format=fmt, metadata=metadata, dpi=150 if fmt == "png" else 72)
    return out.getvalue()


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def _empty(ax: Axes, text: str = "Chưa có phiếu") -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=14, color="#4a5563",
            transform=ax.transAxes)


def draw_trend(ax: Axes, d: Dashboard) -> None:
    """Monthly satisfaction rate (line, left axis) over the votes of each month (bars, right)."""
    ax.set_title(f"Tỷ lệ hài lòng theo tháng — {d.unit_name}", loc="left", fontweight="bold")
    if not d.trend or all(t.total == 0 for _m, t in d.trend):
        _empty(ax)
        return
    labels = [month_label(m) for m, _t in d.trend]
    xs = list(range(len(labels)))
    counts = [t.total for _m, t in d.trend]
    lines = [Line("", lab, t) for lab, (_m, t) in zip(labels, d.trend, strict=True)]
    bars = ax.twinx()
    bars.bar(xs, counts, color="#d0d7de", width=0.6, zorder=1)
    bars.set_ylabel("Số phiếu (n)")
    bars.spines["top"].set_visible(False)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    rates = [float(ln.rate_pct()) if ln.n else None for ln in lines]
    ax.plot([x for x, r in zip(xs, rates, strict=True) if r is not None],
            [r for r in rates if r is not None], color=RATE_COLOUR, linewidth=2, zorder=3)
    for x, line, rate in zip(xs, lines, rates, strict=True):
        if rate is None:
            continue
        enough = line.sufficient(d.min_n)
        ax.plot([x], [rate], marker="o", markersize=7, zorder=4,
                color=RATE_COLOUR if enough else "#8c959f",
                markerfacecolor=RATE_COLOUR if enough else "white")
        ax.annotate(f"{rate:.1f}".replace(".", ","), (x, rate), textcoords="offset points",
                    xytext=(0, 8), ha="center", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("Tỷ lệ hài lòng (%)")
    ax.set_xticks(xs, labels, rotation=45 if len(xs) > 8 else 0)
    ax.set_xlabel(f"Tháng (n = {sum(counts):,} phiếu hợp lệ)".replace(",", "."))
    if any(0 < ln.n < d.min_n for ln in lines):
        ax.plot([], [], marker="o", color="#8c959f", markerfacecolor="white", linestyle="",
                label=f"n < {d.min_n}: chưa đủ số phiếu")
        ax.legend(loc="lower left", frameon=False, fontsize=8)


def draw_hours(ax: Axes, d: Dashboard, fig: Figure) -> None:
    """Votes by weekday (rows) and local hour (columns)."""
    total = sum(d.hours.values())
    ax.set_title(f"Số phiếu theo thứ và giờ (n = {total:,})".replace(",", "."), loc="left",
                 fontweight="bold")
    if total == 0:
        _empty(ax)
        return
    hours = hour_columns(d)
    grid = [[d.hours.get((wd, h), 0) for h in hours] for wd in range(1, 8)]
    image = ax.imshow(grid, aspect="auto", cmap="Blues")
    ax.set_yticks(range(7), WEEKDAYS_VI)
    ax.set_xticks(range(len(hours)), [f"{h}h" for h in hours])
    ax.set_xlabel("Giờ trong ngày (giờ Việt Nam)")
    peak = max(max(row) for row in grid) or 1
    for y, row in enumerate(grid):
        for x, n in enumerate(row):
            if n:
                ax.text(x, y, f"{n:,}".replace(",", "."), ha="center", va="center", fontsize=7,
                        color="white" if n > peak * 0.6 else "#1b1f24")
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.colorbar(image, ax=ax, label="Số phiếu", shrink=0.8)


def draw_shares(ax: Axes, d: Dashboard, label_limit: int = 60) -> None:
    """Stacked shares of the three levels: the unit first, then its children."""
    # the legend sits between the title and the bars, so it never meets the axis label below
    ax.set_title(f"Cơ cấu mức độ hài lòng — {d.period_label}", loc="left", fontweight="bold",
                 pad=26)
    lines = [d.overall, *sorted(d.children, key=lambda c: -c.n)[:MAX_BARS]]
    lines = [ln for ln in lines if ln.n] or []
    if not lines:
        _empty(ax)
        return
    labels = [f"{_clip(ln.label, label_limit)} (n = {ln.n:,})".replace(",", ".")
              for ln in lines]
    ys = list(range(len(lines)))[::-1]
    left = [0.0] * len(lines)
    for code, vi, _en in LEVEL_TERMS:
        widths = [float(ln.pct(code) or 0) for ln in lines]
        ax.barh(ys, widths, left=left, color=LEVEL_COLOURS[code], label=vi, height=0.7)
        for y, x0, w in zip(ys, left, widths, strict=True):
            if w >= 6:
                ax.text(x0 + w / 2, y, f"{w:.1f}".replace(".", ","), ha="center",
                        va="center", fontsize=8, color=LEVEL_TEXT_COLOURS[code])
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Tỷ lệ (%)")
    ax.legend(ncols=3, loc="lower left", bbox_to_anchor=(0, 1), frameon=False,
              borderaxespad=0.2)
    if len(d.children) > MAX_BARS:
        ax.set_xlabel(f"Tỷ lệ (%) · {MAX_BARS} đơn vị nhiều phiếu nhất; xem bảng để có đủ")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def trend_chart(d: Dashboard, fmt: str) -> bytes:
    return _one(lambda ax, fig: draw_trend(ax, d), 9, 4.3, fmt)


def hours_chart(d: Dashboard, fmt: str) -> bytes:
    return _one(lambda ax, fig: draw_hours(ax, d, fig), 9, 4.3, fmt)


def shares_chart(d: Dashboard, fmt: str) -> bytes:
    rows = 1 + min(len(d.children), MAX_BARS)
    return _one(lambda ax, fig: draw_shares(ax, d), 9, max(2.6, 1.4 + 0.32 * rows), fmt)


def _one(draw: Callable[[Axes, Figure], None], width: float, height: float, fmt: str) -> bytes:
    fig = _figure(width, height)
    with matplotlib.rc_context(STYLE):
        draw(fig.add_subplot(), fig)
    return render(fig, fmt)
