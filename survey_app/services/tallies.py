"""The daily and monthly rollups: bumped in the vote's transaction, rebuildable from ballots."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from ..db import insert_for, month_start
from ..models import Ballot, DailyTally, MonthlyTally

TallyKey = tuple[int, date, str, str, str]  # unit_id, day, channel, status, level


def bump_tally(
    session: Session, *, unit_id: int, day: date, channel: str, status: str, level: str,
    delta: int = 1,
) -> None:
    """Add ``delta`` votes to a day's rollup cell and its month's (upserts, safe under
    concurrent writers).

    A negative ``delta`` (a ballot leaving a status) is a plain UPDATE: the cells exist, and an
    upsert's proposed row of ``-1`` would trip the non-negative CHECK before the conflict.
    """
    key = {"unit_id": unit_id, "channel": channel, "status": status, "level": level}
    for table, period_column, period in ((DailyTally.__table__, "day", day),
                                         (MonthlyTally.__table__, "month", day.replace(day=1))):
        cells = {**key, period_column: period}
        if delta < 0:
            session.execute(
                update(table).where(*(table.c[k] == v for k, v in cells.items()))
                .values(count=table.c.count + delta)
            )
            continue
        stmt = insert_for(session, table).values(**cells, count=delta)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in cells], set_={"count": table.c.count + delta}))


def live_tallies(session: Session) -> dict[TallyKey, int]:
    """The rollup as stored (zero cells left out), for comparison with a rebuild."""
    rows = session.execute(
        select(DailyTally.unit_id, DailyTally.day, DailyTally.channel, DailyTally.status,
               DailyTally.level, DailyTally.count).where(DailyTally.count != 0)
    )
    return {(u, d, c, s, lv): n for u, d, c, s, lv, n in rows}


def counted_tallies(session: Session) -> dict[TallyKey, int]:
    """The rollup as the raw ballots say it should be (grouped COUNT in the database)."""
    rows = session.execute(_grouped_ballots())
    return {(u, d, c, s, lv): n for u, d, c, s, lv, n in rows}


def rebuild_tallies(session: Session) -> int:
    """Replace the rollups with a recount of the ballots; returns the daily cells written."""
    session.execute(delete(MonthlyTally))
    session.execute(delete(DailyTally))
    session.execute(
        insert(DailyTally).from_select(
            ["unit_id", "day", "channel", "status", "level", "count"], _grouped_ballots()
        )
    )
    session.execute(
        insert(MonthlyTally).from_select(
            ["unit_id", "month", "channel", "status", "level", "count"], _daily_by_month(session)
        )
    )
    session.flush()
    return session.scalar(select(func.count()).select_from(DailyTally)) or 0


def monthly_drift(session: Session) -> int:
    """Monthly cells that differ from the daily rollup summed by month (0 when in step)."""
    stored = {tuple(r[:-1]): r[-1] for r in session.execute(
        select(MonthlyTally.unit_id, MonthlyTally.month, MonthlyTally.channel,
               MonthlyTally.status, MonthlyTally.level, MonthlyTally.count)
        .where(MonthlyTally.count != 0))}
    expected = {tuple(r[:-1]): r[-1] for r in session.execute(_daily_by_month(session))
                if r[-1] != 0}
    return sum(1 for k in stored.keys() | expected.keys()
               if stored.get(k, 0) != expected.get(k, 0))


def _daily_by_month(session: Session):  # type: ignore[no-untyped-def]
    month = month_start(session, DailyTally.day)
    return (
        select(DailyTally.unit_id, month, DailyTally.channel, DailyTally.status,
               DailyTally.level, func.sum(DailyTally.count))
        .group_by(DailyTally.unit_id, month, DailyTally.channel, DailyTally.status,
                  DailyTally.level)
    )


def _grouped_ballots():  # type: ignore[no-untyped-def]
    return (
        select(Ballot.unit_id, Ballot.local_day, Ballot.channel, Ballot.status, Ballot.level,
               func.count())
        .where(Ballot.level.is_not(None))
        .group_by(Ballot.unit_id, Ballot.local_day, Ballot.channel, Ballot.status, Ballot.level)
    )
