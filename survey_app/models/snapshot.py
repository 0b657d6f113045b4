"""Closed-period snapshots: a unit subtree's figures frozen with a content hash."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..domain.vocab import LEVELS
from ._types import BigId, UTCDateTime, one_of, utcnow
from .ballot import DIMENSIONS, ROLLED_STATUSES

#: Snapshots also freeze the months of the trend and the unit's own (not subtree) votes.
SNAPSHOT_DIMENSIONS = (*DIMENSIONS, "month", "own")


class PeriodSnapshot(Base):
    """A period closed for a unit subtree: its figures frozen, with a content hash.

    At most one snapshot of a unit and period is in force (``reopened_at`` null); reopening
    keeps the row, so the history of closes and reopens stays readable.
    """

    __tablename__ = "period_snapshot"
    __table_args__ = (
        CheckConstraint("period_to >= period_from", name="period_order"),
        Index("uq_period_snapshot_in_force", "unit_id", "period_from", "period_to", unique=True,
              sqlite_where=text("reopened_at IS NULL"),
              postgresql_where=text("reopened_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)
    #: SHA-256 of the canonical listing of the cells (see services/snapshots.py).
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The listing rule of the hash (domain/snapshot_hash.py); v2 and v3 can be verified
    #: publicly, v3 also per unit's counters.
    hash_rule: Mapped[str] = mapped_column(String(32), default="survey-snapshot-v3")
    cells: Mapped[int] = mapped_column(Integer, default=0)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reopen_note: Mapped[str | None] = mapped_column(Text)


class SnapshotCell(Base):
    """One frozen count: a unit of the closed subtree, a breakdown cell, summed over the period.

    ``month`` cells are keyed "YYYY-MM"; ``own`` cells are the unit's own votes keyed by channel.
    """

    __tablename__ = "snapshot_cell"
    __table_args__ = (
        one_of("dimension", SNAPSHOT_DIMENSIONS, "dimension"),
        one_of("status", ROLLED_STATUSES, "status"),
        one_of("level", LEVELS, "level"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("period_snapshot.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)



class SnapshotCounterSalt(Base):
    """The random salt of one unit's counter digest in a ``survey-snapshot-v3`` snapshot.

    Public only while the unit's ``publish_counters`` switch is on (docs/open-data.md).
    """

    __tablename__ = "snapshot_counter_salt"

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("period_snapshot.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
