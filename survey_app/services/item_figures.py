"""Answer counts per item for a unit (or subtree) and period, turned into form figures.

Counting happens in the database (one grouped query per questionnaire code). Raw answers are
read here rather than a rollup because longer forms arrive in the hundreds per unit and year,
not millions; the counter ballot's figures use the daily rollup.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..domain import rounding
from ..domain.item_figures import FormFigures, form_figures
from ..domain.periods import Period
from ..models import Answer, Ballot, ItemEquivalence, Questionnaire, QuestionnaireItem, Unit
from .questionnaires import QuestionnaireVersion, questionnaire_version
from .units import subtree_ids


@dataclass(frozen=True, slots=True)
class VersionFigures:
    questionnaire: QuestionnaireVersion
    ballots: int
    figures: FormFigures
    #: versions whose equated items were counted into this one
    merged_from: tuple[int, ...]

    def as_json(self, lang: str = "vi") -> dict[str, Any]:
        def pct(x: Any) -> float | None:
            value = rounding.percent(x)
            return None if value is None else float(value)

        def label(text: Any) -> str:
            return text.get(lang) or text["vi"]

        items = []
        for f in self.figures.items:
            interval = f.interval()
            items.append({
                "item": f.item.code, "label": label(f.item.label), "element": f.item.element,
                "n": f.n, "satisfied": f.satisfied, "counts": dict(f.counts),
                "share": pct(f.share),
                "interval95": ({"low": pct(interval[0]), "high": pct(interval[1])}
                               if interval else None),
            })
        return {
            "version": self.questionnaire.version,
            "ballots": self.ballots,
            "merged_from": list(self.merged_from),
            "items": items,
            "elements": [{"element": e.code, "label": label(e.label), "share": pct(e.share),
                          "items": [f.item.code for f in e.items]}
                         for e in self.figures.elements],
            "overall": pct(self.figures.overall),
        }


def item_figures(session: Session, code: str, unit: Unit, period: Period, *,
                 subtree: bool = False, version: int | None = None) -> list[VersionFigures]:
    """Figures per version of questionnaire ``code`` (newest first, or only ``version``).

    Answers to an item declared equivalent to another version's item are counted under that
    item; otherwise each version is reported on its own.
    """
    versions = session.scalars(
        select(Questionnaire.version).where(Questionnaire.code == code)
        .order_by(Questionnaire.version.desc())
    ).all()
    if version is not None:
        versions = [v for v in versions if v == version]
    loaded = [questionnaire_version(session, code, v) for v in versions]
    canonical = aliased(QuestionnaireItem)
    target_item = func.coalesce(ItemEquivalence.same_as_id, Answer.item_id)
    stmt = (
        select(canonical.questionnaire_id, canonical.code, Answer.value, func.count())
        .select_from(Answer)
        .join(Ballot, Ballot.id == Answer.ballot_id)
        .join(Questionnaire, Questionnaire.id == Ballot.questionnaire_id)
        .outerjoin(ItemEquivalence, ItemEquivalence.item_id == Answer.item_id)
        .join(canonical, canonical.id == target_item)
        .where(Questionnaire.code == code, Ballot.status == "valid",
               Ballot.local_day >= period.start, Ballot.local_day <= period.end)
        .group_by(canonical.questionnaire_id, canonical.code, Answer.value)
    )
    ballots_stmt = (
        select(Ballot.questionnaire_id, func.count())
        .join(Questionnaire, Questionnaire.id == Ballot.questionnaire_id)
        .where(Questionnaire.code == code, Ballot.status == "valid",
               Ballot.local_day >= period.start, Ballot.local_day <= period.end)
        .group_by(Ballot.questionnaire_id)
    )
    merged_stmt = (
        select(canonical.questionnaire_id, QuestionnaireItem.questionnaire_id)
        .select_from(ItemEquivalence)
        .join(canonical, canonical.id == ItemEquivalence.same_as_id)
        .join(QuestionnaireItem, QuestionnaireItem.id == ItemEquivalence.item_id)
        .distinct()
    )
    if subtree:
        units = subtree_ids(unit.id).scalar_subquery()
        stmt = stmt.where(Ballot.unit_id.in_(units))
        ballots_stmt = ballots_stmt.where(Ballot.unit_id.in_(units))
    else:
        stmt = stmt.where(Ballot.unit_id == unit.id)
        ballots_stmt = ballots_stmt.where(Ballot.unit_id == unit.id)

    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for qid, item_code, value, n in session.execute(stmt):
        counts[qid][item_code][value] = int(n)
    ballots = dict(session.execute(ballots_stmt).all())
    merged: dict[int, set[int]] = defaultdict(set)
    for into, source in session.execute(merged_stmt):
        merged[into].add(source)
    by_id = dict(session.execute(select(Questionnaire.id, Questionnaire.version)
                                 .where(Questionnaire.code == code)).all())
    result = []
    for q in loaded:
        if q is None:
            continue
        sources = merged.get(q.id, set())
        result.append(VersionFigures(
            questionnaire=q,
            ballots=int(ballots.get(q.id, 0)) + sum(int(ballots.get(s, 0)) for s in sources),
            figures=form_figures(q.definition, counts.get(q.id, {})),
            merged_from=tuple(sorted(by_id.get(s, 0) for s in sources if s in by_id)),
        ))
    return result
