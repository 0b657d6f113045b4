"""Publication: score a stored scheme year, and the documents and ranking table it publishes.

:func:`score_index` gathers hand scores, bonus entries, the computed components' inputs and last
year's published totals (the scheme with the same code and the year before), and scores them with
:func:`~survey_app.domain.index.index_result`. The JSON documents (CLI, API) and the
:class:`~survey_app.domain.ranking.RankingTable` (pages, XLSX, CSV, PDF) are built from that.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain import rounding
from ...domain.index import (
    NOT_APPLICABLE,
    Component,
    HandScore,
    IndexResult,
    Measure,
    Scheme,
    UnitInput,
    UnitScore,
    index_result,
)
from ...domain.ranking import BlockTable, Column, RankingTable, Row
from ...domain.shares import satisfaction_rate, wilson_interval
from ...models import IndexBonus, IndexHandScore, IndexScheme
from .hand_scores import hand_components
from .inputs import (
    SatisfactionInput,
    block_units,
    dossier_inputs,
    satisfaction_inputs,
    survey_inputs,
)
from .previous import Previous, previous_totals
from .schemes import scheme_row

#: How the notes of the ranking table name hand-scored components still without an appraisal.
NOT_APPRAISED = "Chưa đủ điểm thẩm định"

#: Formulas scored from a satisfaction rate (the component published by the satisfaction API).
RATE_FORMULAS = ("linear", "threshold", "dossier")


@dataclass(frozen=True, slots=True)
class IndexReport:
    """A scored scheme: the domain result plus what the outputs need to explain it."""

    row: IndexScheme
    scheme: Scheme
    result: IndexResult
    satisfaction: dict[str, SatisfactionInput]
    previous_year: int | None
    self_scores: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    #: units without a row last year, scored from these predecessors (index-formulas.md §9)
    previous_sources: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: why such a unit has no previous total
    previous_reasons: dict[str, str] = field(default_factory=dict)


def score_index(session: Session, row: IndexScheme, *, with_previous: bool = True) -> IndexReport:
    """Score, rank and band every unit of a stored scheme from what is stored now."""
    scheme = row.parsed()
    units = block_units(session, scheme)
    entries: dict[str, dict[str, HandScore | Measure]] = defaultdict(dict)
    self_scores: dict[str, dict[str, Decimal]] = defaultdict(dict)
    hand = {c.code for c in hand_components(scheme)}
    for s in session.scalars(select(IndexHandScore).where(IndexHandScore.scheme_id == row.id)):
        if s.component in hand:
            entries[s.unit.code][s.component] = HandScore(
                s.self_score, None if s.not_applicable else s.appraised_score,
                not_applicable=s.not_applicable)
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
    previous = Previous({}, {}, {})
    previous_row = scheme_row(session, row.code, row.year - 1) if with_previous else None
    if previous_row is not None:
        last = score_index(session, previous_row, with_previous=False)
        # a unit made in a reorganisation is compared with its predecessors' (§9)
        previous = previous_totals(session, previous_row, {
            u.score.unit: u.score for b in last.result.blocks for u in b.units}, units)
    inputs = [UnitInput(code, unit.name, entries.get(code, {}), tuple(bonus.get(code, ())),
                        previous.totals.get(code)) for code, unit in units.items()]
    return IndexReport(row, scheme, index_result(scheme, inputs), satisfaction,
                       previous_row.year if previous_row else None, dict(self_scores),
                       previous.sources, previous.reasons)


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
            if unit["unit"] in report.previous_sources:
                row["previous_from"] = [c for c, _ in report.previous_sources[unit["unit"]]]
            if unit["unit"] in report.previous_reasons:
                row["previous_reason"] = report.previous_reasons[unit["unit"]]
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
    names = {c.code: c.name for c in scheme.all_components()}
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
                note=_note(score, report), complete=score.complete,
                missing=tuple(names[c] for c in score.missing),
                not_applicable=tuple(c.code for c in score.components if not c.applicable),
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


def _note(score: UnitScore, report: IndexReport) -> str:
    """Why a unit's row needs a second look, by component *name*: hand-scored components still
    without an appraisal (the total is provisional), computed ones flagged or without figures,
    those declared not applicable, and where last year's total of a unit made since comes
    from."""
    parts = []
    unappraised = [c.name or c.code for c in score.components
                   if c.missing and c.formula is None]
    if unappraised and score.total is not None:
        parts.append(f"{NOT_APPRAISED}: " + ", ".join(unappraised))
    parts += [f"{c.name or c.code}: {c.reason}" for c in score.components
              if c.reason and c.formula is not None]
    left_out = [c.name or c.code for c in score.components if c.leaf and not c.applicable]
    if left_out:
        parts.append(f"{NOT_APPLICABLE}: " + ", ".join(left_out))
    if score.unit in report.previous_sources:
        parts.append(f"Điểm năm {report.previous_year} tính từ đơn vị tiền thân: "
                     + ", ".join(n for _, n in report.previous_sources[score.unit]))
    if score.unit in report.previous_reasons:
        parts.append(report.previous_reasons[score.unit])
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
