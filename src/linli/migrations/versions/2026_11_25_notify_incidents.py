"""notify incidents: messages of incident notices to residents (SMS, phone/visit lists)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
# The notices it refers to are made by the incidents migration.
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_notice_message",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("receipt_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["incident_notice.id"],
            name=op.f("fk_incident_notice_message_notice_id_incident_notice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_incident_notice_message_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_notice_message")),
        sa.UniqueConstraint(
            "notice_id",
            "resident_id",
            "channel",
            name=op.f("uq_incident_notice_message_notice_id_resident_id_channel"),
        ),
    )
    with op.batch_alter_table("incident_notice_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_notice_message_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_notice_message_notice_id"), ["notice_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("incident_notice_message")
