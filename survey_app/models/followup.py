"""Closing the loop: follow-up cases (phản ánh, kiến nghị), the callback number kept apart from
the ballot, and the outbox, webhooks and alert rules of the notification worker."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ._types import BigId, UTCDateTime, one_of, utcnow

#: A case moves forward only: mới → đang xử lý → đã trả lời → đóng.
CASE_STATES = ("new", "in_progress", "answered", "closed")
CASE_SOURCES = ("citizen", "officer")
OUTBOX_KINDS = ("email", "webhook")
OUTBOX_STATES = ("pending", "sent", "failed")


class FollowupCase(Base):
    """One phản ánh to answer: opened by a citizen's callback request or by an officer from a
    comment. Never deleted; the callback number lives in :class:`CaseContact`."""

    __tablename__ = "followup_case"
    __table_args__ = (
        one_of("status", CASE_STATES, "status"),
        one_of("source", CASE_SOURCES, "source"),
        Index("ix_followup_case_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    #: The ballot whose comment or callback request opened it; one case per ballot.
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballot.id"), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12), default="new")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The local date by which it should be answered (working days after opening).
    due_on: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)


class CaseContact(Base):
    """The callback number a citizen gave with consent, apart from the ballot; erased a fixed
    time after its case is closed."""

    __tablename__ = "case_contact"

    case_id: Mapped[int] = mapped_column(ForeignKey("followup_case.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Webhook(Base):
    """A receiver of signed JSON events, registered by an administrator."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRule(Base):
    """Fire when the "Chưa hài lòng" share of a unit subtree over the last hours reaches a
    threshold with enough votes; ``firing`` remembers the episode so it alerts once."""

    __tablename__ = "alert_rule"
    __table_args__ = (
        CheckConstraint("threshold_pct BETWEEN 1 AND 100", name="threshold_pct"),
        CheckConstraint("window_hours BETWEEN 1 AND 720", name="window_hours"),
        CheckConstraint("min_n >= 1", name="min_n"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhook.id"))
    threshold_pct: Mapped[int] = mapped_column(Integer)
    window_hours: Mapped[int] = mapped_column(Integer)
    min_n: Mapped[int] = mapped_column(Integer)
    firing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """One e-mail or webhook delivery, written in the transaction that caused it and sent by the
    worker; ``event_id`` is the same on every attempt so receivers can de-duplicate."""

    __tablename__ = "outbox"
    __table_args__ = (
        one_of("kind", OUTBOX_KINDS, "kind"),
        one_of("status", OUTBOX_STATES, "status"),
        Index("ix_outbox_due", "status", "next_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8))
    #: An e-mail address, or the webhook's id.
    target: Mapped[str] = mapped_column(String(254))
    #: JSON: the webhook event, or the e-mail's subject, text and HTML.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
