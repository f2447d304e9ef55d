"""compact readings: series, narrow recent rows, compacted hours, 1-minute and 1-hour rollups

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW = (
    "CREATE VIEW reading AS SELECT s.device_id AS device_id, s.metric AS metric, "
    "r.ts AS ts, r.value AS value FROM reading_recent r JOIN reading_series s ON s.id = r.series_id"
)


def _series_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["series_id"],
        ["reading_series.id"],
        name=op.f(f"fk_{table}_series_id_reading_series"),
        ondelete="CASCADE",
    )


def _rollup(table: str) -> None:
    op.create_table(
        table,
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("min", sa.Float(), nullable=False),
        sa.Column("max", sa.Float(), nullable=False),
        sa.Column("sum", sa.Float(), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
        sa.Column("last_ts", sa.DateTime(timezone=True), nullable=False),
        _series_fk(table),
        sa.PrimaryKeyConstraint("series_id", "start", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.create_table(
        "reading_series",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("compacted_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_reading_series_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_series")),
        sa.UniqueConstraint("device_id", "metric", name=op.f("uq_reading_series_device_id_metric")),
    )
    op.create_table(
        "reading_recent",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        _series_fk("reading_recent"),
        sa.PrimaryKeyConstraint("series_id", "ts", name=op.f("pk_reading_recent")),
    )
    op.create_table(
        "reading_compact",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("offsets", sa.LargeBinary(), nullable=False),
        sa.Column("values", sa.LargeBinary(), nullable=False),
        _series_fk("reading_compact"),
        sa.PrimaryKeyConstraint("series_id", "hour", name=op.f("pk_reading_compact")),
    )
    _rollup("reading_rollup_1m")
    _rollup("reading_rollup_1h")
    # Existing readings become recent rows; the next compaction folds their closed hours.
    op.execute(
        "INSERT INTO reading_series (device_id, metric) "
        "SELECT DISTINCT device_id, metric FROM reading"
    )
    op.execute(
        "INSERT INTO reading_recent (series_id, ts, value) SELECT s.id, r.ts, r.value "
        "FROM reading r JOIN reading_series s ON s.device_id = r.device_id AND s.metric = r.metric"
    )
    op.drop_table("reading")
    op.execute(_VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW reading")
    op.create_table(
        "reading",
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["device.id"],
            name=op.f("fk_reading_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("device_id", "metric", "ts", name=op.f("pk_reading")),
    )
    # Compacted hours are not unpacked here: a downgrade keeps only the recent readings.
    op.execute(
        "INSERT INTO reading (device_id, metric, ts, value) SELECT device_id, metric, ts, value "
        "FROM reading_recent r JOIN reading_series s ON s.id = r.series_id"
    )
    for table in (
        "reading_rollup_1h",
        "reading_rollup_1m",
        "reading_compact",
        "reading_recent",
        "reading_series",
    ):
        op.drop_table(table)
