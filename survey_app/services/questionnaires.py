"""Questionnaire versions: loading, assignment to units and channels, and the vote path's cache.

A stored version never changes (a changed definition becomes a new version), so its parsed form
can be cached for the life of the process, keyed by the row id and its content hash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from threading import Lock
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from ..domain.questionnaire import Definition, DefinitionError, parse_definition
from ..models import (
    ItemEquivalence,
    Questionnaire,
    QuestionnaireAssignment,
    QuestionnaireItem,
    Unit,
)
from .errors import Invalid
from .security import fingerprint


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


#: (unit_id, channel, day) -> the version a vote that names none uses, valid for one catalogue
#: generation: (the highest assignment id, the highest questionnaire id). Assignments and
#: versions are only ever added, so a new one raises the generation and empties the cache.
_resolved: dict[tuple[int, str, date], QuestionnaireVersion | None] = {}
_resolved_generation: list[tuple[int, int] | None] = [None]
RESOLVED_MAX = 10_000


def catalogue_generation() -> tuple[Any, Any]:
    """The two scalar subqueries whose values form the catalogue generation, to be read in the
    same statement as another check (``kiosk.kiosk_principal``)."""
    return (select(func.coalesce(func.max(QuestionnaireAssignment.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(Questionnaire.id), 0)).scalar_subquery())


def cached_questionnaire(key: tuple[int, str, date], generation: tuple[int, int],
                         load: Callable[[], QuestionnaireVersion | None]
                         ) -> QuestionnaireVersion | None:
    """``load()`` once per key and catalogue generation in this process."""
    with _lock:
        if _resolved_generation[0] != generation or len(_resolved) >= RESOLVED_MAX:
            _resolved.clear()
            _resolved_generation[0] = generation
        if key in _resolved:
            return _resolved[key]
    found = load()
    with _lock:
        if _resolved_generation[0] == generation:
            _resolved[key] = found
    return found


class QuestionnaireLoadError(Invalid, ValueError):
    """A definition cannot be stored; ``problems`` are (key, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(detail="; ".join(f"{k}: {m}" for k, m in problems))
        self.problems = problems  # type: ignore[assignment]  # the command line reads these


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    questionnaire: Questionnaire
    #: "created", "unchanged" (same content already stored) or "new_version"
    action: str


def load_questionnaire(session: Session, data: Any, *, as_new_version: bool = False
                       ) -> LoadOutcome:
    """Store a definition as a questionnaire version.

    Loading identical content again changes nothing. Different content under an existing
    version is refused — a version with answers must never change — unless ``as_new_version``,
    which stores it as the next free version number.
    """
    try:
        definition = parse_definition(data)
    except DefinitionError as exc:
        raise QuestionnaireLoadError(exc.problems) from exc
    digest = fingerprint(data)
    existing = session.scalar(select(Questionnaire).where(
        Questionnaire.code == definition.code, Questionnaire.version == definition.version))
    version = definition.version
    if existing is not None:
        if existing.content_hash == digest:
            return LoadOutcome(existing, "unchanged")
        if not as_new_version:
            latest = session.scalar(select(func.max(Questionnaire.version))
                                    .where(Questionnaire.code == definition.code))
            raise QuestionnaireLoadError([(
                "version",
                f"{definition.code} version {definition.version} already exists with different "
                f"content; a stored version never changes. Give the file version {latest + 1}, "
                "or load it with --as-new-version",
            )])
        version = (session.scalar(select(func.max(Questionnaire.version))
                                  .where(Questionnaire.code == definition.code)) or 0) + 1
        data = {**data, "version": version}
        definition = parse_definition(data)
        digest = fingerprint(data)
    questionnaire = Questionnaire(
        code=definition.code, version=version, title=definition.title["vi"],
        definition=dict(data), content_hash=digest,
    )
    session.add(questionnaire)
    session.flush()
    session.add_all(
        QuestionnaireItem(questionnaire_id=questionnaire.id, code=item.code, position=n,
                          kind=item.kind, label=item.label["vi"], required=item.required,
                          element=item.element)
        for n, item in enumerate(definition.items, start=1)
    )
    session.flush()
    return LoadOutcome(questionnaire, "new_version" if existing is not None else "created")


def assign_questionnaire(session: Session, unit: Unit, channel: str,
                         questionnaire: Questionnaire, valid_from: date,
                         valid_to: date | None = None) -> QuestionnaireAssignment:
    """Make ``unit``'s subtree use ``questionnaire`` on ``channel`` from ``valid_from``."""
    definition = parse_definition(questionnaire.definition)
    if channel not in definition.channels:
        raise QuestionnaireLoadError([(
            "channel", f"{questionnaire.code} v{questionnaire.version} is not meant for "
                       f"{channel} (its channels: {', '.join(sorted(definition.channels))})")])
    if valid_to is not None and valid_to < valid_from:
        raise QuestionnaireLoadError([("to", "ends before it starts")])
    assignment = QuestionnaireAssignment(unit_id=unit.id, channel=channel,
                                         questionnaire_id=questionnaire.id,
                                         valid_from=valid_from, valid_to=valid_to)
    session.add(assignment)
    session.flush()
    return assignment


def assigned_questionnaire(session: Session, unit_id: int, channel: str, on: date
                           ) -> QuestionnaireVersion | None:
    """The version a unit uses on a channel on a date: its own assignment or its nearest
    ancestor's (the latest-starting one valid on that date); ``None`` when nothing is assigned.

    One query: the unit's ancestors (recursive CTE) joined with their assignments.
    """
    ancestors = (select(Unit.id, Unit.parent_id, literal(0).label("depth"))
                 .where(Unit.id == unit_id).cte("ancestors", recursive=True))
    ancestors = ancestors.union_all(
        select(Unit.id, Unit.parent_id, (ancestors.c.depth + 1).label("depth"))
        .where(Unit.id == ancestors.c.parent_id))
    row = session.execute(
        select(Questionnaire.code, Questionnaire.version)
        .join(QuestionnaireAssignment,
              QuestionnaireAssignment.questionnaire_id == Questionnaire.id)
        .join(ancestors, ancestors.c.id == QuestionnaireAssignment.unit_id)
        .where(QuestionnaireAssignment.channel == channel,
               QuestionnaireAssignment.valid_from <= on,
               (QuestionnaireAssignment.valid_to.is_(None))
               | (QuestionnaireAssignment.valid_to >= on))
        .order_by(ancestors.c.depth, QuestionnaireAssignment.valid_from.desc(),
                  QuestionnaireAssignment.id.desc())
        .limit(1)
    ).first()
    return questionnaire_version(session, row.code, row.version) if row else None


def declare_equivalent(session: Session, item: QuestionnaireItem,
                       same_as: QuestionnaireItem) -> ItemEquivalence:
    """Count answers to ``item`` under ``same_as`` in item figures (admin decision)."""
    if item.questionnaire_id == same_as.questionnaire_id:
        raise QuestionnaireLoadError([("item", "both items belong to the same version")])
    if item.kind != same_as.kind:
        raise QuestionnaireLoadError([("item", f"kinds differ ({item.kind} ≠ {same_as.kind})")])
    existing = session.get(ItemEquivalence, item.id)
    if existing is not None:
        existing.same_as_id = same_as.id
        session.flush()
        return existing
    row = ItemEquivalence(item_id=item.id, same_as_id=same_as.id)
    session.add(row)
    session.flush()
    return row
