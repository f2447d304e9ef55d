"""category settings: each top-level tree (district or town) keeps its own values of a
category's overridable settings over the shared catalogue

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00

One row per (tree root, category) a tree has changed; a null field keeps the shared default.
The unique constraint is the index every case's lookup uses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "category_setting",
        sa.Column("tree_id", sa.Uuid(), nullable=False),
        sa.Column("tree_path", sa.String(length=40), nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("step_limits", sa.JSON(), nullable=True),
        sa.Column("required_evidence", sa.JSON(), nullable=True),
        sa.Column("duplicate_radius_m", sa.Integer(), nullable=True),
        sa.Column("duplicate_window_hours", sa.Integer(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=True),
        sa.Column("round_location_m", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tree_id"],
            ["org_unit.id"],
            name=op.f("fk_category_setting_tree_id_org_unit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["case_category.code"],
            name=op.f("fk_category_setting_category_code_case_category"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_setting")),
        sa.UniqueConstraint(
            "tree_id", "category_code", name=op.f("uq_category_setting_tree_id_category_code")
        ),
    )
    op.create_index(
        op.f("ix_category_setting_category_code"),
        "category_setting",
        ["category_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_category_setting_category_code"), table_name="category_setting")
    op.drop_table("category_setting")
