"""Citizens' comments for officers: one filtered, keyset-paginated query shared by the comments
API, the officer page and its exports.

A comment is the answer to a free-text item of a ballot (already masked of phone and ID numbers
when it was stored, see ``domain/personal_data.py``). Pages are newest first on
``(ballot.counted_at, answer.id)``; the cursor names the last row shown, so a comment that
arrives between two requests never shifts or repeats a row of the next page.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..db import contains_text
from ..domain.problems import Problem
from ..models import Answer, Ballot, Counter, FollowupCase, QuestionnaireItem, Unit
from .breakdowns import REASON_ITEM
from .errors import Invalid
from .units import subtree_ids

#: Items whose answers are comments.
TEXT_KINDS = ("long_text",)
#: Statuses shown by default; void ballots only when asked for, test ballots never.
SHOWN = ("valid", "flagged")
MAX_PAGE = 200
DEFAULT_PAGE = 50


@dataclass(frozen=True, slots=True)
class CommentFilter:
    """What an officer asked to see (the unit is one they may read)."""

    unit_id: int
    start: date
    end: date
    subtree: bool = False
    counter_id: int | None = None
    level: str | None = None
    channel: str | None = None
    reason: str | None = None
    search: str | None = None
    include_void: bool = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """The last row of a page: the next page starts after it."""

    counted_at: datetime
    answer_id: int

    def encode(self) -> str:
        raw = f"{self.counted_at.astimezone(timezone.utc).isoformat()}|{self.answer_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises :class:`Invalid` (``cursor``) for anything this module did not hand out."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            moment, _, answer_id = raw.partition("|")
            at = datetime.fromisoformat(moment)
            if at.tzinfo is None or not answer_id.isascii() or not answer_id.isdigit():
                raise ValueError(text)
            return cls(at, int(answer_id))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise Invalid(problems={"cursor": Problem("bad_cursor")}) from None


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    ballot_id: int
    unit: str
    unit_name: str
    counter: str | None
    channel: str
    level: str | None
    text: str
    counted_at: datetime
    status: str
    flag_reason: str | None
    case: int | None
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "unit": self.unit, "unit_name": self.unit_name,
            "counter": self.counter, "channel": self.channel, "level": self.level,
            "reasons": self.reasons, "text": self.text,
            "counted_at": self.counted_at.isoformat(), "status": self.status,
            "flag_reason": self.flag_reason, "case": self.case,
        }


def _query(session: Session, f: CommentFilter) -> Select[Any]:
    stmt = (
        select(Answer.id, Answer.value, Ballot.id.label("ballot_id"), Unit.code, Unit.name,
               Counter.code.label("counter"), Ballot.channel, Ballot.level, Ballot.counted_at,
               Ballot.status, Ballot.flag_reason, FollowupCase.id.label("case_id"))
        .join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
        .join(Ballot, Ballot.id == Answer.ballot_id)
        .join(Unit, Unit.id == Ballot.unit_id)
        .outerjoin(Counter, Counter.id == Ballot.counter_id)
        .outerjoin(FollowupCase, FollowupCase.ballot_id == Ballot.id)
        .where(QuestionnaireItem.kind.in_(TEXT_KINDS),
               Ballot.local_day >= f.start, Ballot.local_day <= f.end,
               Ballot.status.in_((*SHOWN, "void") if f.include_void else SHOWN))
    )
    if f.subtree:
        stmt = stmt.where(Ballot.unit_id.in_(subtree_ids(f.unit_id)))
    else:
        stmt = stmt.where(Ballot.unit_id == f.unit_id)
    if f.counter_id is not None:
        stmt = stmt.where(Ballot.counter_id == f.counter_id)
    if f.level is not None:
        stmt = stmt.where(Ballot.level == f.level)
    if f.channel is not None:
        stmt = stmt.where(Ballot.channel == f.channel)
    if f.reason is not None:
        given = aliased(Answer)
        item = aliased(QuestionnaireItem)
        stmt = stmt.where(exists(
            select(given.id).join(item, item.id == given.item_id)
            .where(given.ballot_id == Ballot.id, item.code == REASON_ITEM,
                   given.value == f.reason)))
    if f.search:
        stmt = stmt.where(contains_text(session, Answer.value, f.search))
    return stmt


def comments_page(session: Session, f: CommentFilter, *, after: Cursor | None = None,
                  limit: int = DEFAULT_PAGE) -> tuple[list[Comment], Cursor | None]:
    """Up to ``limit`` comments newest first after ``after``, and the cursor of the next page
    (None on the last page)."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = _query(session, f)
    if after is not None:
        stmt = stmt.where(or_(
            Ballot.counted_at < after.counted_at,
            and_(Ballot.counted_at == after.counted_at, Answer.id < after.answer_id)))
    rows = session.execute(
        stmt.order_by(Ballot.counted_at.desc(), Answer.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    reasons = _reasons(session, [r.ballot_id for r in rows])
    page = [Comment(
        id=r.id, ballot_id=r.ballot_id, unit=r.code, unit_name=r.name, counter=r.counter,
        channel=r.channel, level=r.level, text=r.value, counted_at=r.counted_at,
        status=r.status, flag_reason=r.flag_reason, case=r.case_id,
        reasons=reasons.get(r.ballot_id, [])) for r in rows]
    following = Cursor(page[-1].counted_at, page[-1].id) if more and page else None
    return page, following


def all_comments(session: Session, f: CommentFilter) -> Iterator[Comment]:
    """Every comment of the filter, newest first, read a page at a time (for exports)."""
    after: Cursor | None = None
    while True:
        page, after = comments_page(session, f, after=after, limit=MAX_PAGE)
        yield from page
        if after is None:
            return


def reason_counts(session: Session, f: CommentFilter) -> dict[str, int]:
    """Comments per reason given with them (a ballot may give several reasons)."""
    given = aliased(Answer)
    item = aliased(QuestionnaireItem)
    inner = _query(session, f).with_only_columns(Answer.ballot_id).subquery()
    rows = session.execute(
        select(given.value, func.count())
        .join(item, item.id == given.item_id)
        .where(item.code == REASON_ITEM, given.ballot_id.in_(select(inner.c.ballot_id)))
        .group_by(given.value)).all()
    return {value: count for value, count in rows}


def _reasons(session: Session, ballot_ids: Sequence[int]) -> dict[int, list[str]]:
    if not ballot_ids:
        return {}
    rows = session.execute(
        select(Answer.ballot_id, Answer.value)
        .join(QuestionnaireItem, QuestionnaireItem.id == Answer.item_id)
        .where(QuestionnaireItem.code == REASON_ITEM, Answer.ballot_id.in_(ballot_ids))
        .order_by(Answer.id)).all()
    found: dict[int, list[str]] = {}
    for ballot_id, value in rows:
        found.setdefault(ballot_id, []).append(value)
    return found
