"""Index schemes as stored: load (validate, then create or replace) and list them.

A scheme is data (:func:`~survey_app.domain.index.parse_scheme`); it is stored with its canonical
document and a content hash, so loading the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain import periods
from ...domain.index import Scheme, SchemeError, parse_scheme
from ...messages import message
from ...models import IndexBonus, IndexHandScore, IndexScheme, IndexSurveyAnswers, Unit, UserAccount
from ...models._types import utcnow
from ..audit import record_action
from ..units import validity_problem
from .hand_scores import decimal_text, points_text


class SchemeLoadError(ValueError):
    """The scheme cannot be stored; ``problems`` are (key, message) pairs, nothing was stored."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


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
    known = {u.code: u for u in session.scalars(select(Unit).where(
        Unit.code.in_([m.unit for b in scheme.blocks for m in b.members])))}
    for i, block in enumerate(scheme.blocks):
        for j, member in enumerate(block.members):
            if member.unit not in known:
                problems.append((f"blocks[{i}].units[{j}]",
                                 f"no unit with code {member.unit!r} (add it with units import)"))
            elif why := validity_problem(known[member.unit], periods.year(scheme.year),
                                          whole=False):
                # a 2026 scheme lists the communes of 2026, not the wards merged into them
                problems.append((f"blocks[{i}].units[{j}]", message(why.key, "en", why.params)))
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
                    problems.append((where, f"unit {unit} has a stored score "
                                            f"{decimal_text(value)} above the new max "
                                            f"{points_text(comp.max_points)}"))
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
