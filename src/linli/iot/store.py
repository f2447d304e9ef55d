"""The readings store's write side: batched idempotent inserts and retention.

PostgreSQL batches of `COPY_MIN` rows or more are copied into a session-private staging table
and moved with one `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`: COPY is the cheapest
way into PostgreSQL and the conflict clause keeps a redelivered reading a no-op. Smaller batches
(and SQLite, whose `executemany` is already cheap in-process) take the multi-row INSERT path.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.iot import repository
from linli.iot.models import Device, Reading

COPY_MIN = 200
# Per device type, how many days readings are kept; types not listed keep `DEFAULT_RETENTION_DAYS`.
RETENTION_DAYS: dict[str, int] = {
    "AirQualityObserved": 400,
    "NoiseLevelObserved": 90,
    "Streetlight": 400,
    "SOSButton": 800,
    "SmokeDetector": 800,
}
DEFAULT_RETENTION_DAYS = 400

_STAGE = "reading_stage"
_STAGE_DDL = (
    f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} "
    "(device_id uuid NOT NULL, metric varchar(32) NOT NULL, ts timestamptz NOT NULL, "
    "value double precision NOT NULL) ON COMMIT DELETE ROWS"
)
_MOVE = (
    f"INSERT INTO reading (device_id, metric, ts, value) SELECT device_id, metric, ts, value "
    f"FROM {_STAGE} ON CONFLICT DO NOTHING RETURNING metric, ts"
)


async def store_readings(
    session: AsyncSession, device_id: uuid.UUID, rows: Sequence[tuple[str, datetime, float]]
) -> set[tuple[str, datetime]]:
    """Store (metric, ts, value) rows, skipping stored ones; return the keys actually stored."""
    if len(rows) < COPY_MIN or session.get_bind().dialect.name != "postgresql":
        return await repository.insert_readings(session, device_id, rows)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    pg = raw.driver_connection
    assert pg is not None
    await pg.execute(_STAGE_DDL)
    await pg.copy_records_to_table(
        _STAGE,
        records=[(device_id, m, clock.as_utc(ts), v) for m, ts, v in rows],
        columns=["device_id", "metric", "ts", "value"],
    )
    stored = {(r["metric"], clock.as_utc(r["ts"])) for r in await pg.fetch(_MOVE)}
    await pg.execute(f"TRUNCATE {_STAGE}")  # a second batch in the same transaction starts empty
    return stored


def retention_days(device_type: str) -> int:
    """Return how many days readings of `device_type` are kept."""
    return RETENTION_DAYS.get(device_type, DEFAULT_RETENTION_DAYS)


async def apply_retention(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete readings older than their device type's retention, one device at a time."""
    now = now or clock.now()
    removed = 0
    devices = await session.execute(select(Device.id, Device.type).order_by(Device.id))
    for device_id, type_ in devices.all():
        cutoff = now - timedelta(days=retention_days(type_))
        # One device per statement keeps each delete small and its locks short.
        result = await session.execute(
            delete(Reading).where(Reading.device_id == device_id, Reading.ts < cutoff)
        )
        removed += result.rowcount or 0  # type: ignore[attr-defined]
    return removed
