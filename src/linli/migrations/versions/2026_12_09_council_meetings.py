"""council meetings: meetings, agenda, registrations, minutes, decisions and their follow-up

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("venue", sa.String(300), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stream_url", sa.String(500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("registered_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_item_id", sa.Uuid(), nullable=True),
        sa.Column("checkin_code", sa.String(16), nullable=False),
        sa.Column("minutes_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_meeting_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    op.create_index("ix_meeting_org_path_starts", "meeting", ["org_path", "starts_at", "id"])
    op.create_index("ix_meeting_starts", "meeting", ["starts_at", "id"])
    op.create_table(
        "meeting_agenda_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            ondelete="CASCADE",
            name=op.f("fk_meeting_agenda_item_meeting_id_meeting"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_agenda_item")),
        sa.UniqueConstraint(
            "meeting_id", "position", name=op.f("uq_meeting_agenda_item_meeting_id_position")
        ),
    )
    op.create_table(
        "meeting_registration",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.String(200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            ondelete="CASCADE",
            name=op.f("fk_meeting_registration_meeting_id_meeting"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_registration")),
        sa.UniqueConstraint(
            "meeting_id", "account_id", name=op.f("uq_meeting_registration_meeting_id_account_id")
        ),
    )
    op.create_index(
        "ix_meeting_registration_order",
        "meeting_registration",
        ["meeting_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_meeting_registration_account",
        "meeting_registration",
        ["account_id", "created_at", "id"],
    )
    op.create_table(
        "meeting_minute",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            ondelete="CASCADE",
            name=op.f("fk_meeting_minute_meeting_id_meeting"),
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["meeting_agenda_item.id"],
            ondelete="SET NULL",
            name=op.f("fk_meeting_minute_agenda_item_id_meeting_agenda_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_minute")),
        sa.UniqueConstraint("meeting_id", "seq", name=op.f("uq_meeting_minute_meeting_id_seq")),
    )
    op.create_table(
        "meeting_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("agenda_item_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("owner_account_id", sa.Uuid(), nullable=True),
        sa.Column("owner_unit_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            ondelete="CASCADE",
            name=op.f("fk_meeting_decision_meeting_id_meeting"),
        ),
        sa.ForeignKeyConstraint(
            ["agenda_item_id"],
            ["meeting_agenda_item.id"],
            ondelete="SET NULL",
            name=op.f("fk_meeting_decision_agenda_item_id_meeting_agenda_item"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_account_id"],
            ["staff_account.id"],
            ondelete="SET NULL",
            name=op.f("fk_meeting_decision_owner_account_id_staff_account"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit_id"],
            ["org_unit.id"],
            name=op.f("fk_meeting_decision_owner_unit_id_org_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_decision")),
    )
    op.create_index(
        "ix_meeting_decision_meeting", "meeting_decision", ["meeting_id", "created_at", "id"]
    )
    op.create_index(
        "ix_meeting_decision_board", "meeting_decision", ["org_path", "status", "due_on", "id"]
    )
    op.create_index(
        "ix_meeting_decision_status_due", "meeting_decision", ["status", "due_on", "id"]
    )
    op.create_table(
        "meeting_decision_update",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["meeting_decision.id"],
            ondelete="CASCADE",
            name=op.f("fk_meeting_decision_update_decision_id_meeting_decision"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_decision_update")),
    )
    op.create_index(
        "ix_meeting_decision_update_decision",
        "meeting_decision_update",
        ["decision_id", "at", "id"],
    )


def downgrade() -> None:
    op.drop_table("meeting_decision_update")
    op.drop_table("meeting_decision")
    op.drop_table("meeting_minute")
    op.drop_table("meeting_registration")
    op.drop_table("meeting_agenda_item")
    op.drop_table("meeting")
