"""Folding: the queue of ballots not yet counted in the subtree rollup.

A vote inserts its ballot's id here in its own transaction; ``fold_pending`` moves queued
ballots into ``subtree_tally`` and deletes their entries in one transaction. Ballots stored
before this revision are already in the rollup, so the queue starts empty.

Revision ID: 0013f
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013f"
down_revision = "0013c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fold_queue",
        sa.Column("ballot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballot.id"],
                                name=op.f("fk_fold_queue_ballot_id_ballot")),
        sa.PrimaryKeyConstraint("ballot_id", name=op.f("pk_fold_queue")),
    )


def downgrade() -> None:
    # The rollup must hold every ballot again: fold whatever is still queued first
    # (flask tallies fold), or run flask tallies rebuild after the downgrade.
    op.drop_table("fold_queue")
