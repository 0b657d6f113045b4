"""Follow-up cases: opened by a citizen's callback request or by an officer from a comment,
moved mới → đang xử lý → đã trả lời → đóng by officers of the unit's subtree, each step a
conditional UPDATE (safe against its own duplicate) with an audit event.

The callback number lives in ``case_contact``, apart from the ballot, and is erased
``SURVEY_CASE_RETENTION_DAYS`` after the case closes (:func:`erase_expired_contacts`, run by the
worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.cases import NEXT_STATE, add_working_days
from ..domain.periods import local_date
from ..domain.problems import Problem
from ..models import Ballot, CaseContact, FollowupCase, Unit, UserAccount
from . import alerts
from .audit import record_action
from .errors import Conflict, Invalid
from .state import transition
from .units import subtree_ids

NOTE_MAX = 2000


@dataclass(frozen=True, slots=True)
class CasePolicy:
    tz: ZoneInfo
    due_days: int = 5
    retention_days: int = 90
    base_url: str = ""


def open_case(session: Session, *, ballot: Ballot, source: str, user: UserAccount | None,
              now: datetime, policy: CasePolicy, phone: str | None = None) -> FollowupCase:
    """A case for ``ballot``'s unit (one per ballot: :class:`Conflict` ``case_exists`` when it
    has one); the alert rules watching the unit are told (through the outbox)."""
    opened_day = local_date(now, policy.tz)
    case = FollowupCase(unit_id=ballot.unit_id, ballot_id=ballot.id, source=source,
                        status="new", opened_at=now, opened_by_id=user.id if user else None,
                        due_on=add_working_days(opened_day, policy.due_days))
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        raise Conflict("case_exists") from None
    if phone:
        session.add(CaseContact(case_id=case.id, phone=phone, consented_at=now))
    record_action(session, user, "case.open", "followup_case", case.id, ballot=ballot.id,
                  source=source, callback=bool(phone))
    unit = session.get(Unit, ballot.unit_id)
    assert unit is not None
    alerts.notify_case(session, unit, case.id, now, base_url=policy.base_url)
    session.flush()
    return case


def advance(session: Session, case: FollowupCase, *, to: str, user: UserAccount,
            now: datetime, note: str | None = None, answer: str | None = None) -> None:
    """Move a case one step forward. :class:`Invalid` for a step that is not the next one or
    an answer missing; :class:`~.state.AlreadyChanged` when another request moved it first."""
    old = case.status
    problems = {}
    if NEXT_STATE.get(old) != to:
        problems["status"] = Problem("case_bad_step")
    if note is not None and len(note) > NOTE_MAX:
        problems["note"] = Problem("too_long", {"max": NOTE_MAX})
    if to == "answered" and not (answer or "").strip():
        problems["answer"] = Problem("case_needs_answer")
    if answer is not None and len(answer) > NOTE_MAX:
        problems["answer"] = Problem("too_long", {"max": NOTE_MAX})
    if problems:
        raise Invalid(problems=problems)
    values: dict[str, object] = {"status": to, "officer_id": user.id}
    stamp = {"in_progress": "started_at", "answered": "answered_at", "closed": "closed_at"}[to]
    values[stamp] = now
    if to == "answered":
        values["answer"] = (answer or "").strip()
    if note:
        values["notes"] = ((case.notes + "\n") if case.notes else "") + \
            f"[{now:%Y-%m-%d %H:%M} UTC, {user.username}] {note.strip()}"
    transition(session, FollowupCase, case.id, FollowupCase.status == old, **values)
    record_action(session, user, f"case.{to}", "followup_case", case.id, status=[old, to])


def erase_expired_contacts(session: Session, now: datetime, retention_days: int) -> int:
    """Delete the callback numbers of cases closed more than ``retention_days`` ago."""
    cutoff = now - timedelta(days=retention_days)
    expired = select(FollowupCase.id).where(FollowupCase.status == "closed",
                                            FollowupCase.closed_at < cutoff)
    result = session.execute(delete(CaseContact).where(CaseContact.case_id.in_(expired))
                             .execution_options(synchronize_session=False))
    if result.rowcount:
        record_action(session, None, "case.erase_contacts", "case_contact", None,
                      count=result.rowcount, retention_days=retention_days)
    return int(result.rowcount or 0)


def cases_of(session: Session, unit_id: int, *, overdue_on: date | None = None,
             open_only: bool = False, limit: int = 200) -> list[tuple[FollowupCase, str]]:
    """Cases of a unit subtree, newest first (only the overdue ones on ``overdue_on``)."""
    stmt = (select(FollowupCase, Unit.name).join(Unit, Unit.id == FollowupCase.unit_id)
            .where(FollowupCase.unit_id.in_(subtree_ids(unit_id))))
    if overdue_on is not None:
        stmt = stmt.where(FollowupCase.status.in_(("new", "in_progress")),
                          FollowupCase.due_on < overdue_on)
    elif open_only:
        stmt = stmt.where(FollowupCase.status != "closed")
    rows = session.execute(stmt.order_by(FollowupCase.opened_at.desc(), FollowupCase.id.desc())
                           .limit(limit)).all()
    return [(c, name) for c, name in rows]


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """A period's cases of a subtree: opened in it; of those, answered by their due date; and
    still unanswered past their due date (as of ``today``)."""

    opened: int
    answered_on_time: int
    overdue: int


def case_counts(session: Session, unit_id: int, start: date, end: date, today: date,
                tz: ZoneInfo) -> CaseCounts:
    """Counted in the database; the period's edges are local dates."""
    from datetime import time, timezone

    lo = datetime.combine(start, time.min, tz).astimezone(timezone.utc)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(timezone.utc)
    in_period = and_(FollowupCase.unit_id.in_(subtree_ids(unit_id)),
                     FollowupCase.opened_at >= lo, FollowupCase.opened_at < hi)
    # answered_at's local date against due_on: compare with the end of the due day (local)
    opened = session.scalar(select(func.count()).select_from(FollowupCase).where(in_period))
    answered = 0
    overdue = 0
    for status, due_on, answered_at in session.execute(
            select(FollowupCase.status, FollowupCase.due_on, FollowupCase.answered_at)
            .where(in_period, or_(FollowupCase.answered_at.is_not(None),
                                  FollowupCase.due_on < today))):
        if answered_at is not None and local_date(answered_at, tz) <= due_on:
            answered += 1
        elif answered_at is None and due_on < today and status in ("new", "in_progress"):
            overdue += 1
    return CaseCounts(int(opened or 0), answered, overdue)
