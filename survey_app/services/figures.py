"""Satisfaction figures for a unit (or its subtree) and a period, read from the rollups."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session

from ..domain import rounding
from ..domain.periods import Period, split_by_months
from ..domain.shares import Tally, satisfaction_rate, share, wilson_interval
from ..domain.vocab import LEVELS
from ..models import DailyTally, MonthlyTally, Unit
from .snapshots import snapshot_for, snapshot_tally
from .unit_changes import contributing
from .units import in_subtree, subtree_ids


@dataclass(frozen=True, slots=True)
class Figures:
    """Valid-vote tally of a unit and period plus the flagged count awaiting review."""

    unit: Unit
    period: Period
    tally: Tally
    flagged: int
    min_n: int
    channel: str | None = None
    subtree: bool = False
    #: The content hash of the closed period's snapshot these figures come from, if any.
    snapshot_hash: str | None = None
    #: Codes of merged units whose counts were added (their ballots fell in the period).
    predecessors: tuple[str, ...] = ()

    @property
    def sufficient(self) -> bool:
        return self.tally.total >= self.min_n

    def interval(self) -> tuple[Decimal, Decimal] | None:
        satisfied = self.tally.very_satisfied + self.tally.satisfied
        return wilson_interval(satisfied, self.tally.total)

    def as_json(self) -> dict[str, Any]:
        """The published shape: percents rounded half-up to one decimal, rule named."""
        interval = self.interval()
        return {
            "unit": self.unit.code,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "channel": self.channel,
            "subtree": self.subtree,
            "rule": rounding.RULE,
            "n": self.tally.total,
            "counts": self.tally.counts(),
            "shares": {lv: _num(rounding.percent(share(self.tally, lv))) for lv in LEVELS},
            "satisfaction_rate": _num(rounding.percent(satisfaction_rate(self.tally))),
            "interval95": (
                {"low": _num(rounding.percent(interval[0])),
                 "high": _num(rounding.percent(interval[1]))}
                if interval else None
            ),
            "sufficient": self.sufficient,
            "min_n": self.min_n,
            "flagged": self.flagged,
            "source": "snapshot" if self.snapshot_hash else "live",
            "snapshot_hash": self.snapshot_hash,
            **({"predecessors": list(self.predecessors)} if self.predecessors else {}),
        }


def unit_figures(
    session: Session, unit: Unit, period: Period, *, min_n: int, channel: str | None = None,
    subtree: bool = False,
) -> Figures:
    """The unit's figures plus those of its predecessors in force during the period.

    A merged unit's figures for dates before it existed are the sum of the counts of the units
    it was made from, transitively (docs/units.md); ballots keep the unit they were cast at.
    """
    own = _own_figures(session, unit, period, min_n=min_n, channel=channel, subtree=subtree)
    counted = [p for p in contributing(session, unit, period)
               if not (subtree and in_subtree(session, unit.id, p.id))]
    if not counted:
        return own
    ids = {p.id for p in counted}
    tally, flagged, used = own.tally, own.flagged, []
    for p in counted:
        if subtree and any(in_subtree(session, other, p.id) for other in ids - {p.id}):
            continue  # already inside another predecessor's subtree
        part = _own_figures(session, p, period, min_n=min_n, channel=channel, subtree=subtree)
        tally = tally + part.tally
        flagged += part.flagged
        if part.tally.total or part.flagged:
            used.append(p.code)
    return replace(own, tally=tally, flagged=flagged,
                   predecessors=tuple(used))


def _own_figures(
    session: Session, unit: Unit, period: Period, *, min_n: int, channel: str | None = None,
    subtree: bool = False,
) -> Figures:
    """Sum the rollups for a unit (or its subtree) over the period's local dates.

    Whole months come from the monthly rollup and the days around them from the daily one, in
    one grouped query; parents are summed from counts, never averaged from shares. A period
    closed for the unit or an ancestor is read from its snapshot.
    """
    snapshot = snapshot_for(session, unit.id, period)
    if snapshot is not None:
        tally, flagged = snapshot_tally(session, snapshot, unit.id, own=not subtree,
                                        channel=channel)
        return Figures(unit, period, tally, flagged, min_n, channel, subtree,
                       snapshot.content_hash)
    split = split_by_months(period)
    # One subtree CTE shared by every part: two copies of it in one statement do not compile.
    units = subtree_ids(unit.id).scalar_subquery() if subtree else None
    parts = []
    if split.months is not None:
        parts.append(_sums(MonthlyTally, MonthlyTally.month, split.months.start,
                           split.months.end, unit, channel, units))
    for edge in split.edges:
        parts.append(_sums(DailyTally, DailyTally.day, edge.start, edge.end, unit, channel,
                           units))
    combined = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    stmt = (select(combined.c.status, combined.c.level, func.sum(combined.c.n))
            .group_by(combined.c.status, combined.c.level))
    valid: dict[str, int] = {}
    flagged = 0
    for status, level, count in session.execute(stmt):
        if status == "valid":
            valid[level] = int(count)
        else:
            flagged += int(count)
    return Figures(unit, period, Tally.from_counts(valid), flagged, min_n, channel, subtree)


def _sums(table: Any, period_column: Any, start: Any, end: Any, unit: Unit,
          channel: str | None, subtree_units: Any) -> Select[Any]:
    stmt = (
        select(table.status, table.level, func.sum(table.count).label("n"))
        .where(period_column >= start, period_column <= end,
               table.status.in_(("valid", "flagged")))
        .group_by(table.status, table.level)
    )
    if subtree_units is not None:
        stmt = stmt.where(table.unit_id.in_(subtree_units))
    else:
        stmt = stmt.where(table.unit_id == unit.id)
    if channel is not None:
        stmt = stmt.where(table.channel == channel)
    return stmt


def _num(value: Decimal | None) -> float | None:
    """JSON number for a rounded Decimal; float() of a one-decimal Decimal prints exactly."""
    return None if value is None else float(value)
