"""notifications: on-call routes, preferences, inbox, deliveries, escalation timers, cursor

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_notification_cursor")),
    )
    op.create_table(
        "notification_preference",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("email", sa.LargeBinary(), nullable=True),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("push_endpoint", sa.String(length=2000), nullable=True),
        sa.Column("push_p256dh", sa.String(length=200), nullable=True),
        sa.Column("push_auth", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name=op.f("fk_notification_preference_account_id_staff_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_notification_preference")),
    )
    op.create_table(
        "notification_route",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("unit_path", sa.String(length=1024), nullable=False),
        sa.Column("severity_min", sa.String(length=16), nullable=False),
        sa.Column("staff_ids", sa.JSON(), nullable=False),
        sa.Column("ack_timeout_minutes", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_unit.id"],
            name=op.f("fk_notification_route_unit_id_org_unit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_route")),
        sa.UniqueConstraint(
            "unit_id", "severity_min", name=op.f("uq_notification_route_unit_id_severity_min")
        ),
    )
    with op.batch_alter_table("notification_route", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_route_unit_path"), ["unit_path"], unique=False
        )
    op.create_table(
        "resident_reach",
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("has_smartphone", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_resident_reach_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_resident_reach")),
    )
    with op.batch_alter_table("resident_reach", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_reach_org_path"), ["org_path"], unique=False)
    op.create_table(
        "notification",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("alarm_id", sa.Uuid(), nullable=True),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("suppressed", sa.JSON(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name=op.f("fk_notification_account_id_staff_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["alarm.id"],
            name=op.f("fk_notification_alarm_id_alarm"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "account_id", "dedupe_key", name=op.f("uq_notification_account_id_dedupe_key")
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_account_read", ["account_id", "read_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_alarm_id"), ["alarm_id"], unique=False)
    op.create_table(
        "notification_escalation",
        sa.Column("alarm_id", sa.Uuid(), nullable=False),
        sa.Column("route_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["alarm.id"],
            name=op.f("fk_notification_escalation_alarm_id_alarm"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["notification_route.id"],
            name=op.f("fk_notification_escalation_route_id_notification_route"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_escalation")),
        sa.UniqueConstraint("alarm_id", name=op.f("uq_notification_escalation_alarm_id")),
    )
    with op.batch_alter_table("notification_escalation", schema=None) as batch_op:
        batch_op.create_index("ix_notification_escalation_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notification_escalation_route_id"), ["route_id"], unique=False
        )
    op.create_table(
        "notification_delivery",
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("address", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("receipt_id", sa.String(length=200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name=op.f("fk_notification_delivery_account_id_staff_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_notification_delivery_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_delivery")),
    )
    with op.batch_alter_table("notification_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notification_delivery_notification_id"),
            ["notification_id"],
            unique=False,
        )
        batch_op.create_index("ix_notification_delivery_org_path", ["org_path"], unique=False)
        batch_op.create_index(
            "ix_notification_delivery_receipt", ["gateway", "receipt_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("notification_delivery")
    op.drop_table("notification_escalation")
    op.drop_table("notification")
    op.drop_table("resident_reach")
    op.drop_table("notification_route")
    op.drop_table("notification_preference")
    op.drop_table("notification_cursor")
