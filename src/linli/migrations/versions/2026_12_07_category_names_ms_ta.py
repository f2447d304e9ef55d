"""category names in Malay and Tamil

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 12:00:00

Residents read category names in their language: `case_category` gains `name_ms` and `name_ta`
beside `name_zh`. Categories of the shipped catalogue get the names it gives them.
"""

import csv
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from linli.cases.catalogue import DEMO_CATALOGUE

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_category") as batch:
        batch.add_column(sa.Column("name_ms", sa.String(200), nullable=True))
        batch.add_column(sa.Column("name_ta", sa.String(200), nullable=True))
    table = sa.table(
        "case_category",
        sa.column("code", sa.String),
        sa.column("name_ms", sa.String),
        sa.column("name_ta", sa.String),
    )
    with DEMO_CATALOGUE.open(encoding="utf-8") as fp:
        rows = [r for r in csv.DictReader(fp) if r.get("name_ms") or r.get("name_ta")]
    for row in rows:
        op.execute(
            table.update()
            .where(table.c.code == row["code"])
            .values(name_ms=row.get("name_ms") or None, name_ta=row.get("name_ta") or None)
        )


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy would drop the table that
    # cases' foreign keys point at.
    op.drop_column("case_category", "name_ta")
    op.drop_column("case_category", "name_ms")
