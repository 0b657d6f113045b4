"""Period close (DOMAIN.md §7): a unit subtree's figures for a period frozen into a snapshot.

Closing copies, for every unit of the subtree, its subtree's breakdown cells summed over the
period, its monthly trend and its own votes by channel into ``snapshot_cell`` and hashes a
canonical listing of them (SHA-256). While the snapshot is in force, figures of that period for
any unit of the subtree come from it. Reopening is audited with what changed since the close.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..domain import snapshot_hash
from ..domain.periods import Period, is_whole_months
from ..domain.shares import Tally
from ..models import (
    AuditEvent,
    MonthlyTally,
    PeriodSnapshot,
    SnapshotCell,
    SnapshotCounterSalt,
    SubtreeTally,
    Unit,
    UserAccount,
)
from ..models import Counter as CounterModel
from ..models.ballot import ROLLED_STATUSES
from .audit import record_action
from .breakdowns import lineage
from .errors import Conflict
from .folding import pending_cells
from .state import AlreadyChanged, transition
from .units import lock_tree_of, subtree_ids

#: Reopen changes kept in the audit log (the rest are counted).
MAX_LISTED_CHANGES = 200

SnapshotKey = tuple[int, str, str, str, str]  # unit_id, dimension, key, status, level


class CloseError(Conflict, ValueError):
    """A close or reopen that cannot be done; the message is shown to the administrator."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail)


@dataclass(frozen=True, slots=True)
class Change:
    """A unit's headline count that differs between the snapshot and the live rollup."""

    unit_code: str
    unit_name: str
    status: str
    level: str
    before: int
    after: int


def snapshot_for(session: Session, unit_id: int, period: Period) -> PeriodSnapshot | None:
    """The snapshot in force for exactly ``period`` on the unit or an ancestor, if any."""
    candidates = list(session.scalars(select(PeriodSnapshot).where(
        PeriodSnapshot.period_from == period.start, PeriodSnapshot.period_to == period.end,
        PeriodSnapshot.reopened_at.is_(None))))
    if not candidates:
        return None
    roots = {s.unit_id: s for s in candidates}
    parents = _parents_of(session, unit_id)
    for owner in lineage(unit_id, parents):
        if owner in roots:
            return roots[owner]
    return None


def _parents_of(session: Session, unit_id: int) -> dict[int, int | None]:
    """Parent links from ``unit_id`` up to the root (a few small queries)."""
    out: dict[int, int | None] = {}
    current: int | None = unit_id
    for _ in range(64):
        if current is None or current in out:
            break
        parent = session.scalar(select(Unit.parent_id).where(Unit.id == current))
        out[current] = parent
        current = parent
    return out


def live_cells(session: Session, root: Unit, period: Period, *,
               tz: ZoneInfo) -> Counter[SnapshotKey]:
    """What a snapshot of ``root`` and ``period`` would hold if taken now (whole months only):
    the subtree rollup plus the ballots not yet folded into it (their hour cells in ``tz``)."""
    if not is_whole_months(period):
        raise CloseError("Chỉ khóa được kỳ gồm các tháng trọn vẹn (tháng, quý, 6 tháng, năm).")
    ids = subtree_ids(root.id).scalar_subquery()
    t = SubtreeTally
    cells: Counter[SnapshotKey] = Counter()
    rows = session.execute(
        select(t.unit_id, t.dimension, t.key, t.status, t.level, func.sum(t.count))
        .where(t.unit_id.in_(ids), t.month >= period.start, t.month <= period.end)
        .group_by(t.unit_id, t.dimension, t.key, t.status, t.level))
    for uid, dim, key, status, level, n in rows:
        cells[(uid, dim, key, status, level)] += int(n)
    rows = session.execute(
        select(t.unit_id, t.month, t.status, t.level, func.sum(t.count))
        .where(t.unit_id.in_(ids), t.month >= period.start, t.month <= period.end,
               t.dimension == "channel")
        .group_by(t.unit_id, t.month, t.status, t.level))
    for uid, month, status, level, n in rows:
        cells[(uid, "month", month.strftime("%Y-%m"), status, level)] += int(n)
    pending = pending_cells(session, tz, targets=session.scalars(subtree_ids(root.id)),
                            start=period.start, end=period.end)
    for (uid, month, dim, key, status, level), n in pending.items():
        cells[(uid, dim, key, status, level)] += n
        if dim == "channel":
            cells[(uid, "month", month.strftime("%Y-%m"), status, level)] += n
    m = MonthlyTally
    rows = session.execute(
        select(m.unit_id, m.channel, m.status, m.level, func.sum(m.count))
        .where(m.unit_id.in_(ids), m.month >= period.start, m.month <= period.end,
               m.status.in_(ROLLED_STATUSES))
        .group_by(m.unit_id, m.channel, m.status, m.level))
    for uid, channel, status, level, n in rows:
        cells[(uid, "own", channel, status, level)] += int(n)
    return Counter({k: v for k, v in cells.items() if v})


