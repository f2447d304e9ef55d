"""words in the reader's language: what a rule's case is made of, Chinese names of places

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 09:00:00

A case a rule opened keeps, beside its stored title and description, the template key and
parameters they were rendered from, so pages render them in each reader's language (cases
opened before keep their stored words only). Buildings and devices get a Chinese name beside
their name, as org units have, and devices are found by building and type to number several of
a type at one building.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_record") as batch:
        batch.add_column(sa.Column("text_key", sa.String(32), nullable=True))
        batch.add_column(sa.Column("text_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("building") as batch:
        batch.add_column(sa.Column("name_zh", sa.String(200), nullable=True))
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("name_zh", sa.String(200), nullable=True))
    op.create_index(
        "ix_device_building_type_code", "device", ["building_id", "type", "code"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_device_building_type_code", table_name="device")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("name_zh")
    with op.batch_alter_table("building") as batch:
        batch.drop_column("name_zh")
    with op.batch_alter_table("case_record") as batch:
        batch.drop_column("text_params")
        batch.drop_column("text_key")
