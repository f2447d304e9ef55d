"""reporters' ratings of their cases

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_rating",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("rater", sa.String(length=100), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_rating_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_rating")),
        sa.UniqueConstraint("case_id", "rater", name=op.f("uq_case_rating_case_id_rater")),
    )


def downgrade() -> None:
    op.drop_table("case_rating")
