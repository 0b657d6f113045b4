"""Index: a hand-scored component can be declared not applicable to a unit.

``index_hand_score.not_applicable`` (default false): the component does not apply to the unit
(không áp dụng), so it has no appraised score, its note gives the evidence, and the unit's total
is rescaled without it. A component that is neither scored nor declared is *missing* and keeps
its unit out of the ranking (docs/index-formulas.md §3).

Revision ID: 0013a
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013a"
down_revision = "0013p"
branch_labels = None
depends_on = None

CHECK = "NOT not_applicable OR (appraised_score IS NULL AND note IS NOT NULL)"


def upgrade() -> None:
    with op.batch_alter_table("index_hand_score") as batch:
        batch.add_column(sa.Column("not_applicable", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_check_constraint(
            op.f("ck_index_hand_score_not_applicable_explained"), CHECK)


def downgrade() -> None:
    # the rows declared not applicable become rows without an appraisal (missing): the
    # declaration cannot be kept without the column
    with op.batch_alter_table("index_hand_score") as batch:
        batch.drop_constraint(op.f("ck_index_hand_score_not_applicable_explained"),
                              type_="check")
        batch.drop_column("not_applicable")
