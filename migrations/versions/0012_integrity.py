"""Integrity: revocable sessions and handled form submissions.

``user_account.session_generation`` is compared with the generation in a session cookie, so
signing out or changing a password, role, unit or the active flag ends every session of that
user. ``form_submission`` remembers the ``once`` value of each handled form, so a double click
acts once.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "form_submission",
        sa.Column("once", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("once", name=op.f("pk_form_submission")),
    )
    op.create_index(op.f("ix_form_submission_at"), "form_submission", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_form_submission_at"), table_name="form_submission")
    op.drop_table("form_submission")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_generation")
