"""Reorganisations: merging units, the tree in force on a date, a unit's predecessors.

Ballots keep the unit they were cast at; nothing is rewritten. A merge ends the old units the day
before it takes effect and records the unit they became part of (``successor``). Figures of a
unit add the counts of its predecessors, transitively (docs/units.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.periods import Period
from ..models import Unit
from .audit import record_action
from .errors import Invalid


@dataclass(frozen=True, slots=True)
class MergeResult:
    ended: list[str]
    unchanged: list[str]


def merge_units(session: Session, into: Unit, sources: Sequence[Unit], on: date,
                ) -> MergeResult:
    """End ``sources`` on ``on`` − 1 day with ``into`` as their successor; audited.

    Repeating the same merge changes nothing. A source already ended differently, or a merge
    that would make a unit its own predecessor, is refused and nothing is stored.
    """
    if not sources:
        raise Invalid(detail="name at least one unit to merge (--from)")
    if any(s.id == into.id for s in sources):
        raise Invalid(detail=f"{into.code} cannot be merged into itself")
    if not into.in_force(on):
        raise Invalid(detail=f"{into.code} is not in force on {on.isoformat()}")
    end = on - timedelta(days=1)
    later: set[int] = set()  # the units ``into`` itself ends in: merging one of them is a cycle
    cur = into.successor
    while cur is not None and cur.id not in later:
        later.add(cur.id)
        cur = cur.successor
    problems, ended, unchanged = [], [], []
    for s in sources:
        if s.successor_id == into.id and s.valid_to == end:
            unchanged.append(s.code)
            continue
        if s.valid_to is not None or s.successor_id is not None:
            problems.append(f"{s.code} already ended on {s.valid_to}"
                            + (f" into {s.successor.code}" if s.successor else ""))
        elif s.valid_from is not None and s.valid_from > end:
            problems.append(f"{s.code} starts on {s.valid_from}, after {end}")
        elif s.id in later:
            problems.append(f"{into.code} itself ends in {s.code}")
        else:
            ended.append(s.code)
    if problems:
        raise Invalid(detail="; ".join(problems))
    for s in sources:
        if s.code in ended:
            s.valid_to, s.successor = end, into
    session.flush()
    if ended:
        record_action(session, None, "units.merge", "unit", into.code, into=into.code,
                      sources=ended, on=on.isoformat())
    return MergeResult(ended, unchanged)


def units_in_force(session: Session, on: date) -> list[Unit]:
    """Every unit in force on ``on``, by code."""
    return list(session.scalars(
        select(Unit).where(or_(Unit.valid_from.is_(None), Unit.valid_from <= on),
                           or_(Unit.valid_to.is_(None), Unit.valid_to >= on))
        .order_by(Unit.code)))


def predecessors(session: Session, unit: Unit) -> list[Unit]:
    """Every unit that became part of ``unit``, directly or through other merges, by code."""
    found: dict[int, Unit] = {}
    frontier = [unit.id]
    for _ in range(32):  # merges chain a few times at most; the bound guards against bad data
        if not frontier:
            break
        step = [u for u in session.scalars(select(Unit).where(Unit.successor_id.in_(frontier)))
                if u.id not in found and u.id != unit.id]
        found.update((u.id, u) for u in step)
        frontier = [u.id for u in step]
    return sorted(found.values(), key=lambda u: u.code)


def contributing(session: Session, unit: Unit, period: Period) -> list[Unit]:
    """The predecessors of ``unit`` in force at some time in ``period``: their counts belong
    in its figures for that period."""
    return [p for p in predecessors(session, unit)
            if (p.valid_from is None or p.valid_from <= period.end)
            and (p.valid_to is None or p.valid_to >= period.start)]

