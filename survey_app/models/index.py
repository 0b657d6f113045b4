"""The index (bộ chỉ số): loaded schemes, hand scores, bonus entries, dossier and survey counts.

A scheme is stored as the document it was loaded from (``document``) and parsed again by
:func:`survey_app.domain.index.parse_scheme` whenever it is used, so the rules live in one place.
Points are stored as exact decimals with two places (the published precision); the per-component
maximum is a property of the scheme, so it is checked by the service, not by a CHECK constraint.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..domain.index import Scheme, parse_scheme
from ._types import UTCDateTime, utcnow
from .unit import Unit

#: Points: up to 99999.99, two decimals (hand scores, bonus entries).
Points = Numeric(7, 2)


class IndexScheme(Base):
    """An index scheme for one year, as loaded by ``index load``; unique per code and year."""

    __tablename__ = "index_scheme"
    __table_args__ = (UniqueConstraint("code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    #: The mapping the YAML/JSON file held, dates as ISO strings.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the canonical document: loading the same file again changes nothing.
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def parsed(self) -> Scheme:
        return parse_scheme(self.document)


class IndexHandScore(Base):
    """A hand-scored component of one unit: self-assessment and appraisal, with the evidence.

    The appraised score (điểm thẩm định) counts; the self score (điểm tự đánh giá) is shown
    beside it. Either may be missing while the assessment is under way; a component without an
    appraised score is *missing* and keeps its unit out of the ranking. ``not_applicable``
    declares that the component does not apply to the unit (không áp dụng): no appraised score,
    the note says why, and the unit's total is rescaled without it.
    """

    __tablename__ = "index_hand_score"
    __table_args__ = (
        UniqueConstraint("scheme_id", "unit_id", "component"),
        CheckConstraint("self_score IS NULL OR self_score >= 0", name="self_not_negative"),
        CheckConstraint("appraised_score IS NULL OR appraised_score >= 0",
                        name="appraised_not_negative"),
        CheckConstraint("NOT not_applicable OR (appraised_score IS NULL AND note IS NOT NULL)",
                        name="not_applicable_explained"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("index_scheme.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    component: Mapped[str] = mapped_column(String(64))
    self_score: Mapped[Decimal | None] = mapped_column(Points)
    appraised_score: Mapped[Decimal | None] = mapped_column(Points)
    #: Evidence (tài liệu kiểm chứng) or the appraisal council's remark; required when the
    #: component is declared not applicable.
    note: Mapped[str | None] = mapped_column(Text)
    #: Declared not applicable to this unit (``NA`` in a scores file, "Không áp dụng" on the page).
    not_applicable: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Who entered the current values; None for the command line.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class IndexBonus(Base):
    """One bonus (điểm thưởng, positive) or deduction (điểm trừ, negative) with its reason."""

    __tablename__ = "index_bonus"
    __table_args__ = (CheckConstraint("points <> 0", name="points_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("index_scheme.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    points: Mapped[Decimal] = mapped_column(Points)
    note: Mapped[str] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class DossierCount(Base):
    """Dossiers a unit handled in a date range, from the one-stop software (``dossiers import``).

    ``overdue``, ``complaints`` and ``not_satisfied`` count *distinct* dossiers. ``not_satisfied``
    is None when the software did not export it; the service then counts the unit's own
    "Chưa hài lòng" votes of the same dates.
    """

    __tablename__ = "dossier_count"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_from", "period_to"),
        CheckConstraint("period_to >= period_from", name="period_order"),
        CheckConstraint("handled >= 0 AND overdue >= 0 AND complaints >= 0 "
                        "AND (not_satisfied IS NULL OR not_satisfied >= 0)",
                        name="counts_not_negative"),
        CheckConstraint("overdue + complaints + COALESCE(not_satisfied, 0) <= handled",
                        name="negatives_within_handled"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    handled: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    complaints: Mapped[int] = mapped_column(Integer)
    not_satisfied: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class IndexSurveyAnswers(Base):
    """Officials' survey (phiếu khảo sát cán bộ, công chức): how many answered A, B, C and D on
    one ``option_credit`` item about one unit."""

    __tablename__ = "index_survey_answers"
    __table_args__ = (
        UniqueConstraint("scheme_id", "unit_id", "component"),
        CheckConstraint("a >= 0 AND b >= 0 AND c >= 0 AND d >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("index_scheme.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    component: Mapped[str] = mapped_column(String(64))
    a: Mapped[int] = mapped_column(Integer)
    b: Mapped[int] = mapped_column(Integer)
    c: Mapped[int] = mapped_column(Integer)
    d: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
