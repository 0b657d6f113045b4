"""Hand scores (điểm tự đánh giá, điểm thẩm định) and bonus or deduction entries.

What may be scored by hand (:func:`component_problem`, :func:`check_points`), and the admin
pages' writes, each audited in the caller's transaction.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...db import insert_for
from ...domain import rounding
from ...domain.index import Component, Scheme
from ...models import IndexBonus, IndexHandScore, IndexScheme, Unit, UserAccount
from ...models._types import utcnow
from ..audit import record_action
from ..state import delete_once

#: The reserved component code of bonus and deduction rows in a scores file.
BONUS = "bonus"
#: ``appraised_score`` of a scores file row declaring the component not applicable (any case).
NOT_APPLICABLE = "NA"


def hand_components(scheme: Scheme) -> list[Component]:
    """Leaves scored by hand, in tree order."""
    return [c for c in scheme.leaves if c.formula is None]


def check_points(scheme: Scheme, component: str, value: Decimal | None,
                 label: str) -> str | None:
    """Why a hand score cannot be stored, or None: it must be 0 … the component's max."""
    if value is None:
        return None
    comp = scheme.component(component)
    assert comp is not None
    if value < 0:
        return f"{label} {value} is below 0"
    if Fraction(value) > comp.max_points:
        return f"{label} {value} is above the max of {component} ({points_text(comp.max_points)})"
    return None


def component_problem(scheme: Scheme, component: str) -> str | None:
    """Why ``component`` cannot take a hand score in ``scheme``, or None."""
    comp = scheme.component(component)
    if comp is None:
        return f"component {component!r} is not in {scheme.code} {scheme.year}"
    if not comp.is_leaf:
        return f"component {component!r} has children; score its leaves"
    if comp.formula is not None:
        return f"component {component!r} is computed (formula {comp.formula}), not scored by hand"
    return None


def set_hand_score(session: Session, row: IndexScheme, unit: Unit, component: str,
                   self_score: Decimal | None, appraised: Decimal | None, note: str | None,
                   user: UserAccount | None, *, not_applicable: bool = False) -> IndexHandScore:
    """Store (or change) one unit's scores of a hand-scored component, audited.

    With ``not_applicable`` the component is declared not to apply to the unit: no appraised
    score, and the note (the evidence) is required. The caller has checked the values with
    :func:`component_problem`, :func:`check_points` and :func:`not_applicable_problem`.
    """
    if not_applicable and (appraised is not None or not note):
        raise ValueError("a not-applicable component has no appraised score and needs a note")
    # Make sure the row exists, then read it under a row lock: a concurrent identical save
    # waits, finds the new values and changes (and audits) nothing.
    session.execute(insert_for(session, IndexHandScore).values(
        scheme_id=row.id, unit_id=unit.id, component=component, entered_at=utcnow())
        .on_conflict_do_nothing(index_elements=["scheme_id", "unit_id", "component"]))
    score = session.scalars(select(IndexHandScore).where(
        IndexHandScore.scheme_id == row.id, IndexHandScore.unit_id == unit.id,
        IndexHandScore.component == component)
        .with_for_update().execution_options(populate_existing=True)).one()
    stored = [decimal_text(score.self_score), stored_appraisal(score), score.note]
    old = None if stored == [None, None, None] else stored
    new = [decimal_text(self_score), NOT_APPLICABLE if not_applicable else decimal_text(appraised),
           note or None]
    if old == new:
        return score
    score.self_score, score.appraised_score, score.note = self_score, appraised, note or None
    score.not_applicable = not_applicable
    score.entered_by_id = user.id if user else None
    score.entered_at = utcnow()
    session.flush()
    record_action(session, user, "index.score_set", "index_hand_score", score.id,
                  scheme=row.code, year=row.year, unit=unit.code, component=component,
                  old=old, new=new)
    return score


def add_bonus(session: Session, row: IndexScheme, unit: Unit, points: Decimal, note: str,
              user: UserAccount | None) -> IndexBonus:
    """Add a bonus (positive) or deduction (negative) entry with its reason, audited."""
    entry = IndexBonus(scheme_id=row.id, unit_id=unit.id, points=points, note=note,
                       entered_by_id=user.id if user else None)
    session.add(entry)
    session.flush()
    record_action(session, user, "index.bonus_add", "index_bonus", entry.id, scheme=row.code,
                  year=row.year, unit=unit.code, points=decimal_text(points), note=note)
    return entry


def delete_bonus(session: Session, entry: IndexBonus, user: UserAccount | None) -> None:
    """Remove a bonus or deduction entry; the audit log keeps what it was. A concurrent
    duplicate raises :class:`~.state.AlreadyChanged` and audits nothing."""
    unit_code, points, note = entry.unit.code, decimal_text(entry.points), entry.note
    delete_once(session, IndexBonus, entry.id)
    record_action(session, user, "index.bonus_delete", "index_bonus", entry.id,
                  unit=unit_code, points=points, note=note)


def unit_entries(session: Session, row: IndexScheme, unit: Unit
                 ) -> tuple[dict[str, IndexHandScore], list[IndexBonus]]:
    """A unit's stored hand scores by component and its bonus entries (for the entry form)."""
    scores = {s.component: s for s in session.scalars(select(IndexHandScore).where(
        IndexHandScore.scheme_id == row.id, IndexHandScore.unit_id == unit.id))}
    bonus = list(session.scalars(select(IndexBonus).where(
        IndexBonus.scheme_id == row.id, IndexBonus.unit_id == unit.id).order_by(IndexBonus.id)))
    return scores, bonus


def not_applicable_problem(note: str | None) -> str | None:
    """Why a declaration "not applicable" cannot be stored, or None: it needs its evidence."""
    if not (note or "").strip():
        return ("note: a component declared not applicable (NA) needs the evidence why it does "
                "not apply to the unit")
    return None


def stored_appraisal(score: IndexHandScore) -> str | None:
    """The appraisal as the audit log shows it: ``NA`` for not applicable, else the points."""
    return NOT_APPLICABLE if score.not_applicable else decimal_text(score.appraised_score)


def decimal_text(value: Decimal | None) -> str | None:
    """A stored score as the audit log and messages show it (no trailing zeros)."""
    return None if value is None else format(value.normalize(), "f")


def points_text(value: Fraction) -> str:
    """A component's maximum, rounded to two decimals, without trailing zeros."""
    return format(rounding.points(value).normalize(), "f")  # type: ignore[union-attr]
