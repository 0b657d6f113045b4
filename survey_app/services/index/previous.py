"""Last year's totals, also for a unit that did not exist last year (docs/index-formulas.md §9).

A unit listed in last year's scheme keeps its own published total. A unit that was not, but
whose predecessors were (a commune made in the 2025 reorganisation, compared with the scheme
its old wards were scored in), gets a total scored with last year's scheme from:

- computed components: recomputed from summed counts (its figures for last year's period,
  which add every predecessor's votes; the predecessors' dossier counts and officials' answers
  added up), never from averaged rates;
- hand-scored components and the net bonus: the predecessors' appraised points averaged
  weighted by their number of valid votes over last year's period. A component no scored
  predecessor had votes for is not available, and then the total is left out with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.orm import Session

from ...domain import rounding
from ...domain.index import (
    DossierCounts,
    HandScore,
    Measure,
    OptionAnswers,
    Scheme,
    UnitInput,
    UnitScore,
    score_unit,
)
from ...models import IndexScheme, Unit
from ..figures import unit_figures
from ..unit_changes import predecessors
from .inputs import dossier_inputs, survey_inputs


@dataclass(frozen=True, slots=True)
class Previous:
    """Last year's totals by unit code, and for units scored from their predecessors which
    ones (``sources``: code and name) or why no total could be given (``reasons``)."""

    totals: dict[str, Decimal]
    sources: dict[str, tuple[tuple[str, str], ...]]
    reasons: dict[str, str]


def previous_totals(session: Session, last_row: IndexScheme, last: Mapping[str, UnitScore],
                    units: Mapping[str, Unit]) -> Previous:
    """Totals of last year's scheme for this year's ``units``; ``last`` is last year's scored
    units by code (``score_index(…, with_previous=False)``)."""
    scheme = last_row.parsed()
    totals = {code: rounding.points(s.total) for code, s in last.items()  # type: ignore[misc]
              if s.total is not None}
    sources: dict[str, tuple[tuple[str, str], ...]] = {}
    reasons: dict[str, str] = {}
    merged = {code: [p for p in predecessors(session, unit) if p.code in last]
              for code, unit in units.items() if code not in last}
    merged = {code: preds for code, preds in merged.items() if preds}
    if not merged:
        return Previous(totals, sources, reasons)
    dossiers = dossier_inputs(session, scheme)
    answers = survey_inputs(session, last_row)
    for code, preds in merged.items():
        names = tuple(p.code for p in preds)
        votes = {p.code: unit_figures(session, p, scheme.period, min_n=0, subtree=True)
                 .tally.total for p in preds}
        entries, missing = _entries(session, scheme, units[code], preds, last, votes,
                                    dossiers, answers)
        if missing:
            reasons[code] = (f"Năm {scheme.year} chưa có đơn vị này; không tính được tổng điểm "
                             f"năm trước từ {', '.join(names)}: tiêu chí "
                             f"{', '.join(missing)} không có đơn vị tiền thân nào có phiếu để "
                             "làm trọng số")
            continue
        bonus = _weighted({p.code: last[p.code].bonus for p in preds}, votes)
        score = score_unit(scheme, UnitInput(code, units[code].name, entries,
                                             (bonus,) if bonus else ()))
        if score.total is None:
            reasons[code] = (f"Năm {scheme.year} chưa có đơn vị này; các đơn vị tiền thân "
                             f"{', '.join(names)} chưa được chấm tiêu chí nào")
            continue
        totals[code] = rounding.points(score.total)  # type: ignore[assignment]
        sources[code] = tuple((p.code, p.name) for p in preds)
    return Previous(totals, sources, reasons)


def _entries(session: Session, scheme: Scheme, unit: Unit, preds: list[Unit],
             last: Mapping[str, UnitScore], votes: Mapping[str, int],
             dossiers: Mapping[str, DossierCounts],
             answers: Mapping[str, Mapping[str, OptionAnswers]],
             ) -> tuple[dict[str, HandScore | Measure], list[str]]:
    """The unit's inputs to last year's scheme, and the hand components with no weight."""
    entries: dict[str, HandScore | Measure] = {}
    missing: list[str] = []
    tally = None
    for leaf in scheme.leaves:
        if leaf.formula in ("linear", "threshold"):
            if tally is None:  # its figures add every predecessor's counts
                tally = unit_figures(session, unit, scheme.period, min_n=scheme.min_n,
                                     subtree=True).tally
            entries[leaf.code] = tally
        elif leaf.formula == "dossier":
            rows = [dossiers[p.code] for p in preds if p.code in dossiers]
            if rows:
                entries[leaf.code] = DossierCounts(
                    sum(r.handled for r in rows), sum(r.not_satisfied for r in rows),
                    sum(r.complaints for r in rows), sum(r.overdue for r in rows))
        elif leaf.formula == "option_credit":
            rows = [answers[p.code][leaf.code] for p in preds
                    if leaf.code in answers.get(p.code, {})]
            if rows:
                entries[leaf.code] = OptionAnswers(sum(r.a for r in rows), sum(r.b for r in rows),
                                                   sum(r.c for r in rows), sum(r.d for r in rows))
        else:
            scored = {p.code: c.points for p in preds for c in last[p.code].components
                      if c.code == leaf.code and c.points is not None}
            if not scored:
                continue  # nobody scored it last year: not present, as for any unit
            value = _weighted(scored, votes)
            if value is None:
                missing.append(leaf.code)
            else:
                entries[leaf.code] = HandScore(appraised=value)
    return entries, missing


def _weighted(values: Mapping[str, Fraction], votes: Mapping[str, int]) -> Fraction | None:
    """The mean of ``values`` weighted by ``votes``; None when they weigh nothing."""
    weight = sum(votes[c] for c in values)
    if not weight:
        return None if values else Fraction(0)
    return sum((Fraction(v) * votes[c] for c, v in values.items()), Fraction(0)) / weight
