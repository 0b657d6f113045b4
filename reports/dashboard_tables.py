"""The dashboard as tables: one list of rows per sheet, shared by the XLSX, CSV and PDF renderers
so the three always say the same thing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from survey_app.domain import rounding
from survey_app.domain.dashboard import BREAKDOWNS, WEEKDAYS_VI, Dashboard, Line
from survey_app.domain.shares import Tally
from survey_app.domain.vocab import LEVELS

FIGURE_HEADERS = (
    "Số phiếu (n)", "Rất hài lòng (phiếu)", "Hài lòng (phiếu)", "Chưa hài lòng (phiếu)",
    "Rất hài lòng (%)", "Hài lòng (%)", "Chưa hài lòng (%)", "Tỷ lệ hài lòng (%)",
    "KTC 95% thấp (%)", "KTC 95% cao (%)", "Đủ số phiếu",
)
#: Which columns of a figures row hold percentages (number format 0.0 even when empty).
PERCENT_COLUMNS = frozenset(range(5, 11))
SHEET_NAMES = {"channel": "Theo kênh", "counter": "Theo quầy", "field": "Theo lĩnh vực",
               "group": "Theo nhóm"}
Cell = str | int | Decimal | None


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table: its sheet name, column headers and rows (first cell a label)."""

    sheet: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    #: Rows drawn bold (totals).
    bold_rows: frozenset[int] = frozenset()


def figure_row(label: str, line: Line, min_n: int) -> tuple[Cell, ...]:
    ci = line.interval_pct()
    enough = "Có" if line.sufficient(min_n) else ("Chưa có phiếu" if line.n == 0
                                                   else "Chưa đủ số phiếu")
    return (label, line.n, *(line.tally.count(lv) for lv in LEVELS),
            *(line.pct(lv) for lv in LEVELS), line.rate_pct(),
            ci[0] if ci else None, ci[1] if ci else None, enough)


def own_line(d: Dashboard) -> Line | None:
    """The unit's own votes (headline minus the children), when it has children."""
    if not d.children:
        return None
    own = d.overall.tally
    for child in d.children:
        own = Tally(*(own.count(lv) - child.tally.count(lv) for lv in LEVELS))
    return Line(d.unit_code, f"Tại {d.unit_name}", own)


def month_label(month: object) -> str:
    return f"{month:%m/%Y}"


def tables(d: Dashboard) -> Iterator[Table]:
    """Every table of the dashboard, in the order the exports show them."""
    summary = [figure_row(f"Kỳ này ({d.period_label})", d.overall, d.min_n)]
    summary += [figure_row(c.line.label, c.line, d.min_n) for c in d.comparisons]
    yield Table("Tổng hợp", f"{d.unit_name} — {d.period_label}", ("Kỳ", *FIGURE_HEADERS),
                tuple(summary))

    changes = tuple((c.label, c.change_pts()) for c in d.comparisons)
    yield Table("Tổng hợp", "Chênh lệch tỷ lệ hài lòng so với", ("So với", "Điểm %"), changes)

    if d.children:
        rows = [figure_row(c.label, c, d.min_n) for c in d.children]
        bold = set()
        own = own_line(d)
        if own is not None and own.n:
            rows.append(figure_row(own.label, own, d.min_n))
        rows.append(figure_row("Tổng cộng", d.overall, d.min_n))
        bold.add(len(rows) - 1)
        yield Table("Đơn vị trực thuộc", "Các đơn vị trực thuộc",
                    ("Đơn vị / Nhóm", *FIGURE_HEADERS), tuple(rows), frozenset(bold))

    for dim, title in BREAKDOWNS:
        rows = [figure_row(line.label, line, d.min_n) for line in d.breakdowns.get(dim, ())]
        yield Table(SHEET_NAMES[dim], title, ("Đơn vị / Nhóm", *FIGURE_HEADERS), tuple(rows))

    yield Table("Theo tháng", "Tỷ lệ hài lòng theo tháng", ("Tháng", *FIGURE_HEADERS),
                tuple(figure_row(month_label(m), Line(month_label(m), month_label(m), t),
                                 d.min_n) for m, t in d.trend))

    hours = hour_columns(d)
    yield Table("Theo thứ và giờ", "Số phiếu hợp lệ theo thứ và giờ (giờ Việt Nam)",
                ("Thứ", *(f"{h}h" for h in hours), "Cộng"),
                tuple((WEEKDAYS_VI[wd - 1], *(d.hours.get((wd, h), 0) for h in hours),
                       sum(d.hours.get((wd, h), 0) for h in range(24)))
                      for wd in range(1, 8)))

    not_satisfied = d.overall.tally.not_satisfied
    yield Table("Lý do chưa hài lòng", "Lý do chưa hài lòng",
                ("Lý do", "Số lần được chọn", "Trên số phiếu Chưa hài lòng (%)"),
                tuple((name, n, _pct(n, not_satisfied)) for _code, name, n in d.reasons))


def hour_columns(d: Dashboard) -> list[int]:
    """Working hours 7–17 always, plus any other hour that has votes."""
    return sorted({h for (_wd, h) in d.hours} | set(range(7, 18)))


def _pct(part: int, whole: int) -> Decimal | None:
    return rounding.percent(Fraction(part, whole)) if whole else None
