"""Officer workspace: the subtree breakdown rollup (filled from the ballots) and period snapshots.

Revision 0005 was reserved for this work and stays empty, so databases already past it upgrade.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subtree_tally",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "dimension IN ('channel', 'counter', 'field', 'group', 'hour', 'reason')",
            name=op.f("ck_subtree_tally_dimension"),
        ),
        sa.CheckConstraint(
            "level IN ('very_satisfied', 'satisfied', 'not_satisfied')",
            name=op.f("ck_subtree_tally_level"),
        ),
        sa.CheckConstraint("status IN ('valid', 'flagged')", name=op.f("ck_subtree_tally_status")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_subtree_tally_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_subtree_tally_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint(
            "unit_id", "month", "dimension", "key", "status", "level", name=op.f("pk_subtree_tally")
        ),
    )
    op.create_table(
        "period_snapshot",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("cells", sa.Integer(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.Column("reopen_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "period_to >= period_from", name=op.f("ck_period_snapshot_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["user_account.id"],
            name=op.f("fk_period_snapshot_closed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by_id"],
            ["user_account.id"],
            name=op.f("fk_period_snapshot_reopened_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_period_snapshot_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_snapshot")),
    )
    with op.batch_alter_table("period_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_period_snapshot_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            "uq_period_snapshot_in_force",
            ["unit_id", "period_from", "period_to"],
            unique=True,
            sqlite_where=sa.text("reopened_at IS NULL"),
            postgresql_where=sa.text("reopened_at IS NULL"),
        )

    op.create_table(
        "snapshot_cell",
        sa.Column(
            "snapshot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "dimension IN ('channel', 'counter', 'field', 'group', 'hour', 'reason', "
            "'month', 'own')",
            name=op.f("ck_snapshot_cell_dimension"),
        ),
        sa.CheckConstraint(
            "level IN ('very_satisfied', 'satisfied', 'not_satisfied')",
            name=op.f("ck_snapshot_cell_level"),
        ),
        sa.CheckConstraint("status IN ('valid', 'flagged')", name=op.f("ck_snapshot_cell_status")),
        sa.CheckConstraint("count >= 0", name=op.f("ck_snapshot_cell_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["period_snapshot.id"],
            name=op.f("fk_snapshot_cell_snapshot_id_period_snapshot"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_snapshot_cell_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id",
            "unit_id",
            "dimension",
            "key",
            "status",
            "level",
            name=op.f("pk_snapshot_cell"),
        ),
    )
    _backfill_subtree_tally()


def _backfill_subtree_tally() -> None:
    """The same recount as services/breakdowns.py, kept here so the migration does not move
    when the service does: every rolled-up ballot counts for its unit and each ancestor."""
    bind = op.get_bind()
    tz = ZoneInfo(os.environ.get("SURVEY_TIMEZONE", "Asia/Ho_Chi_Minh"))
    parents = dict(bind.execute(sa.text("SELECT id, parent_id FROM unit")).all())
    reasons: dict[int, list[str]] = {}
    for ballot_id, value in bind.execute(
        sa.text(
            "SELECT a.ballot_id, a.value FROM answer a "
            "JOIN questionnaire_item i ON i.id = a.item_id "
            "JOIN ballot b ON b.id = a.ballot_id "
            "WHERE i.code = 'reasons' AND b.level = 'not_satisfied'"
        )
    ):
        reasons.setdefault(ballot_id, []).append(value)
    ballot = sa.table(
        "ballot",
        *(
            sa.column(c)
            for c in (
                "id",
                "unit_id",
                "local_day",
                "channel",
                "counter_id",
                "procedure_field",
                "respondent_group",
                "status",
                "level",
            )
        ),
        sa.column("counted_at", sa.DateTime()),
    )
    counts: Counter[tuple] = Counter()
    rows = bind.execute(
        sa.select(ballot).where(
            ballot.c.level.is_not(None), ballot.c.status.in_(("valid", "flagged"))
        )
    )
    for b in rows:
        counted = b.counted_at
        if isinstance(counted, str):  # SQLite without type information
            counted = datetime.fromisoformat(counted)
        if counted.tzinfo is None:
            counted = counted.replace(tzinfo=timezone.utc)
        local = counted.astimezone(tz)
        day = b.local_day if isinstance(b.local_day, date) else date.fromisoformat(b.local_day)
        cells = [
            ("channel", b.channel),
            ("counter", str(b.counter_id) if b.counter_id is not None else ""),
            ("field", b.procedure_field or ""),
            ("group", b.respondent_group or ""),
            ("hour", f"{local.isoweekday()}-{local.hour:02d}"),
        ]
        if b.level == "not_satisfied":
            cells += [("reason", r) for r in sorted(set(reasons.get(b.id, ())))]
        owner, seen = b.unit_id, 0
        while owner is not None and seen < 64:
            for dim, key in cells:
                counts[(owner, day.replace(day=1), dim, key, b.status, b.level)] += 1
            owner, seen = parents.get(owner), seen + 1
    table = sa.table(
        "subtree_tally",
        *(
            sa.column(c)
            for c in ("unit_id", "month", "dimension", "key", "status", "level", "count")
        ),
    )
    batch = []
    for (u, m, d, k, s, lv), n in counts.items():
        batch.append(
            {
                "unit_id": u,
                "month": m,
                "dimension": d,
                "key": k,
                "status": s,
                "level": lv,
                "count": n,
            }
        )
        if len(batch) >= 5000:
            bind.execute(table.insert(), batch)
            batch = []
    if batch:
        bind.execute(table.insert(), batch)


def downgrade() -> None:
    op.drop_table("snapshot_cell")
    with op.batch_alter_table("period_snapshot", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_period_snapshot_in_force",
            sqlite_where=sa.text("reopened_at IS NULL"),
            postgresql_where=sa.text("reopened_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_period_snapshot_unit_id"))

    op.drop_table("period_snapshot")
    op.drop_table("subtree_tally")
