"""Questionnaire versions as the vote path needs them, parsed once per process.

A stored version never changes (a changed definition becomes a new version), so its parsed form
can be cached for the life of the process, keyed by the row id and its content hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.questionnaire import Definition, parse_definition
from ..models import Questionnaire, QuestionnaireItem


@dataclass(frozen=True, slots=True)
class QuestionnaireVersion:
    id: int
    code: str
    version: int
    definition: Definition
    #: item code -> questionnaire_item.id, for storing answers
    item_ids: dict[str, int]


_cache: dict[tuple[int, str], QuestionnaireVersion] = {}
_lock = Lock()


def questionnaire_version(session: Session, code: str,
                          version: int | None = None) -> QuestionnaireVersion | None:
    """The given version of a questionnaire, or its latest when ``version`` is None."""
    stmt = select(Questionnaire.id, Questionnaire.version, Questionnaire.content_hash).where(
        Questionnaire.code == code
    )
    stmt = (stmt.where(Questionnaire.version == version) if version is not None
            else stmt.order_by(Questionnaire.version.desc()).limit(1))
    row = session.execute(stmt).first()
    if row is None:
        return None
    key = (row.id, row.content_hash)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    definition = session.scalar(select(Questionnaire.definition)
                                .where(Questionnaire.id == row.id))
    items = session.execute(select(QuestionnaireItem.code, QuestionnaireItem.id)
                            .where(QuestionnaireItem.questionnaire_id == row.id)).all()
    loaded = QuestionnaireVersion(row.id, code, row.version, parse_definition(definition),
                                  {c: i for c, i in items})
    with _lock:
        _cache[key] = loaded
    return loaded
