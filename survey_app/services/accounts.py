"""Users, API tokens and kiosk devices: create, authenticate, revoke."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..domain.vocab import ROLES
from ..models import ApiToken, Counter, KioskDevice, Unit, UserAccount
from .errors import Invalid
from .security import API_TOKEN_PREFIX, DEVICE_TOKEN_PREFIX, new_token, token_digest

#: The shortest password accepted (the sign-in form and the CLI say so in their own words).
MIN_PASSWORD_LENGTH = 10
#: last_used_at / last_seen_at are refreshed at most this often, to keep votes write-light.
TOUCH_INTERVAL = timedelta(minutes=5)


class AccountError(Invalid, ValueError):
    """A request about accounts that cannot be met; the message says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail)


def create_user(session: Session, username: str, role: str, password: str,
                unit: Unit | None = None) -> UserAccount:
    """Create an officer, clerk or admin with a scrypt password hash."""
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and unit is None:
        raise AccountError(f"a {role} needs --unit (the subtree they work in)")
    if not username.strip() or len(username) > 80:
        raise AccountError("username must be 1-80 characters")
    _check_password(password)
    if session.scalar(select(UserAccount).where(UserAccount.username == username)):
        raise AccountError(f"user {username!r} already exists")
    user = UserAccount(username=username, role=role, unit=unit,
                       password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return user


def end_sessions(session: Session, user: UserAccount) -> None:
    """End every signed-in session of ``user`` at once (the web layer compares generations).

    An atomic increment, so two concurrent sign-outs both end up with sessions ended."""
    session.execute(update(UserAccount).where(UserAccount.id == user.id)
                    .values(session_generation=UserAccount.session_generation + 1)
                    .execution_options(synchronize_session="fetch"))


def set_password(session: Session, user: UserAccount, password: str) -> None:
    """Store a new scrypt hash and end the user's other sessions."""
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    session.flush()
    end_sessions(session, user)


def update_user(session: Session, user: UserAccount, *, role: str | None = None,
                unit: Unit | None = None, active: bool | None = None) -> dict[str, list[Any]]:
    """Change a user's role, unit or active flag; any change ends the user's sessions.
    Returns the changes as ``{field: [old, new]}`` for the audit."""
    new_role = role if role is not None else user.role
    if new_role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    new_unit = unit if unit is not None else user.unit
    if new_role != "admin" and new_unit is None:
        raise AccountError(f"a {new_role} needs --unit (the subtree they work in)")
    changes: dict[str, list[Any]] = {}
    if new_role != user.role:
        changes["role"] = [user.role, new_role]
        user.role = new_role
    if new_unit is not user.unit:
        changes["unit"] = [user.unit.code if user.unit else None,
                           new_unit.code if new_unit else None]
        user.unit = new_unit
    if active is not None and active != user.active:
        changes["active"] = [user.active, active]
        user.active = active
    session.flush()
    if changes:
        end_sessions(session, user)
    return changes


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")


def create_api_token(session: Session, user: UserAccount, label: str | None = None) -> str:
    """Issue a bearer token for ``user``; only its digest is stored, so show it once."""
    token = new_token(API_TOKEN_PREFIX)
    session.add(ApiToken(user=user, token_hash=token_digest(token), label=label))
    session.flush()
    return token


def register_kiosk(session: Session, unit: Unit, counter: Counter | None = None,
                   label: str | None = None) -> tuple[KioskDevice, str]:
    """Register a kiosk device for a unit (and counter); returns it with its one-time token."""
    if counter is not None and counter.unit_id != unit.id:
        raise AccountError("the counter belongs to another unit")
    token = new_token(DEVICE_TOKEN_PREFIX)
    device = KioskDevice(unit=unit, counter=counter, token_hash=token_digest(token), label=label)
    session.add(device)
    session.flush()
    return device, token


def user_for_token(session: Session, token: str) -> UserAccount | None:
    """The active user behind an API token, or ``None`` (unknown, revoked or inactive)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    _touch(row, "last_used_at")
    return row.user


def _touch(obj: ApiToken | KioskDevice, attr: str) -> None:
    now = datetime.now(timezone.utc)
    last = getattr(obj, attr)
    if last is None or now - last > TOUCH_INTERVAL:
        setattr(obj, attr, now)
