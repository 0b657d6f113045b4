"""Kiosk re-pairing: a pairing code says whether the counter's previous tablets stay paired.

Pairing a new tablet for a counter revokes the counter's previous tablets (a replaced tablet
must stop voting), unless the officer ticked "giữ cả thiết bị cũ" when creating the code.
Existing codes keep the old behaviour (``keep_previous`` true): nobody chose anything for them.

Revision ID: 0013k
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013k"
down_revision = "0013a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kiosk_pairing_code") as batch:
        batch.add_column(sa.Column("keep_previous", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    # New codes are created by the application, which always says; the default only fills the
    # codes that existed before this revision.


def downgrade() -> None:
    with op.batch_alter_table("kiosk_pairing_code") as batch:
        batch.drop_column("keep_previous")
