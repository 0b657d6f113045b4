"""Versioned questionnaires. A stored answer keeps the version it was given under."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..domain.questionnaire import ITEM_KINDS, Definition, parse_definition
from ..domain.vocab import CHANNELS
from ._types import UTCDateTime, one_of, utcnow


class Questionnaire(Base):
    """One version of a questionnaire; its ``definition`` is the document it was loaded from."""

    __tablename__ = "questionnaire"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(255))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the canonical definition: loading a changed file makes a new version.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[QuestionnaireItem]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireItem.position"
    )

    def parsed(self) -> Definition:
        return parse_definition(self.definition)


class QuestionnaireItem(Base):
    """An item of one questionnaire version, so answers can reference it."""

    __tablename__ = "questionnaire_item"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "code"),
        one_of("kind", ITEM_KINDS, "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=False)
    #: Element of a five-element form (tiếp cận, thủ tục, công chức, kết quả, phản ánh).
    element: Mapped[str | None] = mapped_column(String(40))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="items")


class QuestionnaireAssignment(Base):
    """Which questionnaire version a unit's subtree uses on a channel, and from when.

    The assignment of the nearest ancestor applies to units that have none of their own.
    """

    __tablename__ = "questionnaire_assignment"
    __table_args__ = (
        one_of("channel", CHANNELS, "channel"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()


class ItemEquivalence(Base):
    """An admin's declaration that an item of one version asks the same as another's.

    Item figures report each version separately unless items are declared equivalent; then the
    answers of ``item_id`` are counted under ``same_as_id``.
    """

    __tablename__ = "item_equivalence"

    item_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_item.id"), primary_key=True)
    same_as_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_item.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
