"""The outbox: e-mails and webhook events written in the transaction that caused them, delivered
by the worker (``flask --app survey_app worker``), never from inside a request.

Delivery is at least once. A worker *claims* a due message with a conditional ``UPDATE … WHERE
status = 'pending' AND next_at <= now`` that also pushes ``next_at`` a lease ahead, and commits
before sending; on PostgreSQL the due rows are read ``FOR UPDATE SKIP LOCKED``, so workers
running side by side take different messages and none is sent twice. A worker that dies while
sending leaves its claim to expire: the message is sent again after the lease, with the same
event id. A failed attempt is retried with exponential backoff (30 s, 1 min, 2 min, … at most an
hour apart) until the message is 24 hours old; then it is marked failed and listed for admins.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import OutboxMessage, Webhook
from . import mailer, webhooks
from .state import transition

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
#: How long a claimed message is left to its worker before another may take it.
LEASE = timedelta(minutes=5)
BATCH = 20


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """What the worker needs from the configuration to send."""

    smtp_url: str | None
    mail_from: str
    smtp_ca_file: str | None = None
    allow_private: bool = False
    webhook_timeout: float = 10


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed message, read out of its transaction so sending needs no database."""

    id: int
    attempts: int
    kind: str
    target: str
    event_id: str
    payload: str
    created_at: datetime
    webhook_url: str | None = None
    webhook_secret: str | None = None


def enqueue_email(session: Session, *, to: str, subject: str, text: str, html: str,
                  attachments: list[dict[str, str]] | None = None) -> OutboxMessage:
    """An e-mail for the worker to send (Vietnamese subject, plain text and HTML bodies; each
    attachment ``{"filename", "content_type", "data": base64}``, rendered now so every retry
    sends the same bytes)."""
    body: dict[str, Any] = {"subject": subject, "text": text, "html": html}
    if attachments:
        body["attachments"] = attachments
    message = OutboxMessage(
        event_id=str(uuid.uuid4()), kind="email", target=to,
        payload=json.dumps(body, ensure_ascii=False))
    session.add(message)
    session.flush()
    return message


def enqueue_event(session: Session, webhook_id: int, event: dict[str, Any]) -> OutboxMessage:
    """A webhook event; ``event["id"]`` is sent as ``X-Survey-Event-Id`` on every attempt."""
    message = OutboxMessage(event_id=str(event["id"]), kind="webhook", target=str(webhook_id),
                            payload=json.dumps(event, ensure_ascii=False, sort_keys=True))
    session.add(message)
    session.flush()
    return message


def claim_due(session: Session, now: datetime, limit: int = BATCH) -> list[Claimed]:
    """Claim up to ``limit`` due messages for this worker (the caller commits at once)."""
    stmt = (select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                           OutboxMessage.next_at <= now)
            .order_by(OutboxMessage.next_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed: list[Claimed] = []
    for message_id in session.scalars(stmt).all():
        changed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
                   OutboxMessage.next_at <= now)
            .values(attempts=OutboxMessage.attempts + 1, next_at=now + LEASE)
            .execution_options(synchronize_session=False))
        if changed.rowcount != 1:
            continue  # another worker took it between our read and our write
        m = session.get(OutboxMessage, message_id, populate_existing=True)
        assert m is not None
        hook = session.get(Webhook, int(m.target)) if m.kind == "webhook" else None
        claimed.append(Claimed(
            id=m.id, attempts=m.attempts, kind=m.kind, target=m.target, event_id=m.event_id,
            payload=m.payload, created_at=m.created_at,
            webhook_url=hook.url if hook else None, webhook_secret=hook.secret if hook else None))
    return claimed


def send(message: Claimed, settings: DeliverySettings) -> None:
    """Deliver one claimed message; raises ``RuntimeError`` (with a short reason) on failure."""
    if message.kind == "email":
        if not settings.smtp_url:
            raise RuntimeError("SURVEY_SMTP_URL is not set")
        body = json.loads(message.payload)
        mail = mailer.build_message(
            mail_from=settings.mail_from, to=message.target, subject=body["subject"],
            text=body["text"], html=body["html"],
            message_id=f"<{message.event_id}@survey.local>",
            attachments=[(a["filename"], a["content_type"], base64.b64decode(a["data"]))
                         for a in body.get("attachments", ())])
        mailer.send_mail(settings.smtp_url, mail, ca_file=settings.smtp_ca_file)
        return
    if message.webhook_url is None or message.webhook_secret is None:
        raise RuntimeError("the webhook was removed")
    webhooks.post_event(message.webhook_url, message.webhook_secret,
                        message.payload.encode("utf-8"), message.event_id,
                        timeout=settings.webhook_timeout, allow_private=settings.allow_private)


def mark_sent(session: Session, message: Claimed, now: datetime) -> None:
    """Record the delivery (only for the claim this worker holds)."""
    transition(session, OutboxMessage, message.id, OutboxMessage.status == "pending",
               OutboxMessage.attempts == message.attempts, status="sent", sent_at=now,
               last_error=None)


def mark_failed_attempt(session: Session, message: Claimed, now: datetime, error: str) -> str:
    """Schedule the next attempt with backoff, or mark the message failed after 24 hours;
    answers the new status."""
    wait = min(FIRST_RETRY * 2 ** (message.attempts - 1), LONGEST_WAIT)
    gives_up = now + wait - message.created_at > GIVE_UP_AFTER
    values: dict[str, Any] = {"last_error": error[:300]}
    if gives_up:
        values["status"] = "failed"
    else:
        values["next_at"] = now + wait
    transition(session, OutboxMessage, message.id, OutboxMessage.status == "pending",
               OutboxMessage.attempts == message.attempts, **values)
    return "failed" if gives_up else "pending"


def process_due(transaction: Callable[[], Any], settings: DeliverySettings,
                clock: Callable[[], datetime], limit: int = BATCH) -> dict[str, int]:
    """One round: claim due messages (one transaction), send each outside any transaction,
    record each outcome in its own transaction. Answers counts by outcome."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    with transaction() as session:
        claimed = claim_due(session, clock(), limit)
    for message in claimed:
        try:
            send(message, settings)
        except (RuntimeError, ValueError, OSError) as exc:
            with transaction() as session:
                outcome = mark_failed_attempt(session, message, clock(), str(exc))
            counts["failed" if outcome == "failed" else "retry"] += 1
            continue
        with transaction() as session:
            mark_sent(session, message, clock())
        counts["sent"] += 1
    return counts


def failed_messages(session: Session, limit: int = 200) -> list[OutboxMessage]:
    """Messages given up on, newest first (the admin page)."""
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status == "pending")) or 0
