"""Inputs of the computed components, fetched for a scheme's block units.

- the satisfaction tally of each block unit's subtree over the scheme's period
  (:func:`satisfaction_inputs`, the one place that decides where votes come from): a closed
  period's snapshot when one is in force, otherwise the live rollup;
- dossier counts (``dossiers import``) for the ``dossier`` formula;
- officials' survey answers (``index survey import``) for ``option_credit``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.index import DossierCounts, OptionAnswers, Scheme
from ...domain.periods import Period
from ...domain.shares import Tally
from ...models import DossierCount, IndexScheme, IndexSurveyAnswers, Unit
from ..figures import unit_figures
from ..snapshots import snapshot_for, snapshot_tally
from ..unit_changes import contributing
from ..units import subtree_ids


@dataclass(frozen=True, slots=True)
class SatisfactionInput:
    """The valid-vote tally that feeds a unit's satisfaction component, and where it came from.

    ``source`` is ``"live"`` (the daily/monthly rollup now) or ``"snapshot"`` (a closed period's
    frozen figures); ``flagged`` counts suspect votes awaiting review (not in the tally).
    """

    tally: Tally
    flagged: int
    source: str = "live"


def closed_period_tally(session: Session, unit: Unit, period: Period) -> SatisfactionInput | None:
    """The closed period's snapshot of a unit's subtree, preferred when one is in force.

    DOMAIN.md §7 scores the satisfaction component "from a closed period": figures frozen with
    a content hash so the index no longer moves. A snapshot of exactly ``period`` on the unit or
    an ancestor is used; otherwise None, and :func:`satisfaction_inputs` reads the live rollup.
    """
    snapshot = snapshot_for(session, unit.id, period)
    if snapshot is None:
        return None
    tally, flagged = snapshot_tally(session, snapshot, unit.id)
    return SatisfactionInput(tally, flagged, source="snapshot")


def satisfaction_inputs(session: Session, scheme: Scheme) -> dict[str, SatisfactionInput]:
    """For every block unit: its subtree's votes over the scheme's period.

    A closed-period snapshot is used when one exists (:func:`closed_period_tally`); otherwise
    the live rollup (:func:`~survey_app.services.figures.unit_figures`, subtree summed from
    counts, flagged/void/test votes excluded).
    """
    out: dict[str, SatisfactionInput] = {}
    for unit in block_units(session, scheme).values():
        snapshot = closed_period_tally(session, unit, scheme.period)
        # a merged unit adds its predecessors' counts (unit_figures reads snapshots too)
        if snapshot is not None and not contributing(session, unit, scheme.period):
            out[unit.code] = snapshot
            continue
        figures = unit_figures(session, unit, scheme.period, min_n=scheme.min_n, subtree=True)
        out[unit.code] = SatisfactionInput(figures.tally, figures.flagged)
    return out


def dossier_inputs(session: Session, scheme: Scheme) -> dict[str, DossierCounts]:
    """For every block unit with dossier counts: the subtree's rows inside the scheme's period.

    Rows that lie wholly inside the period are summed; a row without ``not_satisfied`` takes the
    "Chưa hài lòng" votes of its unit's subtree over its dates, at most as many as the dossiers
    without another negative signal (a dossier is counted once).
    """
    out: dict[str, DossierCounts] = {}
    period = scheme.period
    for code, unit in block_units(session, scheme).items():
        rows = list(session.scalars(select(DossierCount).where(
            DossierCount.unit_id.in_(subtree_ids(unit.id).scalar_subquery()),
            DossierCount.period_from >= period.start, DossierCount.period_to <= period.end)))
        if not rows:
            continue
        handled = overdue = complaints = not_satisfied = 0
        for r in rows:
            ns = r.not_satisfied
            if ns is None:
                votes = unit_figures(session, r.unit, Period(r.period_from, r.period_to),
                                     min_n=0, subtree=True).tally.not_satisfied
                ns = min(votes, r.handled - r.overdue - r.complaints)
            handled, overdue = handled + r.handled, overdue + r.overdue
            complaints, not_satisfied = complaints + r.complaints, not_satisfied + ns
        out[code] = DossierCounts(handled, not_satisfied, complaints, overdue)
    return out


def survey_inputs(session: Session, row: IndexScheme) -> dict[str, dict[str, OptionAnswers]]:
    """Officials' A/B/C/D counts by unit code and ``option_credit`` component."""
    out: dict[str, dict[str, OptionAnswers]] = defaultdict(dict)
    for r in session.scalars(select(IndexSurveyAnswers).where(
            IndexSurveyAnswers.scheme_id == row.id)):
        out[r.unit.code][r.component] = OptionAnswers(r.a, r.b, r.c, r.d)
    return out


def block_units(session: Session, scheme: Scheme) -> dict[str, Unit]:
    """The scheme's block units by code, in the scheme's listing order."""
    codes = [m.unit for b in scheme.blocks for m in b.members]
    found = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    return {c: found[c] for c in codes if c in found}
