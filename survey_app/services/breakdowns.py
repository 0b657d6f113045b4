"""The subtree breakdown rollup: per unit subtree and month, votes by channel, counter, procedure
field, respondent group, weekday × hour and "Chưa hài lòng" reason.

Every vote bumps its unit and all the unit's ancestors in one ``INSERT … SELECT`` over a
recursive CTE (one statement, rows in a fixed order so concurrent voters never deadlock). A
province's dashboard then reads its own rows only. ``rebuild_breakdowns`` recounts from the
ballots; ``breakdown_drift`` compares.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from ..db import insert_for, month_start
from ..models import Answer, Ballot, FoldQueue, QuestionnaireItem, SubtreeTally, Unit
from ..models.ballot import ROLLED_STATUSES
from .units import subtree_ids

#: The item code whose answers are the reasons given after a "Chưa hài lòng" vote.
REASON_ITEM = "reasons"

Cell = tuple[str, str]  # dimension, key
CellKey = tuple[int, date, str, str, str, str]  # unit_id, month, dimension, key, status, level


def hour_key(counted_at: datetime, tz: ZoneInfo) -> str:
    """"<ISO weekday>-<hh>" of the local time a vote counts at, e.g. "1-08" for Monday 08:xx."""
    local = counted_at.astimezone(tz)
    return f"{local.isoweekday()}-{local.hour:02d}"


def ballot_cells(*, channel: str, counter_id: int | None, procedure_field: str | None,
                 respondent_group: str | None, counted_at: datetime, level: str,
                 reasons: Iterable[str], tz: ZoneInfo) -> list[Cell]:
    """The breakdown cells one ballot counts in ("" where the ballot did not say)."""
    cells: list[Cell] = [
        ("channel", channel),
        ("counter", str(counter_id) if counter_id is not None else ""),
        ("field", procedure_field or ""),
        ("group", respondent_group or ""),
        ("hour", hour_key(counted_at, tz)),
    ]
    if level == "not_satisfied":
        cells.extend(("reason", r) for r in sorted(set(reasons)))
    return cells


def ancestors_cte(unit_id: int):  # type: ignore[no-untyped-def]
    """A recursive CTE of ``unit_id`` and every unit above it (column ``id``)."""
    up = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("up", recursive=True)
    return up.union_all(select(Unit.id, Unit.parent_id).join(up, Unit.id == up.c.parent_id))


def bump_breakdowns(session: Session, *, unit_id: int, month: date, status: str, level: str,
                    cells: Sequence[Cell], delta: int = 1) -> None:
    """Add ``delta`` to each cell for the unit and all its ancestors.

    Statuses other than valid and flagged are not rolled up here (void and test votes never
    show). A negative ``delta`` is a plain UPDATE of existing rows, as in the daily rollup.
    """
    if status not in ROLLED_STATUSES or not cells:
        return
    table = SubtreeTally.__table__
    up = ancestors_cte(unit_id)
    if delta < 0:
        session.execute(
            update(table)
            .where(table.c.unit_id.in_(select(up.c.id)), table.c.month == month,
                   table.c.status == status, table.c.level == level,
                   or_(*(and_(table.c.dimension == d, table.c.key == k) for d, k in cells)))
            .values(count=table.c.count + delta))
        return
    dims = union_all(*(
        select(literal(d, String).label("dimension"), literal(k, String).label("key"))
        for d, k in cells)).subquery("dims")
    rows = (
        select(up.c.id, literal(month), dims.c.dimension, dims.c.key, literal(status),
               literal(level), literal(delta))
        .select_from(up).join(dims, true())
        .where(true())  # SQLite needs a WHERE to parse INSERT … SELECT … ON CONFLICT
        .order_by(up.c.id, dims.c.dimension, dims.c.key)
    )
    stmt = insert_for(session, table).from_select(
        ["unit_id", "month", "dimension", "key", "status", "level", "count"], rows)
    session.execute(stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in ("unit_id", "month", "dimension", "key", "status",
                                             "level")],
        set_={"count": table.c.count + delta}))


def reasons_of(session: Session, ballot_id: int) -> list[str]:
    """The reasons a stored ballot gave (empty for any other ballot)."""
    return list(session.scalars(
        select(Answer.value).join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
        .where(Answer.ballot_id == ballot_id, QuestionnaireItem.code == REASON_ITEM)))


def cells_of_ballot(session: Session, ballot: Ballot, tz: ZoneInfo) -> list[Cell]:
    assert ballot.level is not None
    return ballot_cells(
        channel=ballot.channel, counter_id=ballot.counter_id,
        procedure_field=ballot.procedure_field, respondent_group=ballot.respondent_group,
        counted_at=ballot.counted_at, level=ballot.level,
        reasons=reasons_of(session, ballot.id) if ballot.level == "not_satisfied" else (),
        tz=tz)


# --- recount -------------------------------------------------------------------------------

def parent_map(session: Session) -> dict[int, int | None]:
    return {uid: pid for uid, pid in session.execute(select(Unit.id, Unit.parent_id))}


def lineage(unit_id: int, parents: Mapping[int, int | None]) -> Iterator[int]:
    """The unit and its ancestors, bottom up (bounded against a cycle in bad data)."""
    current: int | None = unit_id
    for _ in range(64):
        if current is None:
            return
        yield current
        current = parents.get(current)


def counted_breakdowns(session: Session, tz: ZoneInfo, *, unit_ids: Iterable[int] | None = None,
                       start: date | None = None, end: date | None = None,
                       targets: set[int] | None = None, pending: bool = False
                       ) -> Tally[CellKey]:
    """The rollup as the ballots say it should be, computed by streaming them.

    ``unit_ids``/``start``/``end`` restrict the ballots read (local days, inclusive);
    ``targets`` keeps only those subtree roots. Used for the rebuild, the check, and the
    partial months at the edges of a custom period. ``pending`` counts only the ballots not
    yet folded into the rollup (:mod:`.folding`).
    """
    parents = parent_map(session)
    reasons: dict[int, list[str]] = {}
    ballot_filter = [Ballot.level.is_not(None), Ballot.status.in_(ROLLED_STATUSES)]
    if unit_ids is not None:
        ballot_filter.append(Ballot.unit_id.in_(list(unit_ids)))
    if start is not None:
        ballot_filter.append(Ballot.local_day >= start)
    if end is not None:
        ballot_filter.append(Ballot.local_day <= end)
    if pending:
        ballot_filter.append(Ballot.id.in_(select(FoldQueue.ballot_id)))
    reason_rows = session.execute(
        select(Answer.ballot_id, Answer.value)
        .join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
        .join(Ballot, Ballot.id == Answer.ballot_id)
        .where(QuestionnaireItem.code == REASON_ITEM, Ballot.level == "not_satisfied",
               *ballot_filter))
    for ballot_id, value in reason_rows:
        reasons.setdefault(ballot_id, []).append(value)
    out: Tally[CellKey] = Tally()
    rows = session.execute(
        select(Ballot.id, Ballot.unit_id, Ballot.local_day, Ballot.channel, Ballot.counter_id,
               Ballot.procedure_field, Ballot.respondent_group, Ballot.counted_at,
               Ballot.status, Ballot.level).where(*ballot_filter)
        .execution_options(yield_per=5000))
    for bid, uid, day, channel, counter_id, field, group, counted_at, status, level in rows:
        month = day.replace(day=1)
        cells = ballot_cells(channel=channel, counter_id=counter_id, procedure_field=field,
                             respondent_group=group, counted_at=counted_at, level=level,
                             reasons=reasons.get(bid, ()), tz=tz)
        for owner in lineage(uid, parents):
            if targets is not None and owner not in targets:
                continue
            for dim, key in cells:
                out[(owner, month, dim, key, status, level)] += 1
    return out


def grouped_breakdowns(session: Session, tz: ZoneInfo, root_id: int, start: date,
                       end: date) -> Tally[CellKey] | None:
    """The same cells as :func:`counted_breakdowns` for ``root_id``'s subtree over some days,
    but grouped by the database: a few hundred rows instead of every ballot.

    Returns None when the local hour cannot be computed in SQL (SQLite with a zone whose offset
    changes over the days); the caller then counts in Python.
    """
    hour = _hour_expression(session, tz, start, end)
    if hour is None:
        return None
    month = month_start(session, Ballot.local_day)
    base = (Ballot.unit_id.in_(subtree_ids(root_id).scalar_subquery()),
            Ballot.local_day >= start, Ballot.local_day <= end,
            Ballot.level.is_not(None), Ballot.status.in_(ROLLED_STATUSES))
    keys = {
        "channel": Ballot.channel,
        "counter": func.coalesce(cast(Ballot.counter_id, String), ""),
        "field": func.coalesce(Ballot.procedure_field, ""),
        "group": func.coalesce(Ballot.respondent_group, ""),
        "hour": hour,
    }
    rows: list[tuple[Any, ...]] = []
    for dim, key in keys.items():
        rows += [(dim, *r) for r in session.execute(
            select(Ballot.unit_id, month, key, Ballot.status, Ballot.level, func.count())
            .where(*base).group_by(Ballot.unit_id, month, key, Ballot.status, Ballot.level))]
    rows += [("reason", *r) for r in session.execute(
        select(Ballot.unit_id, month, Answer.value, Ballot.status, Ballot.level,
               func.count(distinct(Ballot.id)))
        .join(Answer, Answer.ballot_id == Ballot.id)
        .join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
        .where(*base, QuestionnaireItem.code == REASON_ITEM, Ballot.level == "not_satisfied")
        .group_by(Ballot.unit_id, month, Answer.value, Ballot.status, Ballot.level))]
    parents = parent_map(session)
    out: Tally[CellKey] = Tally()
    for dim, uid, first_day, key, status, level, n in rows:
        if isinstance(first_day, str):  # SQLite's date() is text
            first_day = date.fromisoformat(first_day)
        for owner in lineage(uid, parents):
            out[(owner, first_day, dim, str(key), status, level)] += int(n)
    return out


def _hour_expression(session: Session, tz: ZoneInfo, start: date, end: date) -> Any:
    """SQL for "<ISO weekday>-<hh>" of ``counted_at`` in ``tz`` (see :func:`hour_key`)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, Ballot.counted_at), "ID-HH24")
    # SQLite has no zones: a fixed offset will do when the zone keeps one over these days
    offsets = {tz.utcoffset(datetime.combine(start + timedelta(days=d), time(h)))
               for d in range(-1, (end - start).days + 2) for h in (0, 12)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    assert offset is not None
    shift = f"{int(offset.total_seconds())} seconds"
    weekday = func.strftime("%w", Ballot.counted_at, shift)
    iso = case((weekday == "0", "7"), else_=weekday)  # %w counts Sunday as 0
    return iso.op("||")("-").op("||")(func.strftime("%H", Ballot.counted_at, shift))


def live_breakdowns(session: Session) -> dict[CellKey, int]:
    t = SubtreeTally
    return {(u, m, d, k, s, lv): n for u, m, d, k, s, lv, n in session.execute(
        select(t.unit_id, t.month, t.dimension, t.key, t.status, t.level, t.count)
        .where(t.count != 0))}


def rebuild_breakdowns(session: Session, tz: ZoneInfo) -> int:
    """Replace the subtree rollup with a recount of the ballots; returns the rows written.

    The fold queue is emptied with it. On PostgreSQL the queue is locked first: votes wait
    until the rebuild commits, so none is both counted here and folded again later.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE fold_queue IN EXCLUSIVE MODE"))
    session.execute(delete(FoldQueue))
    session.execute(delete(SubtreeTally))
    counted = counted_breakdowns(session, tz)
    batch: list[dict[str, object]] = []
    for (u, m, d, k, s, lv), n in counted.items():
        batch.append({"unit_id": u, "month": m, "dimension": d, "key": k, "status": s,
                      "level": lv, "count": n})
        if len(batch) >= 5000:
            session.execute(insert(SubtreeTally.__table__), batch)
            batch = []
    if batch:
        session.execute(insert(SubtreeTally.__table__), batch)
    session.flush()
    return len(counted)


def breakdown_drift(session: Session, tz: ZoneInfo) -> int:
    """Rollup rows that, with the ballots not yet folded, differ from a recount (0 when in
    step)."""
    stored = Tally(live_breakdowns(session))
    stored.update(counted_breakdowns(session, tz, pending=True))
    expected = {k: v for k, v in counted_breakdowns(session, tz).items() if v}
    return sum(1 for k in stored.keys() | expected.keys() if stored.get(k, 0) != expected.get(k, 0))
