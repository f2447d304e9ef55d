"""rules: schedules and case policies (composite rules need no new columns)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("rule", "rule_version"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("schedule", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("case_policy", sa.String(length=8), nullable=True))


def downgrade() -> None:
    for table in ("rule_version", "rule"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("case_policy")
            batch_op.drop_column("schedule")
