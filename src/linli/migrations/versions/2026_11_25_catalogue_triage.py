"""category catalogue as data, triage decisions and models, "me too" count

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_category", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_code", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="event", nullable=False)
        )
        batch_op.add_column(
            sa.Column("level", sa.String(length=8), server_default="minor", nullable=False)
        )
        batch_op.add_column(
            sa.Column("required_evidence", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("duplicate_radius_m", sa.Integer(), server_default="100", nullable=False)
        )
        batch_op.add_column(
            sa.Column("duplicate_window_hours", sa.Integer(), server_default="24", nullable=False)
        )
        batch_op.add_column(sa.Column("examples", sa.JSON(), server_default="[]", nullable=False))
        batch_op.create_index(batch_op.f("ix_case_category_parent_code"), ["parent_code"])
        batch_op.create_foreign_key(
            batch_op.f("fk_case_category_parent_code_case_category"),
            "case_category",
            ["parent_code"],
            ["code"],
            ondelete="SET NULL",
        )
    # Existing categories: the photo rule becomes required evidence.
    op.execute(
        sa.text("UPDATE case_category SET required_evidence = '[\"photo\"]' WHERE requires_photo")
    )

    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("me_too_count", sa.Integer(), server_default="0", nullable=False)
        )

    op.create_table(
        "case_triage_decision",
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("suggested_code", sa.String(length=64), nullable=True),
        sa.Column("chosen_code", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_record.id"],
            name=op.f("fk_case_triage_decision_case_id_case_record"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["chosen_code"],
            ["case_category.code"],
            name=op.f("fk_case_triage_decision_chosen_code_case_category"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_triage_decision")),
    )
    with op.batch_alter_table("case_triage_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_triage_decision_at"), ["at"])
        batch_op.create_index(batch_op.f("ix_case_triage_decision_case_id"), ["case_id"])

    op.create_table(
        "case_triage_model",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("categories", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_triage_model")),
        sa.UniqueConstraint("version", name=op.f("uq_case_triage_model_version")),
    )


def downgrade() -> None:
    op.drop_table("case_triage_model")
    with op.batch_alter_table("case_triage_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_triage_decision_case_id"))
        batch_op.drop_index(batch_op.f("ix_case_triage_decision_at"))
    op.drop_table("case_triage_decision")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("me_too_count")
    with op.batch_alter_table("case_category", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_category_parent_code_case_category"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_category_parent_code"))
        for column in (
            "examples",
            "duplicate_window_hours",
            "duplicate_radius_m",
            "required_evidence",
            "level",
            "kind",
            "parent_code",
        ):
            batch_op.drop_column(column)
