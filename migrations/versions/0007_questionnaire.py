"""Questionnaire assignments per unit and channel, and declared item equivalences (issue 3).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


CHANNELS = "'kiosk', 'qr_counter', 'qr_receipt', 'web', 'paper'"


def upgrade() -> None:
    op.create_table(
        "questionnaire_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"channel IN ({CHANNELS})",
                           name=op.f("ck_questionnaire_assignment_channel")),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from",
                           name=op.f("ck_questionnaire_assignment_validity")),
        sa.ForeignKeyConstraint(["questionnaire_id"], ["questionnaire.id"],
                                name=op.f("fk_questionnaire_assignment_questionnaire_id_questionnaire")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_questionnaire_assignment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_assignment")),
    )
    with op.batch_alter_table("questionnaire_assignment") as batch_op:
        batch_op.create_index(batch_op.f("ix_questionnaire_assignment_unit_id"), ["unit_id"],
                              unique=False)
    op.create_table(
        "item_equivalence",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("same_as_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["questionnaire_item.id"],
                                name=op.f("fk_item_equivalence_item_id_questionnaire_item")),
        sa.ForeignKeyConstraint(["same_as_id"], ["questionnaire_item.id"],
                                name=op.f("fk_item_equivalence_same_as_id_questionnaire_item")),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_equivalence")),
    )


def downgrade() -> None:
    op.drop_table("item_equivalence")
    with op.batch_alter_table("questionnaire_assignment") as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_assignment_unit_id"))
    op.drop_table("questionnaire_assignment")
