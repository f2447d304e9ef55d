"""partition the readings tables by time on PostgreSQL (recent rows by day, packed hours and
rollups by month), each with a DEFAULT partition; nothing changes on SQLite

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 23:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from alembic import op
from sqlalchemy import text

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, partition key, one partition per); names as in `linli.iot.partitions` at this revision.
_TABLES = (
    ("reading_recent", "ts", "day"),
    ("reading_compact", "hour", "month"),
    ("reading_rollup_1m", "start", "month"),
    ("reading_rollup_1h", "start", "month"),
)
_VIEW = (
    "CREATE VIEW reading AS SELECT s.device_id AS device_id, s.metric AS metric, "
    "r.ts AS ts, r.value AS value FROM reading_recent r JOIN reading_series s ON s.id = r.series_id"
)


def _keys(table: str, column: str) -> str:
    return (
        f'CONSTRAINT pk_{table} PRIMARY KEY (series_id, "{column}"), '
        f"CONSTRAINT fk_{table}_series_id_reading_series FOREIGN KEY (series_id) "
        "REFERENCES reading_series (id) ON DELETE CASCADE"
    )


def _set_aside(table: str, suffix: str) -> str:
    """Rename `table` and its primary key (an index name) out of the way; return the new name."""
    old = f"{table}_{suffix}"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
    return old


def _partition(table: str, column: str, unit: str, start: datetime) -> None:
    start = start.astimezone(UTC)
    if unit == "day":
        name, end = f"{table}_p{start:%Y%m%d}", start + timedelta(days=1)
    else:
        name, end = f"{table}_p{start:%Y%m}", (start + timedelta(days=32)).replace(day=1)
    op.execute(
        f"CREATE TABLE {name} PARTITION OF {table} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP VIEW reading")
    for table, column, unit in _TABLES:
        old = _set_aside(table, "unpartitioned")
        op.execute(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS, {_keys(table, column)}) "
            f'PARTITION BY RANGE ("{column}")'
        )
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        # Existing rows go straight to their own partitions; DEFAULT starts empty.
        starts = op.get_bind().execute(
            text(f"SELECT DISTINCT date_trunc('{unit}', \"{column}\", 'UTC') FROM {old}")
        )
        for (start,) in starts.all():
            _partition(table, column, unit, start)
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.drop_table(old)
    op.execute(_VIEW)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP VIEW reading")
    for table, column, _ in _TABLES:
        old = _set_aside(table, "partitioned")
        op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS, {_keys(table, column)})")
        op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        op.execute(f"DROP TABLE {old}")  # with all its partitions
    op.execute(_VIEW)
