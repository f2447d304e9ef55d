"""dispatch to people, joint cases, arbitration, overdue ledger, deadline warnings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("return_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("arbitrated_unit_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_record_arbitrated_unit_id_org_unit"),
            "org_unit",
            ["arbitrated_unit_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_case_record_warn_at"), ["warn_at"], unique=False)

    op.create_table(
        "case_participant",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("unit_path", sa.String(length=1024), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_participant_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_case_participant_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_participant")),
        sa.UniqueConstraint("case_id", "unit_id", name=op.f("uq_case_participant_case_id_unit_id")),
    )
    with op.batch_alter_table("case_participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_participant_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_participant_unit_path", ["unit_path"], unique=False)

    op.create_table(
        "case_overdue_entry",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("unit_path", sa.String(length=1024), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("explained_by", sa.String(length=100), nullable=True),
        sa.Column("explained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_overdue_entry_case_id_case_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_unit.id"], name=op.f("fk_case_overdue_entry_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_overdue_entry")),
    )
    with op.batch_alter_table("case_overdue_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_overdue_entry_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_overdue_entry_resolved_at"), ["resolved_at"], unique=False
        )
        batch_op.create_index("ix_case_overdue_entry_unit_path", ["unit_path"], unique=False)


def downgrade() -> None:
    op.drop_table("case_overdue_entry")
    op.drop_table("case_participant")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_record_warn_at"))
        batch_op.drop_constraint(
            batch_op.f("fk_case_record_arbitrated_unit_id_org_unit"), type_="foreignkey"
        )
        batch_op.drop_column("warn_at")
        batch_op.drop_column("arbitrated_unit_id")
        batch_op.drop_column("return_count")
