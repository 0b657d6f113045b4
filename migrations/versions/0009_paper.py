"""Paper batches, keyed sheets and second keying (issue 6).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("issued > 0", name=op.f("ck_paper_batch_issued_positive")),
        sa.CheckConstraint("period_to >= period_from", name=op.f("ck_paper_batch_period_order")),
        sa.CheckConstraint("returned >= 0 AND returned <= issued",
                           name=op.f("ck_paper_batch_returned_within_issued")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_paper_batch_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["questionnaire_id"], ["questionnaire.id"],
                                name=op.f("fk_paper_batch_questionnaire_id_questionnaire")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_paper_batch_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_batch")),
    )
    with op.batch_alter_table("paper_batch") as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_batch_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "paper_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("keyed_by_id", sa.Integer(), nullable=True),
        sa.Column("keyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballot.id"],
                                name=op.f("fk_paper_sheet_ballot_id_ballot")),
        sa.ForeignKeyConstraint(["batch_id"], ["paper_batch.id"],
                                name=op.f("fk_paper_sheet_batch_id_paper_batch")),
        sa.ForeignKeyConstraint(["keyed_by_id"], ["user_account.id"],
                                name=op.f("fk_paper_sheet_keyed_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_sheet")),
        sa.UniqueConstraint("batch_id", "serial", name=op.f("uq_paper_sheet_batch_id_serial")),
    )
    op.create_table(
        "paper_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("keyed_by_id", sa.Integer(), nullable=True),
        sa.Column("keyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["paper_batch.id"],
                                name=op.f("fk_paper_check_batch_id_paper_batch")),
        sa.ForeignKeyConstraint(["keyed_by_id"], ["user_account.id"],
                                name=op.f("fk_paper_check_keyed_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_check")),
        sa.UniqueConstraint("batch_id", "serial", name=op.f("uq_paper_check_batch_id_serial")),
    )


def downgrade() -> None:
    op.drop_table("paper_check")
    op.drop_table("paper_sheet")
    with op.batch_alter_table("paper_batch") as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_batch_unit_id"))
    op.drop_table("paper_batch")
