"""Single-use codes printed on dossier receipts (giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ._types import BigId, UTCDateTime, utcnow
from .unit import Counter, Unit


class ReceiptToken(Base):
    """One dossier's right to one vote. Holds no personal data: the dossier number only as a
    keyed hash, the token itself only as its random id (the signature is recomputed)."""

    __tablename__ = "receipt_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The random part of the token; the URL carries it with an HMAC signature.
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    dossier_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ballot_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("ballot.id"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
