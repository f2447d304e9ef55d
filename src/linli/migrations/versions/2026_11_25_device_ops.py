"""device operations: status, battery, credential revocation, ingest quarantine

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), server_default="unknown", nullable=False)
        )
        batch.add_column(sa.Column("battery", sa.Float(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_device_status"), ["status"], unique=False)
    op.create_table(
        "ingest_quarantine",
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("device_code", sa.String(length=64), nullable=True),
        sa.Column("org_path", sa.String(length=1024), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_quarantine")),
    )
    op.create_index(
        "ix_ingest_quarantine_org_path", "ingest_quarantine", ["org_path"], unique=False
    )
    op.create_index(
        op.f("ix_ingest_quarantine_reason"), "ingest_quarantine", ["reason"], unique=False
    )
    op.create_index(
        op.f("ix_ingest_quarantine_received_at"),
        "ingest_quarantine",
        ["received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ingest_quarantine_received_at"), table_name="ingest_quarantine")
    op.drop_index(op.f("ix_ingest_quarantine_reason"), table_name="ingest_quarantine")
    op.drop_index("ix_ingest_quarantine_org_path", table_name="ingest_quarantine")
    op.drop_table("ingest_quarantine")
    with op.batch_alter_table("device") as batch:
        batch.drop_index(batch.f("ix_device_status"))
        batch.drop_column("revoked_at")
        batch.drop_column("battery")
        batch.drop_column("status")
