"""People who may write: officers and their API tokens (kiosk devices are in kiosk.py).

Tokens are random and long, so they are stored as SHA-256 digests: a leaked database does not
leak a usable token, and a token is revoked by stamping ``revoked_at``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..domain.vocab import ROLES
from ._types import UTCDateTime, one_of, utcnow
from .unit import Unit


class UserAccount(Base):
    """An officer, clerk or admin. Officers and clerks are scoped to a unit subtree."""

    __tablename__ = "user_account"
    __table_args__ = (
        one_of("role", ROLES, "role"),
        CheckConstraint("role = 'admin' OR unit_id IS NOT NULL", name="scoped_role_has_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Bumped to end every signed-in session of the user at once (sign-out, password, role,
    #: unit or active changed): a session cookie carries the generation it was issued under.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[Unit | None] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API, acting as its user."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[UserAccount] = relationship()