def content_hash(root_code: str, period: Period, cells: Mapping[SnapshotKey, int],
                 codes: Mapping[int, str], rule: str = snapshot_hash.HASH_RULE, *,
                 own_counters: Mapping[int, Collection[str]] | None = None,
                 salts: Mapping[int, str] | None = None) -> str:
    """SHA-256 of the canonical listing (``domain/snapshot_hash.py``): a header line, then the
    sorted non-zero cells, units named by code so the hash is the same on any copy of the
    database. ``rule`` v2 hashes the public and the restricted cells as two parts; v3 also each
    unit's own counters (``own_counters``: unit id → counter keys) with its salt."""
    return snapshot_hash.listing_hash(
        rule, root_code, str(period.start), str(period.end), listing(cells, codes),
        own_counters={codes[u]: keys for u, keys in (own_counters or {}).items() if u in codes},
        salts={codes[u]: salt for u, salt in (salts or {}).items() if u in codes})


def listing(cells: Mapping[SnapshotKey, int],
            codes: Mapping[int, str]) -> list[snapshot_hash.Line]:
    """The cells as lines of the canonical listing (unit ids replaced by codes)."""
    return [(codes[u], d, k, s, lv, n) for (u, d, k, s, lv), n in cells.items() if n]


def own_counter_keys(session: Session, unit_ids: Iterable[int]) -> dict[int, set[str]]:
    """Each unit's own counters as the keys of its ``counter`` cells (a unit's subtree cells
    also count its descendants' counters; only its own form its v3 counter part)."""
    ids = set(unit_ids)
    out: dict[int, set[str]] = {}
    if ids:
        for uid, cid in session.execute(select(CounterModel.unit_id, CounterModel.id)
                                        .where(CounterModel.unit_id.in_(ids))):
            out.setdefault(uid, set()).add(str(cid))
    return out


def counter_salts(session: Session, snapshot_id: int) -> dict[int, str]:
    """Unit id → the salt of its counter digest in a v3 snapshot."""
    return {u: salt for u, salt in session.execute(
        select(SnapshotCounterSalt.unit_id, SnapshotCounterSalt.salt)
        .where(SnapshotCounterSalt.snapshot_id == snapshot_id))}


def _codes(session: Session, unit_ids: Iterable[int]) -> dict[int, str]:
    ids = set(unit_ids)
    return {uid: code for uid, code in session.execute(
        select(Unit.id, Unit.code).where(Unit.id.in_(ids)))} if ids else {}


def close_period(session: Session, root: Unit, period: Period, user: UserAccount | None,
                 note: str | None = None, *, tz: ZoneInfo) -> PeriodSnapshot:
    """Freeze ``period`` for ``root``'s subtree; refuses a period already closed there.

    The root's top ancestor is locked first, so two closes in one province (a double click,
    or a unit and its parent at once) run one after the other and the second is refused."""
    lock_tree_of(session, root)
    existing = snapshot_for(session, root.id, period)
    if existing is not None:
        where = "đơn vị này" if existing.unit_id == root.id else "đơn vị cấp trên"
        raise CloseError(f"Kỳ {period.start:%d/%m/%Y}–{period.end:%d/%m/%Y} đã được khóa ở "
                         f"{where} (mã băm {existing.content_hash[:12]}…).")
    cells = live_cells(session, root, period, tz=tz)
    codes = _codes(session, {root.id, *(k[0] for k in cells)})
    rule = snapshot_hash.HASH_RULE
    own = own_counter_keys(session, codes)
    salts = {u: secrets.token_hex(32) for (u, d, k, s, _lv), n in cells.items()
             if n and d == "counter" and s == "valid" and k in own.get(u, ())
             and rule == snapshot_hash.HASH_RULE_V3}
    digest = content_hash(root.code, period, cells, codes, rule, own_counters=own, salts=salts)
    snapshot = PeriodSnapshot(unit_id=root.id, period_from=period.start, period_to=period.end,
                              closed_by_id=user.id if user else None, note=note or None,
                              content_hash=digest, cells=len(cells),
                              hash_rule=rule)
    session.add(snapshot)
    session.flush()
    rows = [{"snapshot_id": snapshot.id, "unit_id": u, "dimension": d, "key": k, "status": s,
             "level": lv, "count": n} for (u, d, k, s, lv), n in cells.items()]
    for i in range(0, len(rows), 5000):
        session.execute(insert(SnapshotCell.__table__), rows[i:i + 5000])
    if salts:
        session.execute(insert(SnapshotCounterSalt.__table__), [
            {"snapshot_id": snapshot.id, "unit_id": u, "salt": v} for u, v in salts.items()])
    record_action(session, user, "period.close", "period_snapshot", snapshot.id,
                  unit=root.code, period=[str(period.start), str(period.end)],
                  content_hash=digest, cells=len(cells), note=note)
    return snapshot


