"""Who is calling the API: bearer authentication (API, kiosk device and receipt tokens), the
caller's principal, and the API's answer to a refused access rule (403)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from ...db import get_session
from ...models import UserAccount
from ...services import accounts, kiosk, receipts, votes
from ...services.access import Rule
from ...services.errors import Forbidden
from ...services.security import API_TOKEN_PREFIX, DEVICE_TOKEN_PREFIX
from ..access import declare
from .problems import error

F = TypeVar("F", bound=Callable[..., Any])


def bearer() -> str | None:
    """The bearer token of this request, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def principal_for(token: str | None) -> votes.Principal | None:
    if token is None or len(token) > 200:
        return None
    session = get_session()
    if token.startswith(DEVICE_TOKEN_PREFIX):
        return kiosk.kiosk_principal(session, token, datetime.now(timezone.utc))
    if token.startswith(API_TOKEN_PREFIX):
        user = accounts.user_for_token(session, token)
        return votes.Principal(user=user) if user else None
    if receipts.looks_like_receipt(token):
        # A used code still authenticates, so that a replay of its vote answers 200; a second
        # vote is refused when the code is consumed (votes.create).
        receipt = receipts.receipt_for_token(session, token, now=datetime.now(timezone.utc),
                                             secret_key=current_app.config["SECRET_KEY"],
                                             allow_used=True)
        g.receipt = receipt
        return votes.Principal.for_public(receipt.unit, "qr_receipt", receipt.counter)
    return None


def authenticated(view: F) -> F:
    """401 unless a valid, unrevoked token came with the request; sets ``g.principal``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            principal = principal_for(bearer())
        except receipts.ReceiptExpired:
            return error(410, "receipt_expired")
        except receipts.ReceiptError:
            principal = None
        if principal is None:
            # a revoked tablet is told so in words (shown on its "revoked" screen)
            response = error(401, kiosk.token_refusal(get_session(), bearer()))
            response.headers["WWW-Authenticate"] = 'Bearer realm="survey"'
            return response
        g.principal = principal
        return view(*args, **kwargs)

    return declare("token")(wrapper)  # type: ignore[return-value]


def token_user(*roles: str) -> UserAccount:
    """The user behind this request's token when it has one of ``roles``; else 403
    ``forbidden`` (kiosk and receipt tokens have no user)."""
    user = g.principal.user
    if user is None or user.role not in roles:
        raise Forbidden("forbidden")
    return user


def require(rule: Rule, unit_id: int, key: str = "forbidden_unit") -> None:
    """The API's check of an access rule for the token's user: 403 ``key`` when refused."""
    if not rule(get_session(), g.principal.user, unit_id):
        raise Forbidden(key)
