"""The officer dashboard of a unit subtree and period, read from the rollups or a snapshot.

Whole months come from the subtree breakdown rollup: the unit and its children each read their
own pre-summed rows, a few hundred however many votes lie below. The partial months at the
edges of a custom range are recounted from the ballots of those days. A period closed for the
unit (or an ancestor) is read from its snapshot instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..db import prefer_custom_plans
from ..domain.dashboard import BREAKDOWNS, Comparison, Dashboard, Line, SnapshotInfo
from ..domain.periods import Period, is_whole_months, split_by_months
from ..domain.shares import Tally
from ..domain.vocab import CHANNEL_TERMS, REASON_TERMS, RESPONDENT_GROUP_TERMS, label
from ..models import Counter as CounterModel
from ..models import PeriodSnapshot, SnapshotCell, SubtreeTally, Unit, UserAccount
from .breakdowns import counted_breakdowns, grouped_breakdowns
from .folding import pending_cells
from .snapshots import snapshot_for
from .unit_changes import contributing, predecessors
from .units import in_subtree, subtree_ids

Key = tuple[int, str, str, str, str]  # unit_id, dimension, key, status, level
NOT_STATED = "Không ghi"


def period_label(period: Period) -> str:
    """Vietnamese name of a period: "Tháng 3/2026", "Quý I/2026", "6 tháng đầu năm 2026", …"""
    s, e = period.start, period.end
    whole = is_whole_months(period)
    if whole and s.year == e.year:
        months = e.month - s.month + 1
        if months == 1:
            return f"Tháng {s.month}/{s.year}"
        if months == 3 and s.month in (1, 4, 7, 10):
            return f"Quý {('I', 'II', 'III', 'IV')[s.month // 3]}/{s.year}"
        if months == 6 and s.month in (1, 7):
            return f"6 tháng {'đầu' if s.month == 1 else 'cuối'} năm {s.year}"
        if months == 12:
            return f"Năm {s.year}"
    return f"Từ {s:%d/%m/%Y} đến {e:%d/%m/%Y}"


def children_of(session: Session, unit: Unit, period: Period) -> list[Unit]:
    """Child units valid at some time in the period, by name."""
    return list(session.scalars(
        select(Unit).where(Unit.parent_id == unit.id,
                           or_(Unit.valid_from.is_(None), Unit.valid_from <= period.end),
                           or_(Unit.valid_to.is_(None), Unit.valid_to >= period.start))
        .order_by(Unit.name)))


class CellReader:
    """Sums of breakdown cells for some units over a period, live or from a snapshot."""

    def __init__(self, session: Session, tz: ZoneInfo) -> None:
        self.session = session
        self.tz = tz
        #: Edge days recounted from ballots, per (root, first day, last day): the unit's read
        #: and its children's share one pass over the ballots.
        self._edges: dict[tuple[int, date, date], Counter[tuple[Any, ...]]] = {}

    def read(self, root: Unit, unit_ids: Sequence[int], period: Period, dims: Iterable[str],
             *, trend: bool = False,
             ) -> tuple[Counter[Key], dict[date, Tally], PeriodSnapshot | None]:
        """(cells, the root's trend by month when asked, the snapshot used or None)."""
        dims = tuple(dims)
        snapshot = snapshot_for(self.session, root.id, period)
        if snapshot is not None:
            return (*self._from_snapshot(snapshot, root, unit_ids, dims), snapshot)
        return (*self._live(root, unit_ids, period, dims, trend), None)

    def _from_snapshot(self, snapshot: PeriodSnapshot, root: Unit, unit_ids: Sequence[int],
                       dims: tuple[str, ...]) -> tuple[Counter[Key], dict[date, Tally]]:
        c = SnapshotCell
        cells: Counter[Key] = Counter()
        trend: dict[date, Counter[str]] = {}
        for uid, dim, key, status, level, n in self.session.execute(
                select(c.unit_id, c.dimension, c.key, c.status, c.level, c.count)
                .where(c.snapshot_id == snapshot.id, c.unit_id.in_(list(unit_ids)),
                       c.dimension.in_((*dims, "month")))):
            if dim == "month":
                if uid == root.id and status == "valid":
                    month = date.fromisoformat(key + "-01")
                    trend.setdefault(month, Counter())[level] += n
                continue
            cells[(uid, dim, key, status, level)] += n
        return cells, {m: Tally.from_counts(v) for m, v in sorted(trend.items())}

    def _live(self, root: Unit, unit_ids: Sequence[int], period: Period,
              dims: tuple[str, ...], with_trend: bool) -> tuple[Counter[Key], dict[date, Tally]]:
        t = SubtreeTally
        cells: Counter[Key] = Counter()
        trend: dict[date, Counter[str]] = {}
        split = split_by_months(period)
        if split.months is not None:
            in_months = (t.month >= split.months.start, t.month <= split.months.end)
            # summed over the months in SQL: a province has hundreds of counters per month
            rows = self.session.execute(
                select(t.unit_id, t.dimension, t.key, t.status, t.level, func.sum(t.count))
                .where(t.unit_id.in_(list(unit_ids)), *in_months, t.dimension.in_(dims))
                .group_by(t.unit_id, t.dimension, t.key, t.status, t.level))
            for uid, dim, key, status, level, n in rows:
                cells[(uid, dim, key, status, level)] += int(n)
            if with_trend:
                rows = self.session.execute(
                    select(t.month, t.level, func.sum(t.count))
                    .where(t.unit_id == root.id, *in_months, t.dimension == "channel",
                           t.status == "valid")
                    .group_by(t.month, t.level))
                for month, level, n in rows:
                    trend.setdefault(month, Counter())[level] += int(n)
            # the ballots stored but not yet folded into the rollup
            pending = pending_cells(self.session, self.tz, targets=unit_ids,
                                    start=split.months.start, end=split.months.end)
            for (uid, month, dim, key, status, level), n in pending.items():
                if dim in dims:
                    cells[(uid, dim, key, status, level)] += n
                if with_trend and uid == root.id and dim == "channel" and status == "valid":
                    trend.setdefault(month, Counter())[level] += n
        for edge in split.edges:
            counted = self._edge_cells(root, edge)
            wanted = set(unit_ids)
            for (uid, month, dim, key, status, level), n in counted.items():
                if uid not in wanted or dim not in dims:
                    continue
                cells[(uid, dim, key, status, level)] += n
                if with_trend and uid == root.id and dim == "channel" and status == "valid":
                    trend.setdefault(month, Counter())[level] += n
        return cells, {m: Tally.from_counts(v) for m, v in sorted(trend.items())}

    def _edge_cells(self, root: Unit, edge: Period) -> Counter[tuple[Any, ...]]:
        """The root's subtree ballots on the edge days, counted for every unit above them,
        grouped by the database."""
        key = (root.id, edge.start, edge.end)
        if key not in self._edges:
            grouped = grouped_breakdowns(self.session, self.tz, root.id, edge.start, edge.end)
            if grouped is None:  # SQLite and a zone with a changing offset: count in Python
                ballot_units = list(self.session.scalars(subtree_ids(root.id)))
                grouped = counted_breakdowns(self.session, self.tz, unit_ids=ballot_units,
                                             start=edge.start, end=edge.end)
            self._edges[key] = grouped
        return self._edges[key]

    def headline(self, root: Unit, period: Period) -> Tally:
        cells, _trend, _snap = self.read(root, [root.id], period, ("channel",))
        return _tally(cells, root.id, "channel")


def _tally(cells: Counter[Key], unit_id: int, dim: str) -> Tally:
    """One unit's valid tally over a whole dimension (e.g. all channels = the headline)."""
    counts: Counter[str] = Counter()
    for (u, d, _k, s, lv), n in cells.items():
        if u == unit_id and d == dim and s == "valid":
            counts[lv] += n
    return Tally.from_counts(counts)


def build_dashboard(session: Session, unit: Unit, period: Period, *, min_n: int,
                    tz: ZoneInfo) -> Dashboard:
    """Everything the dashboard page, its charts and its exports show."""
    prefer_custom_plans(session)
    reader = CellReader(session, tz)
    children = children_of(session, unit, period)
    dims = ("channel", "counter", "field", "group", "hour", "reason")
    cells, trend, snapshot = reader.read(unit, [unit.id], period, dims, trend=True)
    for p in _predecessors_outside(session, unit, period):
        _add_as(unit, reader.read(p, [p.id], period, dims, trend=True), cells, trend)
    child_cells: Counter[Key] = Counter()
    if children:  # the children's headline only: their breakdowns are on their own pages
        child_cells, _trend, _snap = reader.read(unit, [c.id for c in children], period,
                                                 ("channel",))

    # one pass over the unit's cells: (dimension, key) → counts by level, valid votes only
    by_key: dict[tuple[str, str], Counter[str]] = {}
    flagged = 0
    for (_u, d, k, s, lv), n in cells.items():
        if s == "valid":
            by_key.setdefault((d, k), Counter())[lv] += n
        elif d == "channel":
            flagged += n
    overall = Line(unit.code, unit.name, _tally(cells, unit.id, "channel"))
    child_lines = tuple(Line(c.code, c.name, _tally(child_cells, c.id, "channel"))
                        for c in children)

    labels = _labels(session, unit, {k for d, k in by_key if d == "counter"},
                     [p.id for p in predecessors(session, unit)])
    breakdowns: dict[str, tuple[Line, ...]] = {}
    for dim, _title in BREAKDOWNS:
        lines = [Line(k, labels(dim, k), Tally.from_counts(levels))
                 for (d, k), levels in by_key.items() if d == dim]
        breakdowns[dim] = tuple(sorted((ln for ln in lines if ln.n),
                                       key=lambda ln: (-ln.n, ln.label)))
    hours: dict[tuple[int, int], int] = {}
    reason_counts: Counter[str] = Counter()
    for (d, k), levels in by_key.items():
        if d == "hour":
            weekday, hour = (int(x) for x in k.split("-"))
            hours[(weekday, hour)] = hours.get((weekday, hour), 0) + sum(levels.values())
        elif d == "reason":
            reason_counts[k] += sum(levels.values())
    reasons = tuple((k, label(REASON_TERMS, k), n)
                    for k, n in sorted(reason_counts.items(), key=lambda kv: (-kv[1], kv[0])))

    comparisons = []
    summed_from: dict[str, Unit] = {}
    for title, other in (("Kỳ trước", period.previous()),
                         ("Cùng kỳ năm trước", period.year_before())):
        if any(c.period == other for c in comparisons):
            continue  # a year's previous period is the same period a year before: one row
        headline = reader.headline(unit, other)
        for p in _predecessors_outside(session, unit, other):
            headline = headline + reader.headline(p, other)
            summed_from[p.code] = p
        line = Line(unit.code, f"{title} ({period_label(other)})", headline)
        comparisons.append(Comparison(title, other, line, overall))
    for p in _predecessors_outside(session, unit, period):
        summed_from[p.code] = p
    note = None
    if summed_from:
        ends = [p.valid_to for p in summed_from.values() if p.valid_to is not None]
        since = unit.valid_from or (max(ends) + timedelta(days=1) if ends else None)
        names = ", ".join(p.name for p in sorted(summed_from.values(), key=lambda u: u.name))
        note = (f"Số liệu trước {since:%d/%m/%Y} cộng từ: {names}" if since
                else f"Số liệu cộng thêm từ: {names}")

    months = _months_touched(period)
    trend_rows = tuple((m, trend.get(m, Tally())) for m in months)
    info = None
    if snapshot is not None:
        closer = session.get(UserAccount, snapshot.closed_by_id) if snapshot.closed_by_id else None
        info = SnapshotInfo(snapshot.id, snapshot.closed_at, snapshot.content_hash,
                            closer.username if closer else None)
    return Dashboard(
        unit_code=unit.code, unit_name=unit.name, period=period,
        period_label=period_label(period), min_n=min_n, overall=overall, flagged=flagged,
        comparisons=tuple(comparisons), children=child_lines, breakdowns=breakdowns,
        trend=trend_rows, hours=hours, reasons=reasons, snapshot=info,
        predecessor_note=note)


def _predecessors_outside(session: Session, unit: Unit, period: Period) -> list[Unit]:
    """Predecessors in force during ``period`` that are not below ``unit`` or below another
    of them (their subtree counts are added once)."""
    found = [p for p in contributing(session, unit, period)
             if not in_subtree(session, unit.id, p.id)]
    return [p for p in found
            if not any(o.id != p.id and in_subtree(session, o.id, p.id) for o in found)]


def _add_as(unit: Unit, read: tuple[Counter[Key], dict[date, Tally], Any],
            cells: Counter[Key], trend: dict[date, Tally]) -> None:
    """Add a predecessor's cells and trend to ``unit``'s, as if they were its own."""
    other_cells, other_trend, _snapshot = read
    for (_u, d, k, s, lv), n in other_cells.items():
        cells[(unit.id, d, k, s, lv)] += n
    for month, tally in other_trend.items():
        trend[month] = trend.get(month, Tally()) + tally


def _months_touched(period: Period) -> list[date]:
    out, current = [], period.start.replace(day=1)
    while current <= period.end:
        out.append(current)
        current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _labels(session: Session, root: Unit, counter_keys: set[str],
            predecessor_ids: Sequence[int] = ()):  # type: ignore[no-untyped-def]
    """A function (dimension, key) → the Vietnamese label an officer reads."""
    # the subtree's counters by one subquery: a province has hundreds (no long IN list)
    counters = {str(cid): f"{name} — {unit_name}" for cid, name, unit_name in session.execute(
        select(CounterModel.id, CounterModel.name, Unit.name)
        .join(Unit, Unit.id == CounterModel.unit_id)
        .where(or_(CounterModel.unit_id.in_(subtree_ids(root.id).scalar_subquery()),
                   CounterModel.unit_id.in_(list(predecessor_ids)))))
    } if counter_keys - {""} else {}

    def lookup(dim: str, key: str) -> str:
        if key == "":
            return "Không qua quầy" if dim == "counter" else NOT_STATED
        if dim == "channel":
            return label(CHANNEL_TERMS, key)
        if dim == "group":
            return label(RESPONDENT_GROUP_TERMS, key)
        if dim == "counter":
            return counters.get(key, f"Quầy #{key}")
        return key

    return lookup
