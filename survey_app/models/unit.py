"""Units (the administrative tree) and their counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..domain.vocab import UNIT_KINDS
from ._types import UTCDateTime, one_of, utcnow


def in_force(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    """Whether ``day`` lies in a validity range whose open ends are unbounded."""
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


class Unit(Base):
    """A node of the unit tree: province → department / district / commune → one-stop unit.

    Validity dates keep old data attached to units that were merged or dissolved (the 2025
    reorganisation removed the district level in many provinces).
    """

    __tablename__ = "unit"
    __table_args__ = (
        one_of("kind", UNIT_KINDS, "kind"),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                        name="validity"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("successor_id IS NULL OR successor_id <> id", name="not_own_successor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: Official statistics-office code (mã đơn vị hành chính), where one exists.
    stats_code: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    #: The unit this one became part of when it ended (a merged ward → its new commune). A unit
    #: may have several predecessors; their counts are added to its figures (docs/units.md).
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    #: An admin's decision to show this unit's counter figures on the public pages of its
    #: published periods closed under ``survey-snapshot-v3`` (docs/open-data.md).
    publish_counters: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children",
                                               foreign_keys=[parent_id])
    children: Mapped[list[Unit]] = relationship(back_populates="parent",
                                                foreign_keys=[parent_id])
    successor: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def in_force(self, day: date) -> bool:
        """Whether the unit exists on ``day`` (open validity dates are unbounded)."""
        return in_force(self.valid_from, self.valid_to, day)
    counters: Mapped[list[Counter]] = relationship(back_populates="unit")


class Counter(Base):
    """A service counter (quầy) of a unit; kiosks and QR posters may belong to one."""

    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="counters")
