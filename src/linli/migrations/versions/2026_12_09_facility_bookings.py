"""facility bookings: facilities with their rules, bookings and the slots they hold, the waitlist,
suspensions after no-shows, and the bookings' reference numbers

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-09 09:00:00

A booking holds one `booking_slot` row per slot, keyed by (facility, slot start), so two bookings
of one slot cannot both be stored on either database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from linli.core import refs

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "facility",
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("place_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("days", sa.String(length=7), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("need_level", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=1024), nullable=True),
        sa.Column("min_minutes", sa.Integer(), nullable=False),
        sa.Column("max_minutes", sa.Integer(), nullable=False),
        sa.Column("min_ahead_minutes", sa.Integer(), nullable=False),
        sa.Column("max_ahead_days", sa.Integer(), nullable=False),
        sa.Column("weekly_quota", sa.Integer(), nullable=False),
        sa.Column("cancel_cutoff_minutes", sa.Integer(), nullable=False),
        sa.Column("checkin_before_minutes", sa.Integer(), nullable=False),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("no_show_limit", sa.Integer(), nullable=True),
        sa.Column("suspension_weeks", sa.Integer(), nullable=False),
        sa.Column("fee_per_hour", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("checkin_code", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_facility_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["place_id"], ["place.id"], name=op.f("fk_facility_place_id_place"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility")),
    )
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.create_index("ix_facility_name_id", ["name", "id"], unique=False)
        batch_op.create_index(
            "ix_facility_org_path_name",
            ["org_path", "name", "id"],
            unique=False,
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(batch_op.f("ix_facility_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_facility_place_id"), ["place_id"], unique=False)

    op.create_table(
        "booking",
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("proxy_account_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fee_status", sa.String(length=16), nullable=False),
        sa.Column("fee_recorded_by", sa.String(length=200), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.String(length=200), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
            name=op.f("fk_booking_facility_id_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        sa.UniqueConstraint("ref", name=op.f("uq_booking_ref")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_account_starts", ["account_id", "starts_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_booking_facility_starts", ["facility_id", "starts_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_booking_org_path_starts",
            ["org_path", "starts_at", "id"],
            unique=False,
            postgresql_ops={"org_path": "varchar_pattern_ops"},
        )
        batch_op.create_index(
            "ix_booking_status_starts", ["status", "starts_at", "id"], unique=False
        )

    op.create_table(
        "booking_suspension",
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("no_shows", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
            name=op.f("fk_booking_suspension_facility_id_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_suspension")),
    )
    with op.batch_alter_table("booking_suspension", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_suspension_who", ["facility_id", "account_id", "until"], unique=False
        )

    op.create_table(
        "booking_slot",
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_booking_slot_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
            name=op.f("fk_booking_slot_facility_id_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facility_id", "starts_at", name=op.f("pk_booking_slot")),
    )
    with op.batch_alter_table("booking_slot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_slot_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "booking_waitlist",
        sa.Column("facility_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("proxy_account_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("home_path", sa.String(length=1024), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_booking_waitlist_booking_id_booking"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
            name=op.f("fk_booking_waitlist_facility_id_facility"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_waitlist")),
        sa.UniqueConstraint(
            "facility_id",
            "starts_at",
            "account_id",
            name=op.f("uq_booking_waitlist_facility_id_starts_at_account_id"),
        ),
    )
    with op.batch_alter_table("booking_waitlist", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_waitlist_account", ["account_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_booking_waitlist_queue", ["facility_id", "status", "created_at", "id"], unique=False
        )
    refs.create_ref_sequence(op, "booking")


def downgrade() -> None:
    refs.drop_ref_sequence(op, "booking")
    with op.batch_alter_table("booking_waitlist", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_waitlist_queue")
        batch_op.drop_index("ix_booking_waitlist_account")

    op.drop_table("booking_waitlist")
    with op.batch_alter_table("booking_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_slot_booking_id"))

    op.drop_table("booking_slot")
    with op.batch_alter_table("booking_suspension", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_suspension_who")

    op.drop_table("booking_suspension")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_status_starts")
        batch_op.drop_index(
            "ix_booking_org_path_starts", postgresql_ops={"org_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index("ix_booking_facility_starts")
        batch_op.drop_index("ix_booking_account_starts")

    op.drop_table("booking")
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_place_id"))
        batch_op.drop_index(batch_op.f("ix_facility_org_unit_id"))
        batch_op.drop_index(
            "ix_facility_org_path_name", postgresql_ops={"org_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index("ix_facility_name_id")

    op.drop_table("facility")
