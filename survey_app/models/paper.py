"""Paper ballots: batches with issued/returned counts, and the sheets keyed in from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ._types import BigId, UTCDateTime, utcnow
from .questionnaire import Questionnaire
from .unit import Unit


class PaperBatch(Base):
    """Ballots printed for a unit and survey period, e.g. 240 issued and 206 returned.

    Sheets carry serials 1…issued, printed on them, so a reprint gives the same serials.
    """

    __tablename__ = "paper_batch"
    __table_args__ = (
        CheckConstraint("issued > 0", name="issued_positive"),
        CheckConstraint("returned >= 0 AND returned <= issued", name="returned_within_issued"),
        CheckConstraint("period_to >= period_from", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    label: Mapped[str | None] = mapped_column(String(120))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    issued: Mapped[int] = mapped_column(Integer)
    returned: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Deleting a batch voids its ballots and stamps this; the row stays for the audit trail.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    questionnaire: Mapped[Questionnaire] = relationship()


class PaperSheet(Base):
    """A keyed-in sheet: the batch serial and the ballot it became. Unique per batch.

    Undoing a sheet voids its ballot and removes this row, so the serial can be keyed again.
    """

    __tablename__ = "paper_sheet"
    __table_args__ = (UniqueConstraint("batch_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"))
    serial: Mapped[int] = mapped_column(Integer)
    ballot_id: Mapped[int] = mapped_column(BigId, ForeignKey("ballot.id"))
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    keyed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaperCheck(Base):
    """A second, blind keying of a sheet by another clerk, compared with the first."""

    __tablename__ = "paper_check"
    __table_args__ = (UniqueConstraint("batch_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id"))
    serial: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    keyed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
