"""Periods and time (DOMAIN.md §4): UTC storage, local-date period boundaries.

A vote at 23:30 local time on 30 November belongs to November, whatever its UTC date.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")


@dataclass(frozen=True, slots=True)
class Period:
    """An inclusive range of local dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before this one (same length for custom ranges)."""
        if _is_whole_months(self):
            months = _months_between(self.start, self.end)
            first = _add_months(self.start, -months)
            return Period(first, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_before(self) -> Period:
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1))


def month(year: int, m: int) -> Period:
    return Period(date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1]))


def quarter(year: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1-4")
    first = 3 * (q - 1) + 1
    return Period(month(year, first).start, month(year, first + 2).end)


def half_year(year: int, h: int) -> Period:
    if h not in (1, 2):
        raise ValueError("half must be 1 or 2")
    return Period(month(year, 6 * (h - 1) + 1).start, month(year, 6 * h).end)


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31))


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The local calendar date of an aware timestamp."""
    if moment.tzinfo is None:
        raise ValueError("timestamp must carry its offset")
    return moment.astimezone(tz).date()


@dataclass(frozen=True, slots=True)
class CountedTime:
    """When a vote counts, and why it was flagged if its clock could not be believed."""

    at: datetime
    flag: str | None


def counted_time(
    answered_at: datetime,
    received_at: datetime,
    *,
    skew: timedelta = timedelta(minutes=5),
    max_age: timedelta | None = timedelta(days=30),
) -> CountedTime:
    """The time a vote counts at: the answer time, bounded by receipt and a maximum age.

    An answer time later than receipt (beyond clock skew) counts at receipt and is flagged
    ``clock_ahead``; one older than ``max_age`` counts at the oldest plausible moment and is
    flagged ``clock_too_old``. A small skew forward is silently bounded to receipt.
    ``max_age=None`` puts no lower bound (paper ballots are keyed in weeks after the survey).
    """
    if answered_at > received_at + skew:
        return CountedTime(received_at, "clock_ahead")
    if answered_at > received_at:
        return CountedTime(received_at, None)
    if max_age is not None and answered_at < received_at - max_age:
        return CountedTime(received_at - max_age, "clock_too_old")
    return CountedTime(answered_at, None)


def is_whole_months(p: Period) -> bool:
    """Whether the period runs from a month's first day to a month's last (month, quarter, …)."""
    return _is_whole_months(p)


def _is_whole_months(p: Period) -> bool:
    return p.start.day == 1 and p.end == month(p.end.year, p.end.month).end


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True, slots=True)
class MonthSplit:
    """A period as whole calendar months (read from the monthly rollup) plus edge days."""

    months: Period | None
    edges: tuple[Period, ...]


def split_by_months(period: Period) -> MonthSplit:
    """Whole months inside ``period`` and the days before and after them.

    ``months`` runs from the first day of the first whole month to the last day of the last
    one; days outside it are ``edges`` (at most two ranges).
    """
    first = period.start if period.start.day == 1 else _add_months(period.start, 1)
    last_month_end = month(period.end.year, period.end.month).end
    last = period.end if period.end == last_month_end else \
        _add_months(period.end, 0) - timedelta(days=1)
    if first > last:
        return MonthSplit(None, (period,))
    edges = []
    if period.start < first:
        edges.append(Period(period.start, first - timedelta(days=1)))
    if last < period.end:
        edges.append(Period(last + timedelta(days=1), period.end))
    return MonthSplit(Period(first, last), tuple(edges))
