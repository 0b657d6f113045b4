"""Webhooks: registering a receiver (refusing internal addresses), signing and posting an event.

A webhook receives a JSON event with ``X-Survey-Event-Id`` (the same on every retry, for the
receiver to de-duplicate) and ``X-Survey-Signature: sha256=<hex HMAC-SHA256 of the raw body
under the webhook's secret>``. URLs whose host is or resolves to a loopback, private,
link-local or otherwise non-public address are refused — at registration and again before each
delivery, as DNS may change — unless the deployment allows private receivers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.problems import Problem
from ..models import Webhook
from .errors import Conflict, Invalid

SECRET_MIN = 16


class DeliveryFailed(RuntimeError):
    """The receiver did not answer 2xx in time; the message says what happened."""


def signature(secret: str, body: bytes) -> str:
    """The ``X-Survey-Signature`` header value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str, *, allow_private: bool) -> str | None:
    """A message key when ``url`` may not receive webhooks, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "webhook_bad_url"
    if allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return "webhook_unresolvable"
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            return "webhook_private"
    return None


def add_webhook(session: Session, url: str, secret: str, *, allow_private: bool) -> Webhook:
    """Register a receiver; :class:`Invalid` for a bad URL or short secret, :class:`Conflict`
    when the URL is registered already."""
    problems = {}
    key = check_url(url, allow_private=allow_private) if len(url) <= 500 else "webhook_bad_url"
    if key:
        problems["url"] = Problem(key)
    if len(secret) < SECRET_MIN:
        problems["secret"] = Problem("webhook_short_secret", {"min": SECRET_MIN})
    if problems:
        raise Invalid(problems=problems)
    if session.scalar(select(Webhook.id).where(Webhook.url == url)) is not None:
        raise Conflict("webhook_exists")
    hook = Webhook(url=url, secret=secret)
    session.add(hook)
    session.flush()
    return hook


def webhook_by_url(session: Session, url: str) -> Webhook | None:
    return session.scalar(select(Webhook).where(Webhook.url == url))


def post_event(url: str, secret: str, body: bytes, event_id: str, *, timeout: float,
               allow_private: bool) -> None:
    """POST one signed event; raises :class:`DeliveryFailed` unless the receiver answers 2xx."""
    refused = check_url(url, allow_private=allow_private)
    if refused:
        raise DeliveryFailed(refused)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "survey-webhooks/1",
        "X-Survey-Event-Id": event_id, "X-Survey-Signature": signature(secret, body)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DeliveryFailed(type(exc).__name__ + ": " + str(exc)[:200]) from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
