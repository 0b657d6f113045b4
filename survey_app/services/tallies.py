"""The daily tally rollup: bumped in the vote's transaction, rebuildable from raw ballots."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from ..db import insert_for
from ..models import Ballot, DailyTally

TallyKey = tuple[int, date, str, str, str]  # unit_id, day, channel, status, level


def bump_tally(
    session: Session, *, unit_id: int, day: date, channel: str, status: str, level: str,
    delta: int = 1,
) -> None:
    """Add ``delta`` votes to one rollup cell (an upsert, safe under concurrent writers).

    A negative ``delta`` (a ballot leaving a status) is a plain UPDATE: the cell exists, and an
    upsert's proposed row of ``-1`` would trip the non-negative CHECK before the conflict.
    """
    table = DailyTally.__table__
    if delta < 0:
        session.execute(
            update(table)
            .where(table.c.unit_id == unit_id, table.c.day == day, table.c.channel == channel,
                   table.c.status == status, table.c.level == level)
            .values(count=table.c.count + delta)
        )
        return
    stmt = insert_for(session, table).values(
        unit_id=unit_id, day=day, channel=channel, status=status, level=level, count=delta
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.unit_id, table.c.day, table.c.channel, table.c.status,
                        table.c.level],
        set_={"count": table.c.count + delta},
    )
    session.execute(stmt)


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
    """Replace the rollup with a recount of the ballots; returns the number of cells written."""
    session.execute(delete(DailyTally))
    grouped = _grouped_ballots()
    session.execute(
        insert(DailyTally).from_select(
            ["unit_id", "day", "channel", "status", "level", "count"], grouped
        )
    )
    session.flush()
    return session.scalar(select(func.count()).select_from(DailyTally)) or 0


def _grouped_ballots():  # type: ignore[no-untyped-def]
    return (
        select(Ballot.unit_id, Ballot.local_day, Ballot.channel, Ballot.status, Ballot.level,
               func.count())
        .where(Ballot.level.is_not(None))
        .group_by(Ballot.unit_id, Ballot.local_day, Ballot.channel, Ballot.status, Ballot.level)
    )
