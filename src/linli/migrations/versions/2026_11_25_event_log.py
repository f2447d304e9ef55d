"""event log: every published event, numbered in commit order

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_log")),
        sa.UniqueConstraint("id", name=op.f("uq_event_log_id")),
    )
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_log_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_log_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_log_at"))
        batch_op.drop_index(batch_op.f("ix_event_log_subject"))
    op.drop_table("event_log")
