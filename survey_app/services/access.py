"""Who may do what to which unit: the one place the rules are written.

Every rule is "the right role, and the unit inside the user's subtree" — an admin is never
limited to a subtree. The functions take the session for the subtree check and answer a
bool; what a refusal looks like is the web layer's choice, made once per audience (the API
answers 403, officer pages 404 so they do not reveal which units exist).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ..models import UserAccount
from .units import in_subtree, subtree_ids

#: Roles of each kind of work (officer pages, paper entry, receipt codes, the index).
READERS = ("admin", "officer", "clerk")
MANAGERS = ("admin", "officer")
PAPER_CLERKS = ("clerk", "admin")

Rule = Callable[[Session, "UserAccount | None", int], bool]


def in_scope(session: Session, user: UserAccount | None, unit_id: int) -> bool:
    """Admins reach every unit; other users their unit's subtree; nobody else anything."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.unit_id is not None and in_subtree(session, user.unit_id, unit_id)


def may_read(session: Session, user: UserAccount | None, unit_id: int) -> bool:
    """Read a unit's figures, ballots and pages: any signed-in role within scope."""
    return in_scope(session, user, unit_id)


def may_manage(session: Session, user: UserAccount | None, unit_id: int) -> bool:
    """Pair and revoke kiosks, review ballots: admins and officers within scope."""
    return user is not None and user.role in MANAGERS and in_scope(session, user, unit_id)


def may_enter_paper(session: Session, user: UserAccount | None, unit_id: int) -> bool:
    """Register paper batches and key in their sheets: clerks within scope, admins."""
    return user is not None and user.role in PAPER_CLERKS and in_scope(session, user, unit_id)


def may_issue_receipt(session: Session, user: UserAccount | None, unit_id: int) -> bool:
    """Issue receipt codes and print their QR: any signed-in role within scope."""
    return user is not None and user.role in READERS and in_scope(session, user, unit_id)


def scope_filter(user: UserAccount, column: Any) -> Any:
    """A WHERE clause keeping the rows of ``column`` (a unit id) the user may see; None for
    an admin (no limit)."""
    if user.role == "admin":
        return None
    return column.in_(subtree_ids(user.unit_id or 0))


def scoped(stmt: Select[Any], user: UserAccount, column: Any) -> Select[Any]:
    """``stmt`` limited to the units the user may see (see :func:`scope_filter`)."""
    clause = scope_filter(user, column)
    return stmt if clause is None else stmt.where(clause)
