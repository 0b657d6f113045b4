"""Closing the loop: follow-up cases, callback numbers, the outbox, webhooks and alert rules;
a trigram index for the officers' comment search on PostgreSQL.

Revision ID: 0013c
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013c"
down_revision = "0013k"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "followup_case",
        sa.Column("id", BigId, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", BigId, nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_at", When, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("started_at", When, nullable=True),
        sa.Column("answered_at", When, nullable=True),
        sa.Column("closed_at", When, nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('new', 'in_progress', 'answered', 'closed')",
                           name=op.f("ck_followup_case_status")),
        sa.CheckConstraint("source IN ('citizen', 'officer')",
                           name=op.f("ck_followup_case_source")),
        sa.ForeignKeyConstraint(["ballot_id"], ["ballot.id"],
                                name=op.f("fk_followup_case_ballot_id_ballot")),
        sa.ForeignKeyConstraint(["officer_id"], ["user_account.id"],
                                name=op.f("fk_followup_case_officer_id_user_account")),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user_account.id"],
                                name=op.f("fk_followup_case_opened_by_id_user_account")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_followup_case_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_case")),
        sa.UniqueConstraint("ballot_id", name=op.f("uq_followup_case_ballot_id")),
    )
    op.create_index("ix_followup_case_unit_status", "followup_case", ["unit_id", "status"])
    op.create_table(
        "case_contact",
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("consented_at", When, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["followup_case.id"],
                                name=op.f("fk_case_contact_case_id_followup_case")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_contact")),
    )
    op.create_table(
        "webhook",
        sa.Column("id", BigId, nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
        sa.UniqueConstraint("url", name=op.f("uq_webhook_url")),
    )
    op.create_table(
        "alert_rule",
        sa.Column("id", BigId, nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("webhook_id", BigId, nullable=True),
        sa.Column("threshold_pct", sa.Integer(), nullable=False),
        sa.Column("window_hours", sa.Integer(), nullable=False),
        sa.Column("min_n", sa.Integer(), nullable=False),
        sa.Column("firing", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.CheckConstraint("threshold_pct BETWEEN 1 AND 100",
                           name=op.f("ck_alert_rule_threshold_pct")),
        sa.CheckConstraint("window_hours BETWEEN 1 AND 720",
                           name=op.f("ck_alert_rule_window_hours")),
        sa.CheckConstraint("min_n >= 1", name=op.f("ck_alert_rule_min_n")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_alert_rule_unit_id_unit")),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhook.id"],
                                name=op.f("fk_alert_rule_webhook_id_webhook")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rule")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BigId, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=254), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("next_at", When, nullable=False),
        sa.Column("sent_at", When, nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.CheckConstraint("kind IN ('email', 'webhook')", name=op.f("ck_outbox_kind")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')",
                           name=op.f("ck_outbox_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_at"])
    if _is_postgresql():
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_answer_value_trgm", "answer", ["value"], postgresql_using="gin",
                        postgresql_ops={"value": "gin_trgm_ops"})


def downgrade() -> None:
    if _is_postgresql():
        op.drop_index("ix_answer_value_trgm", table_name="answer")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("alert_rule")
    op.drop_table("webhook")
    op.drop_table("case_contact")
    op.drop_index("ix_followup_case_unit_status", table_name="followup_case")
    op.drop_table("followup_case")
