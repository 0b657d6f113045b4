"""The index (bộ chỉ số) as a use case: load schemes, gather every input, score, rank, publish.

The rules are in :mod:`survey_app.domain.index`; this module only fetches what they need:

- hand scores and bonus entries stored by ``index scores import`` or the admin pages;
- the satisfaction tally of each block unit's subtree over the scheme's period
  (:func:`satisfaction_inputs`, the one place that decides where votes come from);
- dossier counts (``dossiers import``) for the ``dossier`` formula and officials' survey answers
  (``index survey import``) for ``option_credit``;
- last year's published totals, from the scheme with the same code and the year before.

Services flush and never commit; the command or request commits once.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import insert_for
from ..domain import rounding
from ..domain.index import (
    Component,
    DossierCounts,
    HandScore,
    IndexResult,
    Measure,
    OptionAnswers,
    Scheme,
    SchemeError,
    UnitInput,
    UnitScore,
    index_result,
    parse_scheme,
)
from ..domain.periods import Period
from ..domain.ranking import BlockTable, Column, RankingTable, Row
from ..domain.shares import Tally, satisfaction_rate, wilson_interval
from ..models import (
    DossierCount,
    IndexBonus,
    IndexHandScore,
    IndexScheme,
    IndexSurveyAnswers,
    Unit,
    UserAccount,
)
from ..models._types import utcnow
from .audit import record_action
from .figures import unit_figures
from .snapshots import snapshot_for, snapshot_tally
from .state import delete_once
from .units import subtree_ids

#: Formulas scored from a satisfaction rate (the component published by the satisfaction API).
RATE_FORMULAS = ("linear", "threshold", "dossier")
#: The reserved component code of bonus and deduction rows in a scores file.
BONUS = "bonus"


class SchemeLoadError(ValueError):
    """The scheme cannot be stored; ``problems`` are (key, message) pairs, nothing was stored."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


# --------------------------------------------------------------------------------------------
# Schemes


