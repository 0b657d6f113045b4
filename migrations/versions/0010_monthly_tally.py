"""Monthly rollup beside the daily one, filled from the daily rollup.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monthly_tally",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("channel IN ('kiosk', 'qr_counter', 'qr_receipt', 'web', 'paper')",
                           name=op.f("ck_monthly_tally_channel")),
        sa.CheckConstraint("level IN ('very_satisfied', 'satisfied', 'not_satisfied')",
                           name=op.f("ck_monthly_tally_level")),
        sa.CheckConstraint("status IN ('valid', 'flagged', 'void', 'test')",
                           name=op.f("ck_monthly_tally_status")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_monthly_tally_count_not_negative")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_monthly_tally_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "month", "channel", "status", "level",
                                name=op.f("pk_monthly_tally")),
    )
    bind = op.get_bind()
    month = ("CAST(date_trunc('month', day) AS date)" if bind.dialect.name == "postgresql"
             else "date(day, 'start of month')")
    bind.execute(sa.text(
        "INSERT INTO monthly_tally (unit_id, month, channel, status, level, count) "
        f"SELECT unit_id, {month}, channel, status, level, sum(count) FROM daily_tally "
        f"GROUP BY unit_id, {month}, channel, status, level"))


def downgrade() -> None:
    op.drop_table("monthly_tally")
