"""Publication decisions: which closed periods and which index rankings the public may see.

Closing a period does not publish it. An admin publishes a snapshot (or an index ranking) and
may withdraw it with a reason; the withdrawn row stays, so the public pages keep saying when and
why. Publishing again adds a new row; at most one publication of a thing is in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._types import BigId, UTCDateTime, utcnow


class PeriodPublication(Base):
    """A closed period's snapshot shown to the public (``/cong-khai/``, open data)."""

    __tablename__ = "period_publication"
    __table_args__ = (
        Index("uq_period_publication_in_force", "snapshot_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"),
              postgresql_where=text("withdrawn_at IS NULL")),
        CheckConstraint("withdrawn_at IS NULL OR withdraw_note IS NOT NULL",
                        name="withdrawal_has_reason"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("period_snapshot.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdraw_note: Mapped[str | None] = mapped_column(Text)


class IndexPublication(Base):
    """An index scheme year's ranking shown to the public, frozen as published.

    ``document`` is the ranking as scored at the moment of publishing, so later hand-score
    edits do not move a published ranking; ``document_hash`` is its SHA-256.
    """

    __tablename__ = "index_publication"
    __table_args__ = (
        Index("uq_index_publication_in_force", "scheme_id", unique=True,
              sqlite_where=text("withdrawn_at IS NULL"),
              postgresql_where=text("withdrawn_at IS NULL")),
        CheckConstraint("withdrawn_at IS NULL OR withdraw_note IS NOT NULL",
                        name="withdrawal_has_reason"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("index_scheme.id"), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    document_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdraw_note: Mapped[str | None] = mapped_column(Text)
