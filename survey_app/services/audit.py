"""Recording officer actions in the audit log (same transaction as the change itself)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..models import AuditEvent, UserAccount


def record_action(session: Session, user: UserAccount | None, action: str, target_type: str,
                  target_id: object = None, **details: Any) -> AuditEvent:
    """Add an audit event for ``action`` on a target; flushes, never commits.

    ``details`` must be JSON-serialisable and must not hold secrets, raw IP addresses or dossier
    numbers.
    """
    event = AuditEvent(
        user_id=user.id if user else None,
        actor=user.username if user else "cli",
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details,
    )
    session.add(event)
    session.flush()
    return event
