"""Counter figures on the public pages: a per-unit switch and the salts of snapshot v3.

``unit.publish_counters`` is an admin's decision (off by default) to show a unit's counter
figures on the public pages of its published periods. ``snapshot_counter_salt`` keeps, per
snapshot closed under ``survey-snapshot-v3``, the random salt of each unit's counter digest
(docs/open-data.md); a salt is public only while its unit's switch is on.

Revision ID: 0014c
Revises: 0013f
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014c"
down_revision = "0013f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("publish_counters", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "snapshot_counter_salt",
        sa.Column("snapshot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["period_snapshot.id"],
                                name=op.f("fk_snapshot_counter_salt_snapshot_id_period_snapshot")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_snapshot_counter_salt_unit_id_unit")),
        sa.PrimaryKeyConstraint("snapshot_id", "unit_id", name=op.f("pk_snapshot_counter_salt")),
    )


def downgrade() -> None:
    # v3 snapshots cannot be re-hashed without their salts: reopen and close them again
    # after a downgrade (they then use survey-snapshot-v2).
    op.drop_table("snapshot_counter_salt")
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("publish_counters")
