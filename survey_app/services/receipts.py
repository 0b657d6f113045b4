"""Receipt codes: one signed, single-use code per dossier, holding no personal data.

The code in the QR is ``<nonce>.<signature>``: 16 random characters and an HMAC of them under a
key derived from the server secret, so forged or altered codes are refused before any database
look-up. The row keyed by the nonce holds the unit, the expiry and a keyed hash of the dossier
number. A dossier gets one vote: the first vote marks the code used in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import lock_key
from ..models import Counter, ReceiptToken, Unit, UserAccount
from .errors import Conflict, Gone, NotFound, ServiceError
from .security import keyed_hash

DEFAULT_DAYS = 30
MAX_DAYS = 365


class ReceiptError(ServiceError):
    """The code cannot be used; ``kind`` is invalid, expired or used (one subclass each)."""

    kind = "invalid"

    def __init__(self) -> None:
        super().__init__()


class ReceiptInvalid(ReceiptError, NotFound):
    kind = "invalid"


class ReceiptExpired(ReceiptError, Gone):
    kind = "expired"
    default_key = "receipt_expired"


class ReceiptUsed(ReceiptError, Conflict):
    kind = "used"
    default_key = "receipt_used"


def _signature(secret_key: str, nonce: str) -> str:
    key = hmac.new(secret_key.encode(), b"receipt-token", hashlib.sha256).digest()
    mac = hmac.new(key, nonce.encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def token_for(secret_key: str, nonce: str) -> str:
    return f"{nonce}.{_signature(secret_key, nonce)}"


def looks_like_receipt(token: str) -> bool:
    return token.count(".") == 1 and len(token) <= 64


@dataclass(frozen=True, slots=True)
class IssuedReceipt:
    receipt: ReceiptToken
    token: str
    created: bool


def issue_receipt(session: Session, *, unit: Unit, counter: Counter | None, dossier: str,
                  secret_key: str, now: datetime, days: int = DEFAULT_DAYS,
                  user: UserAccount | None = None) -> IssuedReceipt:
    """The dossier's code: its existing one (printing a receipt again gives the same QR), or a
    new one when it has none or its unused code expired."""
    dossier_hash = keyed_hash(secret_key, "dossier", dossier)
    # two clerks (or a double click) printing the same dossier at once get one code
    lock_key(session, "receipt", f"{unit.id}:{dossier_hash}")
    existing = session.scalars(
        select(ReceiptToken).where(ReceiptToken.dossier_hash == dossier_hash,
                                   ReceiptToken.unit_id == unit.id)
        .order_by(ReceiptToken.id.desc())
    ).first()
    if existing is not None and (existing.used_at is not None or existing.expires_at > now):
        return IssuedReceipt(existing, token_for(secret_key, existing.nonce), created=False)
    nonce = secrets.token_urlsafe(12)
    receipt = ReceiptToken(nonce=nonce, unit=unit, counter=counter, dossier_hash=dossier_hash,
                           created_at=now, expires_at=now + timedelta(days=days),
                           issued_by_id=user.id if user else None)
    session.add(receipt)
    session.flush()
    return IssuedReceipt(receipt, token_for(secret_key, nonce), created=True)


def receipt_for_token(session: Session, token: str, *, secret_key: str, now: datetime,
                      allow_used: bool = False) -> ReceiptToken:
    """The receipt behind a code, or :class:`ReceiptError` (invalid, expired, used)."""
    nonce, _, signature = token.partition(".")
    if not nonce or not signature or len(nonce) > 32 or not hmac.compare_digest(
            signature.encode(), _signature(secret_key, nonce).encode()):
        raise ReceiptInvalid()
    receipt = session.scalar(select(ReceiptToken).where(ReceiptToken.nonce == nonce))
    if receipt is None:
        raise ReceiptInvalid()
    if receipt.used_at is not None and not allow_used:
        raise ReceiptUsed()
    if receipt.used_at is None and receipt.expires_at <= now:
        raise ReceiptExpired()
    return receipt


def consume_receipt(session: Session, receipt: ReceiptToken, ballot_id: int,
                    now: datetime) -> None:
    """Mark the code used by ``ballot_id``; :class:`ReceiptError` ``used`` if another request
    got there first (the caller's transaction must then roll back its ballot)."""
    result = session.execute(
        update(ReceiptToken)
        .where(ReceiptToken.id == receipt.id, ReceiptToken.used_at.is_(None))
        .values(used_at=now, ballot_id=ballot_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ReceiptUsed()