def stored_cells(session: Session, snapshot: PeriodSnapshot) -> Counter[SnapshotKey]:
    c = SnapshotCell
    return Counter({(u, d, k, s, lv): n for u, d, k, s, lv, n in session.execute(
        select(c.unit_id, c.dimension, c.key, c.status, c.level, c.count)
        .where(c.snapshot_id == snapshot.id))})


def verify(session: Session, snapshot: PeriodSnapshot) -> bool:
    """Whether the stored cells still hash to the recorded content hash."""
    cells = stored_cells(session, snapshot)
    root = session.get(Unit, snapshot.unit_id)
    assert root is not None
    codes = _codes(session, {root.id, *(k[0] for k in cells)})
    period = Period(snapshot.period_from, snapshot.period_to)
    try:
        found = content_hash(root.code, period, cells, codes, snapshot.hash_rule,
                             own_counters=own_counter_keys(session, codes),
                             salts=counter_salts(session, snapshot.id))
    except KeyError:  # a unit's counter lines without their salt
        return False
    return found == snapshot.content_hash


def changes_since_close(session: Session, snapshot: PeriodSnapshot, *,
                        tz: ZoneInfo) -> tuple[list[Change], int]:
    """Headline counts (subtree, by status and level) that moved since the close, and the
    number of all cells that differ."""
    root = session.get(Unit, snapshot.unit_id)
    assert root is not None
    period = Period(snapshot.period_from, snapshot.period_to)
    before, after = stored_cells(session, snapshot), live_cells(session, root, period, tz=tz)
    differing = sum(1 for k in before.keys() | after.keys() if before[k] != after[k])

    def headline(cells: Counter[SnapshotKey]) -> Counter[tuple[int, str, str]]:
        out: Counter[tuple[int, str, str]] = Counter()
        for (u, d, _k, s, lv), n in cells.items():
            if d == "channel":
                out[(u, s, lv)] += n
        return out

    hb, ha = headline(before), headline(after)
    keys = sorted(k for k in hb.keys() | ha.keys() if hb[k] != ha[k])
    names = {uid: (code, name) for uid, code, name in session.execute(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_({k[0] for k in keys})))} \
        if keys else {}
    changes = [Change(names[u][0], names[u][1], s, lv, hb[(u, s, lv)], ha[(u, s, lv)])
               for u, s, lv in keys]
    return changes, differing


def reopen_period(session: Session, snapshot: PeriodSnapshot, user: UserAccount | None,
                  note: str, *, tz: ZoneInfo) -> list[Change]:
    """Take a snapshot out of force, auditing who, why and what changed since it was taken."""
    if not note.strip():
        raise CloseError("Cần ghi lý do mở lại kỳ.")
    try:
        transition(session, PeriodSnapshot, snapshot.id, PeriodSnapshot.reopened_at.is_(None),
                   reopened_at=datetime.now(timezone.utc),
                   reopened_by_id=user.id if user else None, reopen_note=note.strip())
    except AlreadyChanged:
        raise CloseError("Kỳ này đã được mở lại trước đó.") from None
    changes, differing = changes_since_close(session, snapshot, tz=tz)
    root = session.get(Unit, snapshot.unit_id)
    record_action(
        session, user, "period.reopen", "period_snapshot", snapshot.id,
        unit=root.code if root else None,
        period=[str(snapshot.period_from), str(snapshot.period_to)],
        content_hash=snapshot.content_hash, note=note.strip(), cells_changed=differing,
        changes=[{"unit": c.unit_code, "status": c.status, "level": c.level,
                  "before": c.before, "after": c.after} for c in changes[:MAX_LISTED_CHANGES]],
        changes_not_listed=max(0, len(changes) - MAX_LISTED_CHANGES))
    return changes


def snapshot_tally(session: Session, snapshot: PeriodSnapshot, unit_id: int, *,
                   own: bool = False, channel: str | None = None) -> tuple[Tally, int]:
    """A unit's frozen valid tally and flagged count (its subtree, or its own votes)."""
    c = SnapshotCell
    stmt = (select(c.key, c.status, c.level, c.count)
            .where(c.snapshot_id == snapshot.id, c.unit_id == unit_id,
                   c.dimension == ("own" if own else "channel")))
    if channel is not None:
        stmt = stmt.where(c.key == channel)
    valid: Counter[str] = Counter()
    flagged = 0
    for _key, status, level, n in session.execute(stmt):
        if status == "valid":
            valid[level] += n
        else:
            flagged += n
    return Tally.from_counts(valid), flagged


def audit_details(session: Session, snapshot_id: int, action: str) -> dict[str, Any] | None:
    event = session.scalar(select(AuditEvent).where(
        AuditEvent.target_type == "period_snapshot", AuditEvent.target_id == str(snapshot_id),
        AuditEvent.action == action).order_by(AuditEvent.id.desc()).limit(1))
    return event.details if event else None

