"""Form submissions already handled: a double click or a resent form acts once.

Every state-changing HTML form carries a random ``once`` value. The first request that presents
it inserts this row in its own transaction; an identical request finds the row (on PostgreSQL it
waits for the first transaction, on SQLite writers are serialised) and is answered "already
done" with the first request's outcome. A request that fails rolls its row back with everything
else, so the form can be sent again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._types import UTCDateTime, utcnow


class FormSubmission(Base):
    """One handled form, by its ``once`` value; rows older than a day may be pruned."""

    __tablename__ = "form_submission"

    once: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Where the first request sent the user (its redirect), for the duplicate to follow.
    outcome: Mapped[str | None] = mapped_column(String(500))
