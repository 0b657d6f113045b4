"""Publication: closed periods and index rankings an admin has shown to the public.

``period_snapshot.hash_rule`` names the listing rule of each content hash; snapshots closed
before this revision keep ``survey-snapshot-v1``, new ones use v2, whose public part can be
verified from the open-data file (docs/open-data.md).

Revision ID: 0013p
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013p"
down_revision = "0013u"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _decision_columns() -> list[sa.Column]:
    return [
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdraw_note", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("period_snapshot") as batch:
        batch.add_column(sa.Column("hash_rule", sa.String(length=32), nullable=False,
                                   server_default="survey-snapshot-v1"))
    op.create_table(
        "period_publication",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("snapshot_id", BigId, nullable=False),
        *_decision_columns(),
        sa.CheckConstraint("withdrawn_at IS NULL OR withdraw_note IS NOT NULL",
                           name=op.f("ck_period_publication_withdrawal_has_reason")),
        sa.ForeignKeyConstraint(["snapshot_id"], ["period_snapshot.id"],
                                name=op.f("fk_period_publication_snapshot_id_period_snapshot")),
        sa.ForeignKeyConstraint(["published_by_id"], ["user_account.id"],
                                name=op.f("fk_period_publication_published_by_id_user_account")),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["user_account.id"],
                                name=op.f("fk_period_publication_withdrawn_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_publication")),
    )
    op.create_index(op.f("ix_period_publication_snapshot_id"), "period_publication",
                    ["snapshot_id"])
    op.create_index("uq_period_publication_in_force", "period_publication", ["snapshot_id"],
                    unique=True, sqlite_where=sa.text("withdrawn_at IS NULL"),
                    postgresql_where=sa.text("withdrawn_at IS NULL"))
    op.create_table(
        "index_publication",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        *_decision_columns(),
        sa.CheckConstraint("withdrawn_at IS NULL OR withdraw_note IS NOT NULL",
                           name=op.f("ck_index_publication_withdrawal_has_reason")),
        sa.ForeignKeyConstraint(["scheme_id"], ["index_scheme.id"],
                                name=op.f("fk_index_publication_scheme_id_index_scheme")),
        sa.ForeignKeyConstraint(["published_by_id"], ["user_account.id"],
                                name=op.f("fk_index_publication_published_by_id_user_account")),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["user_account.id"],
                                name=op.f("fk_index_publication_withdrawn_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_index_publication")),
    )
    op.create_index(op.f("ix_index_publication_scheme_id"), "index_publication", ["scheme_id"])
    op.create_index("uq_index_publication_in_force", "index_publication", ["scheme_id"],
                    unique=True, sqlite_where=sa.text("withdrawn_at IS NULL"),
                    postgresql_where=sa.text("withdrawn_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_index_publication_in_force", table_name="index_publication")
    op.drop_index(op.f("ix_index_publication_scheme_id"), table_name="index_publication")
    op.drop_table("index_publication")
    op.drop_index("uq_period_publication_in_force", table_name="period_publication")
    op.drop_index(op.f("ix_period_publication_snapshot_id"), table_name="period_publication")
    op.drop_table("period_publication")
    with op.batch_alter_table("period_snapshot") as batch:
        batch.drop_column("hash_rule")
