"""IoT queries, including the batched reading inserts of the ingest hot path."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from linli.iot.models import Device, LatestReading, Reading

# Rows per INSERT statement: 4 parameters a row stays far below both databases' limits.
CHUNK = 1000


def _insert(session: AsyncSession, model: type[Any]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"readings need PostgreSQL or SQLite, not {dialect}")


def devices(
    where: ColumnElement[bool], *, type: str | None = None, unit_path: str | None = None
) -> Select[Device]:
    """Select devices matching the filters, by code."""
    stmt = select(Device).where(where)
    if type is not None:
        stmt = stmt.where(Device.type == type)
    if unit_path is not None:
        stmt = stmt.where(Device.org_path.startswith(unit_path, autoescape=True))
    return stmt.order_by(Device.code)


async def device_by_code(session: AsyncSession, code: str) -> Device | None:
    """Return the device with `code`, or None."""
    return await session.scalar(select(Device).where(Device.code == code))


async def lock_device(session: AsyncSession, device_id: uuid.UUID) -> None:
    """Hold the device's row lock until the transaction ends (SQLite: one writer anyway)."""
    await session.execute(select(Device.id).where(Device.id == device_id).with_for_update())


async def insert_readings(
    session: AsyncSession, device_id: uuid.UUID, rows: Sequence[tuple[str, datetime, float]]
) -> set[tuple[str, datetime]]:
    """Insert (metric, ts, value) rows, skipping ones already stored; return the new keys."""
    if not rows:
        return set()
    # One cached statement run as "insertmanyvalues": SQLAlchemy batches the rows into
    # multi-row INSERTs and hands back RETURNING rows for the ones actually inserted.
    stmt = (
        _insert(session, Reading)
        .on_conflict_do_nothing(index_elements=["device_id", "metric", "ts"])
        .returning(Reading.metric, Reading.ts)
    )
    values = [{"device_id": device_id, "metric": m, "ts": ts, "value": v} for m, ts, v in rows]
    stored: set[tuple[str, datetime]] = {(m, ts) for m, ts in await session.execute(stmt, values)}
    return stored


async def latest(session: AsyncSession, device_id: uuid.UUID) -> list[LatestReading]:
    """Return the latest value of each metric of a device."""
    stmt = (
        select(LatestReading)
        .where(LatestReading.device_id == device_id)
        .order_by(LatestReading.metric)
    )
    return list(await session.scalars(stmt))


async def latest_times(session: AsyncSession, device_id: uuid.UUID) -> dict[str, datetime]:
    """Return the time of the latest stored value of each metric of a device."""
    stmt = select(LatestReading.metric, LatestReading.ts).where(
        LatestReading.device_id == device_id
    )
    return {metric: ts for metric, ts in await session.execute(stmt)}


async def upsert_latest(
    session: AsyncSession, device_id: uuid.UUID, newest: dict[str, tuple[datetime, float]]
) -> None:
    """Store each metric's newest (ts, value) unless a newer one is already stored."""
    if not newest:
        return
    base = _insert(session, LatestReading).values(
        [
            {"device_id": device_id, "metric": m, "ts": ts, "value": v}
            for m, (ts, v) in newest.items()
        ]
    )
    stmt = base.on_conflict_do_update(
        index_elements=["device_id", "metric"],
        set_={"ts": base.excluded.ts, "value": base.excluded.value},
        where=LatestReading.ts < base.excluded.ts,
    )
    await session.execute(stmt)


def readings(
    device_id: uuid.UUID,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select[Reading]:
    """Select a device's readings in [start, end), oldest first."""
    stmt = select(Reading).where(Reading.device_id == device_id)
    if metric is not None:
        stmt = stmt.where(Reading.metric == metric)
    if start is not None:
        stmt = stmt.where(Reading.ts >= start)
    if end is not None:
        stmt = stmt.where(Reading.ts < end)
    return stmt.order_by(Reading.ts, Reading.metric)


async def latest_of_devices(
    session: AsyncSession, where: ColumnElement[bool], *, limit: int
) -> list[tuple[Device, LatestReading]]:
    """Return (device, latest value) pairs of the devices matching `where`, by code and metric."""
    stmt = (
        select(Device, LatestReading)
        .join(LatestReading, LatestReading.device_id == Device.id)
        .where(where)
        .order_by(Device.code, LatestReading.metric)
        .limit(limit)
    )
    return [(d, r) for d, r in await session.execute(stmt)]
