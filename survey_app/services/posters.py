"""Which posters a unit needs: one per counter, or one for the unit when it has no counters."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.posters import Poster

from ..models import Counter, Unit
from .units import subtree_ids


def poster_path(unit: Unit, counter: Counter | None) -> str:
    return f"/q/c/{unit.code}" + (f".{counter.code}" if counter else "")


def posters_for_unit(session: Session, unit: Unit, base_url: str,
                     counter_code: str | None = None) -> list[Poster]:
    counters = session.scalars(select(Counter).where(Counter.unit_id == unit.id,
                                                     Counter.active.is_(True))
                               .order_by(Counter.code)).all()
    if counter_code is not None:
        counters = [c for c in counters if c.code == counter_code]
    parent = unit.parent.name if unit.parent else None
    base = base_url.rstrip("/")
    if not counters:
        return [Poster(unit.name, base + poster_path(unit, None), None, parent)]
    return [Poster(unit.name, base + poster_path(unit, c), c.name, parent) for c in counters]


def subtree_units(session: Session, unit: Unit) -> list[Unit]:
    ids = subtree_ids(unit.id)
    return list(session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.code)))
