"""care: profiles with consent, carers, contacts, home devices, monitors, away periods,
alerts with their steps, and texts to people in care and their contacts

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_profile",
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("consent_method", sa.String(length=16), nullable=False),
        sa.Column("consent_by", sa.String(length=200), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
        sa.Column("health_notes", sa.LargeBinary(), nullable=True),
        sa.Column("access_notes", sa.LargeBinary(), nullable=True),
        sa.Column("ok_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("contact_wait_minutes", sa.Integer(), nullable=False),
        sa.Column("routine_state", sa.JSON(), nullable=True),
        sa.Column("learning_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_care_profile_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_care_profile_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_profile")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_care_profile_resident_id")),
    )
    with op.batch_alter_table("care_profile", schema=None) as batch_op:
        batch_op.create_index("ix_care_profile_org_path", ["org_path", "id"], unique=False)

    op.create_table(
        "care_alert",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("monitor", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_care_alert_case_id_case_record"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["care_profile.id"],
            name=op.f("fk_care_alert_profile_id_care_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_alert")),
    )
    with op.batch_alter_table("care_alert", schema=None) as batch_op:
        batch_op.create_index("ix_care_alert_next", ["next_at", "id"], unique=False)
        batch_op.create_index(
            "ix_care_alert_org_path", ["org_path", "raised_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_care_alert_profile", ["profile_id", "raised_at", "id"], unique=False
        )

    op.create_table(
        "care_away",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["care_profile.id"],
            name=op.f("fk_care_away_profile_id_care_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_away")),
    )
    with op.batch_alter_table("care_away", schema=None) as batch_op:
        batch_op.create_index("ix_care_away_profile", ["profile_id", "ends_at"], unique=False)

    op.create_table(
        "care_carer",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name=op.f("fk_care_carer_account_id_staff_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["care_profile.id"],
            name=op.f("fk_care_carer_profile_id_care_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_carer")),
        sa.UniqueConstraint(
            "profile_id", "account_id", name=op.f("uq_care_carer_profile_id_account_id")
        ),
    )
    with op.batch_alter_table("care_carer", schema=None) as batch_op:
        batch_op.create_index("ix_care_carer_account", ["account_id", "profile_id"], unique=False)

    op.create_table(
        "care_contact",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["care_profile.id"],
            name=op.f("fk_care_contact_profile_id_care_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_contact")),
        sa.UniqueConstraint(
            "profile_id", "position", name=op.f("uq_care_contact_profile_id_position")
        ),
    )
    op.create_table(
        "care_device",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_care_device_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["care_profile.id"],
            name=op.f("fk_care_device_profile_id_care_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_device")),
        sa.UniqueConstraint("device_id", name=op.f("uq_care_device_device_id")),
    )
    with op.batch_alter_table("care_device", schema=None) as batch_op:
        batch_op.create_index("ix_care_device_profile", ["profile_id", "id"], unique=False)

    op.create_table(
        "care_monitor",
        sa.Column("profile_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.Column("false_alarms", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["care_profile.id"],
            name=op.f("fk_care_monitor_profile_id_care_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_monitor")),
        sa.UniqueConstraint("profile_id", "kind", name=op.f("uq_care_monitor_profile_id_kind")),
    )
    with op.batch_alter_table("care_monitor", schema=None) as batch_op:
        batch_op.create_index("ix_care_monitor_due", ["due_at", "id"], unique=False)

    op.create_table(
        "care_alert_step",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["care_alert.id"],
            name=op.f("fk_care_alert_step_alert_id_care_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_alert_step")),
    )
    with op.batch_alter_table("care_alert_step", schema=None) as batch_op:
        batch_op.create_index("ix_care_alert_step_alert", ["alert_id", "at", "id"], unique=False)

    op.create_table(
        "care_message",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["care_alert.id"],
            name=op.f("fk_care_message_alert_id_care_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_message")),
    )
    with op.batch_alter_table("care_message", schema=None) as batch_op:
        batch_op.create_index("ix_care_message_alert", ["alert_id", "id"], unique=False)
        batch_op.create_index(
            "ix_care_message_status", ["status", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("care_message", schema=None) as batch_op:
        batch_op.drop_index("ix_care_message_status")
        batch_op.drop_index("ix_care_message_alert")

    op.drop_table("care_message")
    with op.batch_alter_table("care_alert_step", schema=None) as batch_op:
        batch_op.drop_index("ix_care_alert_step_alert")

    op.drop_table("care_alert_step")
    with op.batch_alter_table("care_monitor", schema=None) as batch_op:
        batch_op.drop_index("ix_care_monitor_due")

    op.drop_table("care_monitor")
    with op.batch_alter_table("care_device", schema=None) as batch_op:
        batch_op.drop_index("ix_care_device_profile")

    op.drop_table("care_device")
    op.drop_table("care_contact")
    with op.batch_alter_table("care_carer", schema=None) as batch_op:
        batch_op.drop_index("ix_care_carer_account")

    op.drop_table("care_carer")
    with op.batch_alter_table("care_away", schema=None) as batch_op:
        batch_op.drop_index("ix_care_away_profile")

    op.drop_table("care_away")
    with op.batch_alter_table("care_alert", schema=None) as batch_op:
        batch_op.drop_index("ix_care_alert_profile")
        batch_op.drop_index("ix_care_alert_org_path")
        batch_op.drop_index("ix_care_alert_next")

    op.drop_table("care_alert")
    with op.batch_alter_table("care_profile", schema=None) as batch_op:
        batch_op.drop_index("ix_care_profile_org_path")

    op.drop_table("care_profile")
