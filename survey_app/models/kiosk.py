"""Kiosk devices, and the pairing codes that turn a fresh tablet into one (issue 4).

An officer creates a short code for a unit (and optionally a counter); the tablet exchanges it
once for its device token. Only a keyed hash of the code is stored, so the table does not leak
usable codes; a code expires and works once, and the device it created is recorded.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ._types import UTCDateTime, utcnow
from .ballot import Ballot
from .unit import Counter, Unit
from .user import UserAccount


class KioskDevice(Base):
    """A tablet registered to a unit (and usually a counter); its token implies both."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()


class KioskPairingCode(Base):
    """A single-use, expiring code for pairing one tablet with a unit (and counter)."""

    __tablename__ = "kiosk_pairing_code"
    __table_args__ = (
        # A code is used exactly when it has produced a device.
        CheckConstraint("(used_at IS NULL AND device_id IS NULL) OR "
                        "(used_at IS NOT NULL AND device_id IS NOT NULL)",
                        name="used_with_device"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA256 of the normalised code under the server key (never the code itself).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The officer who created it; NULL when it came from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Whether the counter's previous tablets stay paired when this code pairs a new one
    #: ("giữ cả thiết bị cũ"); when false they are revoked (a replaced tablet stops voting).
    keep_previous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
    #: The device the code was exchanged for.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_device.id"))

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    created_by: Mapped[UserAccount | None] = relationship()
    device: Mapped[KioskDevice | None] = relationship()


#: Burst detection counts one device's ballots by answer time (services/kiosk.py); without this
#: index every kiosk vote would scan the device's whole history. Declared here, beside the
#: feature that needs it, and created by migration 0004.
Index("ix_ballot_device_answered", Ballot.device_id, Ballot.answered_at)
