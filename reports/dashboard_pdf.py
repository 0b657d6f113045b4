"""The dashboard as an A4 meeting report (PDF), laid out from an HTML/CSS print template.

Page 1 is a summary an official can read aloud: the rate with its 95 % interval and n, the
change against the previous period and the same period last year in words, the three shares,
the most given reasons for "Chưa hài lòng" and the units below the minimum n. Then the tables
(child units, channels, counters, fields, groups, months) with their charts beside or below
them, drawn by the dashboard's own matplotlib code (:mod:`reports.charts`) and embedded as SVG.
WeasyPrint paginates (template ``survey_app/templates/print/meeting_report.html``); table headers
repeat on every page and pages are numbered "Trang k / N". Pure: a Dashboard in, bytes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from survey_app.domain import rounding
from survey_app.domain.dashboard import BREAKDOWNS, Comparison, Dashboard, Line

from . import charts
from .dashboard_tables import figure_row, month_label, own_line
from .print_html import NBSP, html_to_pdf, num, pct, render_html, svg_chart

#: At most this many reasons are named on the summary page.
TOP_REASONS = 5
EMPTY = {"channel": "Chưa có phiếu theo kênh đánh giá.", "counter": "Chưa có phiếu ghi nhận quầy.",
         "field": "Chưa có phiếu ghi nhận lĩnh vực thủ tục.",
         "group": "Chưa có phiếu ghi nhận nhóm người đánh giá."}


@dataclass(frozen=True, slots=True)
class PrintRow:
    label: str
    n: str
    very: str
    sat: str
    not_: str
    rate: str
    ci: str
    enough: bool
    enough_text: str
    bold: bool = False

    @property
    def not_sat(self) -> str:
        return self.not_


def dashboard_pdf(d: Dashboard) -> bytes:
    return html_to_pdf(dashboard_html(d))


def dashboard_html(d: Dashboard) -> str:
    """The meeting report as HTML (what :func:`dashboard_pdf` lays out)."""
    o = d.overall
    ci = o.interval_pct()
    context: dict[str, Any] = {
        "unit_name": d.unit_name, "period_label": d.period_label,
        "period_dates": f"{d.period.start:%d/%m/%Y} – {d.period.end:%d/%m/%Y}",
        "footer": f"{d.unit_name} · {d.period_label}",
        "n": o.n, "n_text": num(o.n), "rate": pct(o.rate_pct()),
        "low": pct(ci[0]) if ci else "—", "high": pct(ci[1]) if ci else "—",
        "sufficient": o.sufficient(d.min_n), "min_n": d.min_n,
        "comparisons": [comparison_sentence(d, c) for c in d.comparisons],
        "shares": [(name, pct(o.pct(code)), num(o.tally.count(code)))
                   for code, name in (("very_satisfied", "Rất hài lòng"),
                                      ("satisfied", "Hài lòng"),
                                      ("not_satisfied", "Chưa hài lòng"))],
        "reasons": _reasons(d), "no_reasons": _no_reasons(d),
        "has_children": bool(d.children), "short_units": _short_units(d),
        "flagged": num(d.flagged) if d.flagged else "",
        "source": (f"Số liệu của kỳ đã khóa, mã băm SHA-256 {d.snapshot.content_hash[:32]}…"
                   if d.snapshot else "Số liệu hiện tại (kỳ chưa khóa)."),
        "rule": d.rule, "tables": _tables(d),
        "hours_chart": _hours_chart(d) if d.hours and sum(d.hours.values()) else None,
    }
    return render_html("meeting_report.html", **context)


# --- page 1 in words --------------------------------------------------------------------------

def _kind(d: Dashboard) -> str:
    """What the period is called in a sentence: quý, tháng, năm or kỳ."""
    label = d.period_label.lower()
    for kind in ("quý", "tháng", "năm"):
        if label.startswith(kind):
            return kind
    return "kỳ"


def comparison_sentence(d: Dashboard, c: Comparison) -> str:
    """ "Tăng 2,3 điểm phần trăm so với quý trước (Quý II/2026: 82,1 %, n = 50)." and the like;
    without a figure on either side, a sentence that says so."""
    against = (f"{_kind(d)} trước" if c.label == "Kỳ trước" else c.label[0].lower() + c.label[1:])
    other = c.line.label
    if other.startswith(c.label + " (") and other.endswith(")"):
        other = other[len(c.label) + 2:-1]
    if d.overall.n == 0:
        return (f"Kỳ này chưa có phiếu hợp lệ nên chưa so sánh được với {against} "
                f"({other}: {_rate_words(c.line)}).")
    if c.line.n == 0:
        return f"Chưa so sánh được với {against}: {other} chưa có phiếu hợp lệ."
    change = c.change_pts()
    assert change is not None
    then = f"({other}: {_rate_words(c.line)})"
    if change == 0:
        return f"Không thay đổi so với {against} {then}."
    verb = "Tăng" if change > 0 else "Giảm"
    return f"{verb} {pct(abs(change))} điểm phần trăm so với {against} {then}."


def _rate_words(line: Line) -> str:
    if line.n == 0:
        return "chưa có phiếu"
    return f"{pct(line.rate_pct())}{NBSP}%, n{NBSP}={NBSP}{num(line.n)}"


def _reasons(d: Dashboard) -> list[tuple[str, str, str]]:
    not_satisfied = d.overall.tally.not_satisfied
    given = sorted((r for r in d.reasons if r[2] > 0), key=lambda r: -r[2])[:TOP_REASONS]
    # the same half-up share as the reasons table of the XLSX and CSV exports
    return [(name, num(times), pct(rounding.percent(Fraction(times, not_satisfied)))
             if not_satisfied else "—") for _code, name, times in given]


def _no_reasons(d: Dashboard) -> str:
    if d.overall.tally.not_satisfied == 0:
        return "Không có phiếu “Chưa hài lòng” trong kỳ."
    return "Các phiếu “Chưa hài lòng” không ghi lý do."


def _short_units(d: Dashboard) -> list[str]:
    return [f"{c.label} (n{NBSP}={NBSP}{num(c.n)})" if c.n else f"{c.label} (chưa có phiếu)"
            for c in d.children if not c.sufficient(d.min_n)]


# --- the tables --------------------------------------------------------------------------------

def _print_row(row: tuple, *, bold: bool = False) -> PrintRow:
    label, n, _c1, _c2, _c3, p1, p2, p3, rate, low, high, enough = row
    ok = enough == "Có"
    return PrintRow(str(label), num(n), pct(p1), pct(p2), pct(p3), pct(rate),
                    "—" if low is None else f"{pct(low)}–{pct(high)}", ok,
                    "Có" if ok else ("Chưa đủ" if n else "Không"), bold)


@dataclass
class PrintTable:
    title: str
    first: str
    rows: list[PrintRow]
    empty: str = ""
    chart: str | None = None
    chart_w: float = 0
    chart_h: float = 0
    beside: bool = False
    compact: bool = False


def _tables(d: Dashboard) -> list[PrintTable]:
    out = []
    if d.children:
        rows = [_print_row(figure_row(c.label, c, d.min_n)) for c in d.children]
        own = own_line(d)
        if own is not None and own.n:
            rows.append(_print_row(figure_row(own.label, own, d.min_n)))
        rows.append(_print_row(figure_row("Tổng cộng", d.overall, d.min_n), bold=True))
        bars = 1 + min(len(d.children), charts.MAX_BARS)
        height = min(120.0, 30 + 6.5 * bars)
        out.append(PrintTable("Các đơn vị trực thuộc", "Đơn vị", rows,
                              chart=_shares_chart(d, height), chart_w=182, chart_h=height))
    for dim, title in BREAKDOWNS:
        lines = d.breakdowns.get(dim, ())
        if dim == "group" and not lines:
            continue
        out.append(PrintTable(title, "Nhóm", [_print_row(figure_row(ln.label, ln, d.min_n))
                                              for ln in lines], empty=EMPTY[dim]))
    months = [_print_row(figure_row(month_label(m), Line("", month_label(m), t), d.min_n))
              for m, t in d.trend]
    if any(t.total for _m, t in d.trend):
        out.append(PrintTable("Tỷ lệ hài lòng theo tháng", "Tháng", months,
                              chart=_trend_chart(d), chart_w=92, chart_h=62, beside=True,
                              compact=True))
    return out


def _trend_chart(d: Dashboard) -> str:
    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        charts.draw_trend(ax, d)
        ax.set_title("Tỷ lệ hài lòng theo tháng", loc="left", fontweight="bold")

    return svg_chart(draw, 92, 62)


def _hours_chart(d: Dashboard) -> str:
    return svg_chart(lambda fig: charts.draw_hours(fig.add_subplot(), d, fig), 182, 62)


def _shares_chart(d: Dashboard, height: float) -> str:
    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        charts.draw_shares(ax, d, label_limit=40)
        # the section heading names the chart; the legend goes above it, clear of the axis
        # label on a short chart
        ax.set_title("", loc="left")
        if ax.get_legend_handles_labels()[0]:  # no bars when no unit had a vote
            ax.legend(ncols=3, loc="lower right", bbox_to_anchor=(1, 1), frameon=False)
        ax.set_xlabel("Tỷ lệ (%)")

    return svg_chart(draw, 182, height)
