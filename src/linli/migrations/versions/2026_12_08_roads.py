"""roads: the named roads of a site, drawn on the maps' base layer

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 09:00:00

Each road is a GeoJSON (Multi)LineString in lon/lat with its box (for the maps' box queries) and
the org unit it belongs to. The demo sites load theirs; existing installs start with none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "road",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("org_path", sa.String(length=1024), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_road_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_road")),
        sa.UniqueConstraint("code", name=op.f("uq_road_code")),
    )
    with op.batch_alter_table("road") as batch:
        batch.create_index("ix_road_org_path", ["org_path"], unique=False)
        batch.create_index(batch.f("ix_road_org_unit_id"), ["org_unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("road") as batch:
        batch.drop_index(batch.f("ix_road_org_unit_id"))
        batch.drop_index("ix_road_org_path")
    op.drop_table("road")