def canonical_document(data: Any) -> Any:
    """The scheme mapping as JSON can hold it: dates (as YAML loads them) become ISO strings."""
    if isinstance(data, Mapping):
        return {str(k): canonical_document(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [canonical_document(v) for v in data]
    if isinstance(data, datetime | date):
        return data.isoformat()
    return data


def document_hash(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    row: IndexScheme
    scheme: Scheme
    #: ``created``, ``replaced`` or ``unchanged``.
    action: str


def load_scheme(session: Session, data: Any, *, replace: bool = False,
                user: UserAccount | None = None) -> LoadOutcome:
    """Validate and store a scheme; the same code and year is replaced only with ``replace``.

    Raises :class:`SchemeLoadError` naming every problem by its key: the scheme's own
    (:func:`parse_scheme`), block units that are not in the unit tree, and on replace the stored
    scores the new version would no longer accept.
    """
    try:
        scheme = parse_scheme(data)
    except SchemeError as exc:
        raise SchemeLoadError(exc.problems) from exc
    problems: list[tuple[str, str]] = []
    known = set(session.scalars(select(Unit.code).where(
        Unit.code.in_([m.unit for b in scheme.blocks for m in b.members]))))
    for i, block in enumerate(scheme.blocks):
        for j, member in enumerate(block.members):
            if member.unit not in known:
                problems.append((f"blocks[{i}].units[{j}]",
                                 f"no unit with code {member.unit!r} (add it with units import)"))
    document = canonical_document(data)
    digest = document_hash(document)
    existing = scheme_row(session, scheme.code, scheme.year)
    if existing is not None and existing.content_hash == digest and not problems:
        return LoadOutcome(existing, scheme, "unchanged")
    if existing is not None and not replace:
        problems.append(("code", f"{scheme.code} {scheme.year} is already loaded "
                                 "(use --replace to replace it)"))
    if existing is not None and replace:
        problems.extend(_stored_conflicts(session, existing, scheme))
    if problems:
        raise SchemeLoadError(problems)
    if existing is None:
        row = IndexScheme(code=scheme.code, year=scheme.year, name=scheme.name,
                          document=document, content_hash=digest)
        session.add(row)
        session.flush()
        record_action(session, user, "index.load", "index_scheme", row.id, code=scheme.code,
                      year=scheme.year, content_hash=digest)
        return LoadOutcome(row, scheme, "created")
    old_hash = existing.content_hash
    existing.name, existing.document, existing.content_hash = scheme.name, document, digest
    existing.loaded_at = utcnow()
    session.flush()
    record_action(session, user, "index.replace", "index_scheme", existing.id, code=scheme.code,
                  year=scheme.year, content_hash=[old_hash, digest])
    return LoadOutcome(existing, scheme, "replaced")


def _stored_conflicts(session: Session, row: IndexScheme,
                      scheme: Scheme) -> list[tuple[str, str]]:
    """Stored scores, bonus entries and survey answers the new version would refuse."""
    problems = []
    members = {m.unit for b in scheme.blocks for m in b.members}
    for score in session.scalars(select(IndexHandScore).where(IndexHandScore.scheme_id == row.id)):
        unit = score.unit.code
        comp = scheme.component(score.component)
        where = f"components ({score.component})"
        if unit not in members:
            problems.append(("blocks", f"unit {unit} has stored scores but is in no block"))
        elif comp is None or not comp.is_leaf or comp.formula is not None:
            problems.append((where, f"unit {unit} has a stored hand score for "
                                    f"{score.component!r}, which the new version does not "
                                    "score by hand"))
        else:
            for value in (score.self_score, score.appraised_score):
                if value is not None and Fraction(value) > comp.max_points:
                    problems.append((where, f"unit {unit} has a stored score {_text(value)} above "
                                            f"the new max {_plain(comp.max_points)}"))
    if scheme.bonus is None and session.scalar(
            select(IndexBonus.id).where(IndexBonus.scheme_id == row.id).limit(1)):
        problems.append(("bonus", "bonus entries are stored, so the new version needs a "
                                  "bonus section"))
    for answers in session.scalars(
            select(IndexSurveyAnswers).where(IndexSurveyAnswers.scheme_id == row.id)):
        comp = scheme.component(answers.component)
        if comp is None or comp.formula != "option_credit":
            problems.append((f"components ({answers.component})",
                             f"unit {answers.unit.code} has stored survey answers for "
                             f"{answers.component!r}, which is no option_credit item any more"))
    return sorted(set(problems))


def scheme_row(session: Session, code: str, year: int) -> IndexScheme | None:
    return session.scalar(select(IndexScheme).where(IndexScheme.code == code,
                                                    IndexScheme.year == year))


def scheme_rows(session: Session) -> list[IndexScheme]:
    return list(session.scalars(select(IndexScheme).order_by(IndexScheme.code,
                                                             IndexScheme.year.desc())))


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
        return f"{label} {value} is above the max of {component} ({_plain(comp.max_points)})"
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


# --------------------------------------------------------------------------------------------
# Hand scores and bonus entries from the admin pages


def set_hand_score(session: Session, row: IndexScheme, unit: Unit, component: str,
                   self_score: Decimal | None, appraised: Decimal | None, note: str | None,
                   user: UserAccount | None) -> IndexHandScore:
    """Store (or change) one unit's scores of a hand-scored component, audited.

    The caller has checked the values with :func:`component_problem` and :func:`check_points`.
    """
    # Make sure the row exists, then read it under a row lock: a concurrent identical save
    # waits, finds the new values and changes (and audits) nothing.
    session.execute(insert_for(session, IndexHandScore).values(
        scheme_id=row.id, unit_id=unit.id, component=component, entered_at=utcnow())
        .on_conflict_do_nothing(index_elements=["scheme_id", "unit_id", "component"]))
    score = session.scalars(select(IndexHandScore).where(
        IndexHandScore.scheme_id == row.id, IndexHandScore.unit_id == unit.id,
        IndexHandScore.component == component)
        .with_for_update().execution_options(populate_existing=True)).one()
    stored = [_text(score.self_score), _text(score.appraised_score), score.note]
    old = None if stored == [None, None, None] else stored
    new = [_text(self_score), _text(appraised), note or None]
    if old == new:
        return score
    score.self_score, score.appraised_score, score.note = self_score, appraised, note or None
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
                  year=row.year, unit=unit.code, points=_text(points), note=note)
    return entry


def delete_bonus(session: Session, entry: IndexBonus, user: UserAccount | None) -> None:
    """Remove a bonus or deduction entry; the audit log keeps what it was. A concurrent
    duplicate raises :class:`~.state.AlreadyChanged` and audits nothing."""
    unit_code, points, note = entry.unit.code, _text(entry.points), entry.note
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


# --------------------------------------------------------------------------------------------
# Inputs of computed components


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
    for unit in _block_units(session, scheme).values():
        snapshot = closed_period_tally(session, unit, scheme.period)
        if snapshot is not None:
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
    for code, unit in _block_units(session, scheme).items():
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


def _block_units(session: Session, scheme: Scheme) -> dict[str, Unit]:
    """The scheme's block units by code, in the scheme's listing order."""
    codes = [m.unit for b in scheme.blocks for m in b.members]
    found = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    return {c: found[c] for c in codes if c in found}


# --------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True, slots=True)
class IndexReport:
    """A scored scheme: the domain result plus what the outputs need to explain it."""

    row: IndexScheme
    scheme: Scheme
    result: IndexResult
    satisfaction: dict[str, SatisfactionInput]
    previous_year: int | None
    self_scores: dict[str, dict[str, Decimal]] = field(default_factory=dict)


def score_index(session: Session, row: IndexScheme, *, with_previous: bool = True) -> IndexReport:
    """Score, rank and band every unit of a stored scheme from what is stored now."""
    scheme = row.parsed()
    units = _block_units(session, scheme)
    entries: dict[str, dict[str, HandScore | Measure]] = defaultdict(dict)
    self_scores: dict[str, dict[str, Decimal]] = defaultdict(dict)
    hand = {c.code for c in hand_components(scheme)}
    for s in session.scalars(select(IndexHandScore).where(IndexHandScore.scheme_id == row.id)):
        if s.component in hand:
            entries[s.unit.code][s.component] = HandScore(s.self_score, s.appraised_score)
            if s.self_score is not None:
                self_scores[s.unit.code][s.component] = s.self_score
    bonus: dict[str, list[Decimal]] = defaultdict(list)
    for b in session.scalars(select(IndexBonus).where(IndexBonus.scheme_id == row.id)
                             .order_by(IndexBonus.id)):
        bonus[b.unit.code].append(b.points)
    satisfaction: dict[str, SatisfactionInput] = {}
    formulas = {c.formula for c in scheme.leaves}
    if formulas & {"linear", "threshold"}:
        satisfaction = satisfaction_inputs(session, scheme)
    dossiers = dossier_inputs(session, scheme) if "dossier" in formulas else {}
    answers = survey_inputs(session, row) if "option_credit" in formulas else {}
    for leaf in scheme.leaves:
        for code in units:
            if leaf.formula in ("linear", "threshold") and code in satisfaction:
                entries[code][leaf.code] = satisfaction[code].tally
            elif leaf.formula == "dossier" and code in dossiers:
                entries[code][leaf.code] = dossiers[code]
            elif leaf.formula == "option_credit" and leaf.code in answers.get(code, {}):
                entries[code][leaf.code] = answers[code][leaf.code]
    previous: dict[str, Decimal] = {}
    previous_row = scheme_row(session, row.code, row.year - 1) if with_previous else None
    if previous_row is not None:
        last = score_index(session, previous_row, with_previous=False)
        previous = {u.score.unit: rounding.points(u.score.total)  # type: ignore[misc]
                    for b in last.result.blocks for u in b.units if u.score.total is not None}
    inputs = [UnitInput(code, unit.name, entries.get(code, {}), tuple(bonus.get(code, ())),
                        previous.get(code)) for code, unit in units.items()]
    return IndexReport(row, scheme, index_result(scheme, inputs), satisfaction,
                       previous_row.year if previous_row else None, dict(self_scores))


# --------------------------------------------------------------------------------------------
# Published documents (CLI JSON, API)


def index_document(report: IndexReport, *, units: set[str] | None = None) -> dict[str, Any]:
    """The published index: per block, units in rank order (see the issue's shape).

    Numbers are JSON numbers: points rounded half-up to two decimals, the satisfaction rate in
    percent to one decimal. Each unit also carries ``ranked`` and ``reasons`` (why a component
    has no points or is flagged). With ``units``, only those units are listed (ranks stay those
    of the whole block) and blocks left empty are dropped.
    """
    scheme = report.scheme
    body = report.result.to_dict()
    blocks = []
    for block, result_block in zip(body["blocks"], report.result.blocks, strict=True):
        rows = []
        for unit, ranked in zip(block["units"], result_block.units, strict=True):
            if units is not None and unit["unit"] not in units:
                continue
            row = _jsonable(unit)
            row["ranked"] = ranked.ranked
            row["reasons"] = {c.code: c.reason for c in ranked.score.components if c.reason}
            rows.append(row)
        if units is None or rows:
            blocks.append({"name": block["name"], "units": rows})
    return {
        "scheme": scheme.code,
        "year": scheme.year,
        "name": scheme.name,
        "from": scheme.period.start.isoformat(),
        "to": scheme.period.end.isoformat(),
        "rule": rounding.RULE,
        "min_n": scheme.min_n,
        "max_total": _num(rounding.points(scheme.rescale_to or scheme.max_total)),
        "previous_year": report.previous_year,
        "components": [
            {"code": c.code, "name": c.name, "max": _num(rounding.points(c.max_points)),
             "formula": c.formula, "parent": parent}
            for c, parent in _components_with_parents(scheme)
        ],
        "bands": [{"label": b.label, "min": _num(rounding.points(b.lower))}
                  for b in scheme.bands],
        "blocks": blocks,
    }


def satisfaction_document(report: IndexReport, *,
                          units: set[str] | None = None) -> dict[str, Any]:
    """The satisfaction component(s) on their own, per block unit, for other index software."""
    scheme = report.scheme
    rate_components = [c for c in scheme.leaves if c.formula in RATE_FORMULAS]
    blocks = []
    for block, result_block in zip(scheme.blocks, report.result.blocks, strict=True):
        scores = {u.score.unit: u.score for u in result_block.units}
        rows = []
        for member in block.members:
            if units is not None and member.unit not in units:
                continue
            score = scores[member.unit]
            sat = report.satisfaction.get(member.unit)
            tally = sat.tally if sat else None
            interval = (wilson_interval(tally.very_satisfied + tally.satisfied, tally.total)
                        if tally else None)
            by_code = {c.code: c for c in score.components}
            rows.append({
                "unit": member.unit,
                "name": score.name,
                "n": tally.total if tally else 0,
                "counts": tally.counts() if tally else None,
                "satisfaction_rate": _num(rounding.percent(
                    satisfaction_rate(tally) if tally else None)),
                "interval95": ({"low": _num(rounding.percent(interval[0])),
                                "high": _num(rounding.percent(interval[1]))}
                               if interval else None),
                "sufficient": tally is not None and tally.total >= scheme.min_n,
                "flagged": sat.flagged if sat else 0,
                "source": sat.source if sat else None,
                "components": [
                    {"code": c.code, "name": c.name, "formula": c.formula,
                     "max": _num(rounding.points(c.max_points)),
                     "points": _num(rounding.points(by_code[c.code].points)),
                     "rate": _num(rounding.percent(by_code[c.code].rate)),
                     "n": by_code[c.code].n,
                     "sufficient": by_code[c.code].sufficient,
                     "reason": by_code[c.code].reason}
                    for c in rate_components
                ],
            })
        if units is None or rows:
            blocks.append({"name": block.name, "units": rows})
    return {
        "scheme": scheme.code, "year": scheme.year,
        "from": scheme.period.start.isoformat(), "to": scheme.period.end.isoformat(),
        "rule": rounding.RULE, "min_n": scheme.min_n, "blocks": blocks,
    }


def ranking_table(report: IndexReport) -> RankingTable:
    """The published-table values (rounded) of a scored scheme, for the renderers."""
    scheme = report.scheme
    tree = _components_with_parents(scheme)
    depth: dict[str, int] = {}
    for comp, parent in tree:
        depth[comp.code] = 0 if parent is None else depth[parent] + 1
    columns = tuple(Column(c.code, c.name, rounding.points(c.max_points),  # type: ignore[arg-type]
                           depth[c.code]) for c, _ in tree)
    computed = sum(1 for c in scheme.leaves if c.formula is not None)
    blocks = []
    for block in report.result.blocks:
        rows = []
        for ranked in block.units:
            d = ranked.to_dict()
            score = ranked.score
            rows.append(Row(
                unit=score.unit, name=score.name or score.unit, rank=ranked.rank,
                ranked=ranked.ranked, total=d["total"], band=d["band"],
                components=tuple(d["components"][c.code] for c in columns), bonus=d["bonus"],
                satisfaction_rate=d["satisfaction_rate"], n=d["n"], sufficient=d["sufficient"],
                previous_total=d["previous_total"], delta=d["delta"],
                note=_note(score, computed),
            ))
        blocks.append(BlockTable(block.name, tuple(rows)))
    period = scheme.period
    return RankingTable(
        code=scheme.code, year=scheme.year, title=scheme.name,
        period=f"{period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}", columns=columns,
        blocks=tuple(blocks),
        bands=tuple((b.label, rounding.points(b.lower)) for b in scheme.bands),  # type: ignore[misc]
        max_total=rounding.points(scheme.rescale_to or scheme.max_total),  # type: ignore[arg-type]
        rule=rounding.RULE, previous_year=report.previous_year,
    )


def _note(score: UnitScore, computed: int) -> str:
    """Why a unit's row needs a second look: computed parts flagged, hand parts not appraised."""
    parts = [c.reason if computed == 1 else f"{c.code}: {c.reason}"
             for c in score.components if c.reason and c.formula is not None]
    missing = [c.code for c in score.components
               if c.leaf and c.formula is None and c.points is None]
    if missing and score.total is not None:
        parts.append("Chưa có điểm thẩm định: " + ", ".join(missing))
    return "; ".join(parts)


def _components_with_parents(scheme: Scheme) -> list[tuple[Component, str | None]]:
    out: list[tuple[Component, str | None]] = []

    def walk(nodes: tuple[Component, ...], parent: str | None) -> None:
        for node in nodes:
            out.append((node, parent))
            walk(node.children, node.code)

    walk(scheme.components, None)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _num(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _num(value: Decimal | None) -> float | int | None:
    """A rounded Decimal as a JSON number; float() of a two-decimal Decimal prints exactly."""
    if value is None:
        return None
    return float(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _plain(value: Fraction) -> str:
    return format(rounding.points(value).normalize(), "f")  # type: ignore[union-attr]
