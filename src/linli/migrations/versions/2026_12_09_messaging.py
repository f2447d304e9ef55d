"""messaging: SMS, chat and hotline-keypad conversations, their inbound ids, followed reports
and queued replies

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-09 09:00:00

A conversation per phone number or chat (the address encrypted, found by keyed hash); each
inbound message's gateway id, so a resent webhook does nothing twice; the reports a conversation
follows (through their follow-up rows, which move when a duplicate is merged); the replies and
case news waiting to be sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messaging_conversation",
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("draft_text", sa.LargeBinary(), nullable=True),
        sa.Column("draft_category", sa.String(length=64), nullable=True),
        sa.Column("draft_lon", sa.Float(), nullable=True),
        sa.Column("draft_lat", sa.Float(), nullable=True),
        sa.Column("draft_place", sa.String(length=200), nullable=True),
        sa.Column("offered_ref", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_conversation")),
        sa.UniqueConstraint(
            "channel", "address_hash", name=op.f("uq_messaging_conversation_channel_address_hash")
        ),
    )
    op.create_table(
        "messaging_inbound",
        sa.Column("gateway", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["messaging_conversation.id"],
            name=op.f("fk_messaging_inbound_conversation_id_messaging_conversation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_inbound")),
        sa.UniqueConstraint(
            "gateway", "external_id", name=op.f("uq_messaging_inbound_gateway_external_id")
        ),
    )
    with op.batch_alter_table("messaging_inbound") as batch:
        batch.create_index(
            batch.f("ix_messaging_inbound_conversation_id"), ["conversation_id"], unique=False
        )
    op.create_table(
        "messaging_follow",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("public_report_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["messaging_conversation.id"],
            name=op.f("fk_messaging_follow_conversation_id_messaging_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["public_report_id"],
            ["case_public_report.id"],
            name=op.f("fk_messaging_follow_public_report_id_case_public_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_follow")),
        sa.UniqueConstraint(
            "conversation_id",
            "public_report_id",
            name=op.f("uq_messaging_follow_conversation_id_public_report_id"),
        ),
    )
    with op.batch_alter_table("messaging_follow") as batch:
        batch.create_index(
            batch.f("ix_messaging_follow_public_report_id"), ["public_report_id"], unique=False
        )
    op.create_table(
        "messaging_outbound",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gateway", sa.String(length=32), nullable=True),
        sa.Column("receipt_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["messaging_conversation.id"],
            name=op.f("fk_messaging_outbound_conversation_id_messaging_conversation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_outbound")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_messaging_outbound_dedupe_key")),
    )
    with op.batch_alter_table("messaging_outbound") as batch:
        batch.create_index(
            batch.f("ix_messaging_outbound_conversation_id"), ["conversation_id"], unique=False
        )
        batch.create_index("ix_messaging_outbound_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_table("messaging_outbound")
    op.drop_table("messaging_follow")
    op.drop_table("messaging_inbound")
    op.drop_table("messaging_conversation")
