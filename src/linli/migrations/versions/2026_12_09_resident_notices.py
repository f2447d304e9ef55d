"""notices to residents: aimed, scheduled, read receipts and calls to those offline

Revision ID: 0027
Revises: 0026a
Create Date: 2026-12-09 09:00:00

A notice is written by staff in one or more languages for an org subtree, optionally some of its
buildings and one group (seniors living alone); it is published at once or when its time comes,
and may expire or be withdrawn. Residents' accounts leave a receipt the first time they open
one; volunteers record their calls to residents without a smartphone, a reached call counting as
delivered. Notices are numbered N-000001 from their own reference sequence.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from linli.core import refs

revision: str = "0027"
down_revision: str | None = "0026a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "resident_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ref", sa.String(32), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("fallback_locale", sa.String(16), nullable=False),
        sa.Column("group", sa.String(16), nullable=False),
        sa.Column("all_buildings", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(100), nullable=True),
        sa.Column("audience_count", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_resident_notice_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_notice")),
        sa.UniqueConstraint("ref", name=op.f("uq_resident_notice_ref")),
    )
    op.create_index(
        "ix_resident_notice_org_created",
        "resident_notice",
        ["org_path", "created_at", "id"],
        postgresql_ops={"org_path": "varchar_pattern_ops"},
    )
    op.create_index(
        "ix_resident_notice_status_publish", "resident_notice", ["status", "publish_at"]
    )
    op.create_index(
        "ix_resident_notice_status_published",
        "resident_notice",
        ["status", "published_at", "id"],
    )
    op.create_table(
        "resident_notice_building",
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["resident_notice.id"],
            name=op.f("fk_resident_notice_building_notice_id_resident_notice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_resident_notice_building_building_id_building"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "notice_id", "building_id", name=op.f("pk_resident_notice_building")
        ),
    )
    op.create_index(
        "ix_resident_notice_building_building", "resident_notice_building", ["building_id"]
    )
    op.create_table(
        "resident_notice_read",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("building_id", sa.Uuid(), nullable=True),
        sa.Column("org_path", sa.String(1024), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["resident_notice.id"],
            name=op.f("fk_resident_notice_read_notice_id_resident_notice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_notice_read")),
        sa.UniqueConstraint(
            "notice_id", "account_id", name=op.f("uq_resident_notice_read_notice_id_account_id")
        ),
    )
    op.create_table(
        "resident_notice_call",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("resident_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(1024), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("called_by", sa.String(100), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["resident_notice.id"],
            name=op.f("fk_resident_notice_call_notice_id_resident_notice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_resident_notice_call_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_notice_call")),
    )
    op.create_index(
        "ix_resident_notice_call_notice",
        "resident_notice_call",
        ["notice_id", "resident_id", "called_at"],
    )
    refs.create_ref_sequence(op, "notice")


def downgrade() -> None:
    refs.drop_ref_sequence(op, "notice")
    op.drop_index("ix_resident_notice_call_notice", table_name="resident_notice_call")
    op.drop_table("resident_notice_call")
    op.drop_table("resident_notice_read")
    op.drop_index("ix_resident_notice_building_building", table_name="resident_notice_building")
    op.drop_table("resident_notice_building")
    op.drop_index("ix_resident_notice_status_published", table_name="resident_notice")
    op.drop_index("ix_resident_notice_status_publish", table_name="resident_notice")
    op.drop_index("ix_resident_notice_org_created", table_name="resident_notice")
    op.drop_table("resident_notice")
