"""Receipt tokens for the QR channel (issue 5).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("dossier_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballot.id"],
                                name=op.f("fk_receipt_token_ballot_id_ballot")),
        sa.ForeignKeyConstraint(["counter_id"], ["counter.id"],
                                name=op.f("fk_receipt_token_counter_id_counter")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["user_account.id"],
                                name=op.f("fk_receipt_token_issued_by_id_user_account")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_receipt_token_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_token")),
        sa.UniqueConstraint("nonce", name=op.f("uq_receipt_token_nonce")),
    )
    with op.batch_alter_table("receipt_token") as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_token_dossier_hash"), ["dossier_hash"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("receipt_token") as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_token_dossier_hash"))
    op.drop_table("receipt_token")
