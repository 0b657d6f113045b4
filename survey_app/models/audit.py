"""The audit log: who changed what, when. Rows are only ever added."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._types import BigId, UTCDateTime, utcnow


class AuditEvent(Base):
    """One officer (or command-line) action that changed data."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The user who acted; None for the command line (``actor`` then says "cli").
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(80))
    #: A dotted verb, e.g. ``ballot.void``, ``period.close``, ``kiosk.revoke``.
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(80))
    #: What changed: {"field": [old, new]} or any JSON the action needs to be understood.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
