"""The officer dashboard as plain values: what every page, chart and export of it shows.

Built by :mod:`survey_app.services.dashboard` from the rollups (or a closed period's snapshot);
rendered by the web pages and by the pure renderers in :mod:`reports` (domain values in, bytes
out). Everything here is counts; percentages are rounded only when shown (:meth:`Line.pct`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from . import rounding
from .periods import Period
from .shares import Tally, satisfaction_rate, share, wilson_interval
from .vocab import LEVELS, SATISFIED_LEVELS

#: Breakdown tables in the order pages and exports show them, with their Vietnamese titles.
BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("channel", "Theo kênh đánh giá"),
    ("counter", "Theo quầy"),
    ("field", "Theo lĩnh vực thủ tục"),
    ("group", "Theo nhóm người đánh giá"),
)

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


@dataclass(frozen=True, slots=True)
class Line:
    """One row of a figures table: a label and the valid-vote tally behind it."""

    key: str
    label: str
    tally: Tally

    @property
    def n(self) -> int:
        return self.tally.total

    def satisfied(self) -> int:
        return sum(self.tally.count(lv) for lv in SATISFIED_LEVELS)

    def pct(self, level: str) -> Decimal | None:
        """A level's share in percent, one decimal, half-up (``None`` without votes)."""
        return rounding.percent(share(self.tally, level))

    def rate_pct(self) -> Decimal | None:
        return rounding.percent(satisfaction_rate(self.tally))

    def interval_pct(self) -> tuple[Decimal, Decimal] | None:
        bounds = wilson_interval(self.satisfied(), self.n)
        if bounds is None:
            return None
        low, high = (rounding.percent(b) for b in bounds)
        assert low is not None and high is not None
        return low, high

    def sufficient(self, min_n: int) -> bool:
        return self.n >= min_n


@dataclass(frozen=True, slots=True)
class Comparison:
    """The headline rate against another period: both lines and the change in points."""

    label: str
    period: Period
    line: Line
    current: Line

    def change_pts(self) -> Decimal | None:
        """Current rate minus the other's, percentage points rounded half-up to one decimal;
        ``None`` when either side has no votes."""
        now, then = satisfaction_rate(self.current.tally), satisfaction_rate(self.line.tally)
        if now is None or then is None:
            return None
        return rounding.round_half_up((now - then) * 100, 1)


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """Where the figures of a closed period come from."""

    id: int
    closed_at: datetime
    content_hash: str
    closed_by: str | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    """A unit's subtree over one period: headline, comparisons, breakdowns, trend, hours."""

    unit_code: str
    unit_name: str
    period: Period
    period_label: str
    min_n: int
    overall: Line
    flagged: int
    comparisons: tuple[Comparison, ...]
    #: Child units, each with its own subtree summed from counts.
    children: tuple[Line, ...]
    #: ``BREAKDOWNS`` key → lines, largest n first.
    breakdowns: dict[str, tuple[Line, ...]]
    #: (first day of month, tally) for every month the period touches, oldest first.
    trend: tuple[tuple[date, Tally], ...]
    #: (ISO weekday 1–7, local hour 0–23) → valid votes.
    hours: dict[tuple[int, int], int]
    #: ("Chưa hài lòng" reason code, Vietnamese label, times given), most given first.
    reasons: tuple[tuple[str, str, int], ...]
    snapshot: SnapshotInfo | None = None
    #: "Số liệu trước 01/07/2025 cộng từ: …" when merged units' counts were added.
    predecessor_note: str | None = None
    rule: str = rounding.RULE
    levels: tuple[str, ...] = field(default=LEVELS)

    @property
    def source(self) -> str:
        return "snapshot" if self.snapshot is not None else "live"
