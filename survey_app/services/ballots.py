"""Changing a stored ballot's status (void, reinstate), with its rollup and audit in step."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..domain.vocab import STATUSES
from ..models import Ballot, UserAccount
from .audit import record_action
from .breakdowns import bump_breakdowns, cells_of_ballot
from .folding import is_queued
from .state import transition
from .tallies import bump_tally


def set_ballot_status(session: Session, ballot: Ballot, status: str, user: UserAccount | None,
                      note: str | None = None, *, tz: ZoneInfo,
                      action: str | None = None) -> None:
    """Move a ballot to ``status`` (``valid``, ``flagged``, ``void``, ``test``).

    Ballots are never deleted: voiding keeps the row. The rollup cells (daily, monthly and the
    subtree breakdowns, whose weekday × hour cell is in ``tz``) move in the same transaction,
    and the change is audited with the old and new status and the note.

    A ballot still in the fold queue has no subtree cells yet: the fold will count it with the
    status it then has. The status update locks the ballot's row, and the fold claims ballot
    rows with ``FOR UPDATE``, so the queue check after it sees the fold's outcome.

    The status is written first, conditionally on the status this request read: a concurrent
    duplicate raises :class:`~.state.AlreadyChanged` before any rollup moves.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    old = ballot.status
    if old == status:
        return
    if status == "flagged" and ballot.flag_reason is None:
        raise ValueError("a flagged ballot needs a flag reason")
    transition(session, Ballot, ballot.id, Ballot.status == old, status=status)
    if ballot.level is not None:
        bump_tally(session, unit_id=ballot.unit_id, day=ballot.local_day, channel=ballot.channel,
                   status=old, level=ballot.level, delta=-1)
        bump_tally(session, unit_id=ballot.unit_id, day=ballot.local_day, channel=ballot.channel,
                   status=status, level=ballot.level, delta=1)
        if is_queued(session, ballot.id):
            return _audit(session, ballot, old, status, user, note, action)
        cells = cells_of_ballot(session, ballot, tz)
        month = ballot.local_day.replace(day=1)
        bump_breakdowns(session, unit_id=ballot.unit_id, month=month, status=old,
                        level=ballot.level, cells=cells, delta=-1)
        bump_breakdowns(session, unit_id=ballot.unit_id, month=month, status=status,
                        level=ballot.level, cells=cells, delta=1)
    _audit(session, ballot, old, status, user, note, action)


def _audit(session: Session, ballot: Ballot, old: str, status: str, user: UserAccount | None,
           note: str | None, action: str | None) -> None:
    record_action(session, user, action or f"ballot.{status}", "ballot", ballot.id,
                  status=[old, status], note=note)
