"""Index schemes, hand scores and dossier counts (issue 8).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

POINTS = sa.Numeric(precision=7, scale=2)


def upgrade() -> None:
    op.create_table(
        "index_scheme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_scheme")),
        sa.UniqueConstraint("code", "year", name=op.f("uq_index_scheme_code_year")),
    )
    op.create_table(
        "index_hand_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("self_score", POINTS, nullable=True),
        sa.Column("appraised_score", POINTS, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("appraised_score IS NULL OR appraised_score >= 0",
                           name=op.f("ck_index_hand_score_appraised_not_negative")),
        sa.CheckConstraint("self_score IS NULL OR self_score >= 0",
                           name=op.f("ck_index_hand_score_self_not_negative")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["user_account.id"],
                                name=op.f("fk_index_hand_score_entered_by_id_user_account")),
        sa.ForeignKeyConstraint(["scheme_id"], ["index_scheme.id"],
                                name=op.f("fk_index_hand_score_scheme_id_index_scheme")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_index_hand_score_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_hand_score")),
        sa.UniqueConstraint("scheme_id", "unit_id", "component",
                            name=op.f("uq_index_hand_score_scheme_id_unit_id_component")),
    )
    with op.batch_alter_table("index_hand_score") as batch_op:
        batch_op.create_index(batch_op.f("ix_index_hand_score_scheme_id"), ["scheme_id"],
                              unique=False)
    op.create_table(
        "index_bonus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("points", POINTS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points <> 0", name=op.f("ck_index_bonus_points_not_zero")),
        sa.ForeignKeyConstraint(["entered_by_id"], ["user_account.id"],
                                name=op.f("fk_index_bonus_entered_by_id_user_account")),
        sa.ForeignKeyConstraint(["scheme_id"], ["index_scheme.id"],
                                name=op.f("fk_index_bonus_scheme_id_index_scheme")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_index_bonus_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_bonus")),
    )
    with op.batch_alter_table("index_bonus") as batch_op:
        batch_op.create_index(batch_op.f("ix_index_bonus_scheme_id"), ["scheme_id"], unique=False)
    op.create_table(
        "dossier_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("complaints", sa.Integer(), nullable=False),
        sa.Column("not_satisfied", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("handled >= 0 AND overdue >= 0 AND complaints >= 0 "
                           "AND (not_satisfied IS NULL OR not_satisfied >= 0)",
                           name=op.f("ck_dossier_count_counts_not_negative")),
        sa.CheckConstraint("overdue + complaints + COALESCE(not_satisfied, 0) <= handled",
                           name=op.f("ck_dossier_count_negatives_within_handled")),
        sa.CheckConstraint("period_to >= period_from", name=op.f("ck_dossier_count_period_order")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_dossier_count_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_count")),
        sa.UniqueConstraint("unit_id", "period_from", "period_to",
                            name=op.f("uq_dossier_count_unit_id_period_from_period_to")),
    )
    with op.batch_alter_table("dossier_count") as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_count_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "index_survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("a", sa.Integer(), nullable=False),
        sa.Column("b", sa.Integer(), nullable=False),
        sa.Column("c", sa.Integer(), nullable=False),
        sa.Column("d", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("a >= 0 AND b >= 0 AND c >= 0 AND d >= 0",
                           name=op.f("ck_index_survey_answers_counts_not_negative")),
        sa.ForeignKeyConstraint(["scheme_id"], ["index_scheme.id"],
                                name=op.f("fk_index_survey_answers_scheme_id_index_scheme")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_index_survey_answers_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_survey_answers")),
        sa.UniqueConstraint("scheme_id", "unit_id", "component",
                            name=op.f("uq_index_survey_answers_scheme_id_unit_id_component")),
    )
    with op.batch_alter_table("index_survey_answers") as batch_op:
        batch_op.create_index(batch_op.f("ix_index_survey_answers_scheme_id"), ["scheme_id"],
                              unique=False)


def downgrade() -> None:
    for table, column in (("index_survey_answers", "scheme_id"), ("dossier_count", "unit_id"),
                          ("index_bonus", "scheme_id"), ("index_hand_score", "scheme_id")):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    op.drop_table("index_scheme")
