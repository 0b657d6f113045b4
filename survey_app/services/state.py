"""State changes that are safe against their own duplicate.

A double click, a retried request or two workers racing send the same change twice. A state
change therefore never trusts the state it read earlier: it writes with a conditional
``UPDATE … WHERE <the state it saw>`` (or ``DELETE``) and acts — moves rollups, writes the audit
— only when that statement changed exactly one row. On PostgreSQL the second statement waits
for the first transaction's row lock and re-checks its condition against the committed row, so
it changes nothing; SQLite serialises writing transactions (``BEGIN IMMEDIATE``). The loser gets
:class:`AlreadyChanged` and its caller answers "already done" (a flash message or 409), never a
second effect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.orm import Session

from .errors import Conflict


class AlreadyChanged(Conflict):
    """The row was no longer in the state the request saw: another request changed it first."""

    def __init__(self, what: str, row_id: Any) -> None:
        super().__init__(detail=f"{what} {row_id} was changed by another request")
        self.what = what
        self.row_id = row_id


def transition(session: Session, entity: Any, row_id: Any, *expected: ColumnElement[bool],
               **values: Any) -> None:
    """``UPDATE entity SET values WHERE id = row_id AND expected``; raise :class:`AlreadyChanged`
    unless exactly one row changed. Loaded objects see the new values."""
    result = session.execute(
        update(entity).where(entity.id == row_id, *expected).values(**values)
        .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        raise AlreadyChanged(entity.__tablename__, row_id)


def delete_once(session: Session, entity: Any, row_id: Any) -> None:
    """``DELETE`` one row by id; :class:`AlreadyChanged` when another request deleted it."""
    result = session.execute(delete(entity).where(entity.id == row_id)
                             .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        raise AlreadyChanged(entity.__tablename__, row_id)
