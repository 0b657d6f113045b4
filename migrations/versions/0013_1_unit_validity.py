"""Unit validity: the successor a unit became part of when it was merged.

Since 1 July 2025 Vietnam has provinces and communes only, and communes keep merging. A unit
that ended (``valid_to``) may name its ``successor``; a unit may have several predecessors.
Ballots keep the unit they were cast at; figures of a successor add its predecessors' counts.
``stats_code`` (the statistics-office code) and the validity dates exist since 0001.

Revision ID: 0013u
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013u"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("successor_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_unit_successor_id_unit"), "unit",
                                 ["successor_id"], ["id"])
        batch.create_index(op.f("ix_unit_successor_id"), ["successor_id"])
        batch.create_check_constraint(op.f("ck_unit_not_own_successor"),
                                      "successor_id IS NULL OR successor_id <> id")


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_constraint(op.f("ck_unit_not_own_successor"), type_="check")
        batch.drop_index(op.f("ix_unit_successor_id"))
        batch.drop_constraint(op.f("fk_unit_successor_id_unit"), type_="foreignkey")
        batch.drop_column("successor_id")
