"""volunteers: profiles (name and phone encrypted), leave, programmes, shifts and sign-ups

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-10 09:00:00

A volunteer's home point is indexed (lat, lon) so matching reads a bounding box, never the
whole table; languages, skills, qualifications (with their last valid day) and weekly windows
are JSON on the profile. A sign-up copies its shift's times so a volunteer's overlaps and
"on another shift" are read from one index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "volunteer",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("phone", sa.LargeBinary(), nullable=True),
        sa.Column("phone_hash", sa.String(length=64), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_account.id"],
            name=op.f("fk_volunteer_account_id_staff_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_volunteer_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer")),
        sa.UniqueConstraint("account_id", name=op.f("uq_volunteer_account_id")),
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(
            "ix_volunteer_org_path", ["org_path", "created_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_volunteer_phone_hash"), ["phone_hash"], unique=False)

    op.create_table(
        "volunteer_programme",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("requires_confirmation", sa.Boolean(), nullable=False),
        sa.Column("coordinator_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["staff_account.id"],
            name=op.f("fk_volunteer_programme_coordinator_id_staff_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_volunteer_programme_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_programme")),
    )
    with op.batch_alter_table("volunteer_programme", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_programme_org_path", ["org_path", "created_at", "id"], unique=False
        )

    op.create_table(
        "volunteer_leave",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_leave_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_leave")),
    )
    with op.batch_alter_table("volunteer_leave", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_leave_volunteer", ["volunteer_id", "ends_at", "id"], unique=False
        )

    op.create_table(
        "volunteer_shift",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("needed", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("confirmed_count", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("short_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["volunteer_programme.id"],
            name=op.f("fk_volunteer_shift_programme_id_volunteer_programme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_shift")),
    )
    with op.batch_alter_table("volunteer_shift", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_shift_org_path", ["org_path", "starts_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_shift_programme", ["programme_id", "starts_at", "id"], unique=False
        )
        batch_op.create_index("ix_volunteer_shift_starts", ["starts_at", "id"], unique=False)

    op.create_table(
        "volunteer_signup",
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["volunteer_shift.id"],
            name=op.f("fk_volunteer_signup_shift_id_volunteer_shift"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_signup_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_signup")),
        sa.UniqueConstraint(
            "shift_id", "volunteer_id", name=op.f("uq_volunteer_signup_shift_id_volunteer_id")
        ),
    )
    with op.batch_alter_table("volunteer_signup", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteer_signup_order", ["shift_id", "status", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_signup_volunteer", ["volunteer_id", "starts_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteer_signup", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_signup_volunteer")
        batch_op.drop_index("ix_volunteer_signup_order")

    op.drop_table("volunteer_signup")
    with op.batch_alter_table("volunteer_shift", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_shift_starts")
        batch_op.drop_index("ix_volunteer_shift_programme")
        batch_op.drop_index("ix_volunteer_shift_org_path")

    op.drop_table("volunteer_shift")
    with op.batch_alter_table("volunteer_leave", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_leave_volunteer")

    op.drop_table("volunteer_leave")
    with op.batch_alter_table("volunteer_programme", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_programme_org_path")

    op.drop_table("volunteer_programme")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_phone_hash"))
        batch_op.drop_index("ix_volunteer_org_path")
        batch_op.drop_index("ix_volunteer_lat_lon")

    op.drop_table("volunteer")
