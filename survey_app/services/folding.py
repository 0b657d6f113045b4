"""Folding ballots into the subtree rollup, a batch at a time, exactly once.

A vote's transaction writes only its own unit's day and month cells and a :class:`FoldQueue`
entry (services/votes.py). :func:`fold_pending` later takes a batch of queued ballots, adds
each to its unit's and every ancestor's :class:`SubtreeTally` cells in one sorted upsert, and
deletes their queue entries — all in the caller's transaction, so a batch is folded entirely
or not at all. On PostgreSQL the batch is claimed with ``FOR UPDATE … SKIP LOCKED``: two
folders racing take different ballots. SQLite serialises writers.

Why a queue and not an id watermark: ids are handed out when a ballot is inserted, but a
transaction may commit after one with a higher id (a slow request); a folder that remembered
"folded up to id N" would skip it for good. A queue entry becomes visible exactly when its
ballot does, and goes away exactly when it is folded.

Readers add :func:`pending_cells` (the queued ballots counted the same way) to the rollup, so
a vote shows on a dashboard the moment it is stored.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..db import insert_for
from ..models import Answer, Ballot, FoldQueue, QuestionnaireItem, SubtreeTally
from ..models.ballot import ROLLED_STATUSES
from .breakdowns import REASON_ITEM, CellKey, ballot_cells, counted_breakdowns, lineage, parent_map

DEFAULT_BATCH = 1000


def fold_pending(session: Session, tz: ZoneInfo, *, batch: int = DEFAULT_BATCH) -> int:
    """Fold up to ``batch`` queued ballots into the subtree rollup; returns how many were taken
    off the queue (0 when nothing is waiting or every waiting ballot is being folded by another
    transaction). The caller commits."""
    queue = FoldQueue.__table__
    stmt = (select(queue.c.ballot_id, Ballot.unit_id, Ballot.local_day, Ballot.channel,
                   Ballot.counter_id, Ballot.procedure_field, Ballot.respondent_group,
                   Ballot.counted_at, Ballot.status, Ballot.level)
            .join(Ballot, Ballot.id == queue.c.ballot_id)
            .order_by(queue.c.ballot_id).limit(batch))
    if session.get_bind().dialect.name == "postgresql":
        # the ballot row too: a status change (services/ballots.py) waits for the fold, or the
        # fold skips the ballot until the change committed
        stmt = stmt.with_for_update(of=[queue, Ballot.__table__], skip_locked=True)
    rows = session.execute(stmt).all()
    if not rows:
        return 0
    ids = [r.ballot_id for r in rows]
    reasons: dict[int, list[str]] = {}
    for ballot_id, value in session.execute(
            select(Answer.ballot_id, Answer.value)
            .join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
            .where(Answer.ballot_id.in_(ids), QuestionnaireItem.code == REASON_ITEM)):
        reasons.setdefault(ballot_id, []).append(value)
    parents = parent_map(session)
    cells: Tally[CellKey] = Tally()
    for r in rows:
        if r.level is None or r.status not in ROLLED_STATUSES:
            continue  # voided or made a test before it was folded: nothing to count
        month = r.local_day.replace(day=1)
        for dim, key in ballot_cells(
                channel=r.channel, counter_id=r.counter_id, procedure_field=r.procedure_field,
                respondent_group=r.respondent_group, counted_at=r.counted_at, level=r.level,
                reasons=reasons.get(r.ballot_id, ()), tz=tz):
            for owner in lineage(r.unit_id, parents):
                cells[(owner, month, dim, key, r.status, r.level)] += 1
    _add(session, cells)
    session.execute(delete(queue).where(queue.c.ballot_id.in_(ids)))
    return len(ids)


def _add(session: Session, cells: Tally[CellKey]) -> None:
    """Upsert the counts in key order (concurrent folders lock rows in one order: no
    deadlock)."""
    if not cells:
        return
    table = SubtreeTally.__table__
    names = ("unit_id", "month", "dimension", "key", "status", "level")
    rows = [{**dict(zip(names, key, strict=True)), "count": n} for key, n in sorted(cells.items())]
    for i in range(0, len(rows), 1000):
        stmt = insert_for(session, table).values(rows[i:i + 1000])
        session.execute(stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in names],
            set_={"count": table.c.count + stmt.excluded.count}))


def pending_cells(session: Session, tz: ZoneInfo, *, targets: Iterable[int] | None = None,
                  start: date | None = None, end: date | None = None) -> Tally[CellKey]:
    """The cells of the ballots still queued (local days ``start``..``end``), counted for the
    subtree roots ``targets`` (all when None): what the rollup will hold once they are folded."""
    return counted_breakdowns(session, tz, start=start, end=end, pending=True,
                              targets=set(targets) if targets is not None else None)


def is_queued(session: Session, ballot_id: int) -> bool:
    return session.scalar(
        select(FoldQueue.ballot_id).where(FoldQueue.ballot_id == ballot_id)) is not None


def fold_all(transaction: Callable[[], AbstractContextManager[Session]], tz: ZoneInfo, *,
             batch: int = DEFAULT_BATCH) -> int:
    """Fold until the queue is empty (or held by other folders), one transaction per batch;
    returns how many ballots this call folded. The worker's job and ``tallies fold`` use it."""
    total = 0
    while True:
        with transaction() as session:
            n = fold_pending(session, tz, batch=batch)
        total += n
        if not n:
            return total
