"""The readings store's read side: bucketed aggregates (1 minute, 1 hour, 1 day) and downsampling.

Aggregates are computed from the readings when asked, with one GROUP BY over the primary key
range (device, metric, ts): that keeps ingest free of rollup upkeep and is never stale. The bucket
is the epoch second rounded down, written per dialect.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.iot.models import Reading

BUCKETS: dict[str, timedelta] = {
    "1m": timedelta(minutes=1),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}
AGGREGATES = ("avg", "min", "max", "last")


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket of one metric: its start and min/max/avg/count/last."""

    metric: str
    start: datetime
    min: float
    max: float
    avg: float
    count: int
    last: float


def _epoch(session: AsyncSession) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", Reading.ts)), Integer)
    return cast(func.strftime("%s", Reading.ts), Integer)


def choose_bucket(start: datetime, end: datetime, max_points: int) -> str:
    """Return the finest bucket giving at most `max_points` per metric over [start, end)."""
    for name, width in BUCKETS.items():
        if (end - start) / width <= max_points:
            return name
    return "1d"


async def count_readings(
    session: AsyncSession,
    device_id: uuid.UUID,
    *,
    metric: str | None,
    start: datetime,
    end: datetime,
) -> int:
    """Count a device's readings in [start, end)."""
    stmt = select(func.count()).where(
        Reading.device_id == device_id, Reading.ts >= start, Reading.ts < end
    )
    if metric is not None:
        stmt = stmt.where(Reading.metric == metric)
    return int(await session.scalar(stmt) or 0)


async def buckets(
    session: AsyncSession,
    device_id: uuid.UUID,
    *,
    bucket: str,
    start: datetime,
    end: datetime,
    metric: str | None = None,
) -> list[Bucket]:
    """Return min/max/avg/count/last per bucket and metric over [start, end), oldest first."""
    seconds = int(BUCKETS[bucket].total_seconds())
    epoch = _epoch(session)
    slot = (epoch - epoch % seconds).label("slot")
    where = [Reading.device_id == device_id, Reading.ts >= start, Reading.ts < end]
    if metric is not None:
        where.append(Reading.metric == metric)
    # The newest value of each bucket: rank rows by time within (metric, slot).
    ranked = (
        select(
            Reading.metric,
            slot,
            Reading.value,
            func.row_number()
            .over(partition_by=(Reading.metric, slot), order_by=Reading.ts.desc())
            .label("rank"),
        )
        .where(*where)
        .subquery()
    )
    stmt = (
        select(
            ranked.c.metric,
            ranked.c.slot,
            func.min(ranked.c.value),
            func.max(ranked.c.value),
            func.avg(ranked.c.value),
            func.count(),
            func.max(ranked.c.value).filter(ranked.c.rank == 1),
        )
        .group_by(ranked.c.metric, ranked.c.slot)
        .order_by(ranked.c.slot, ranked.c.metric)
    )
    return [
        Bucket(
            metric=m,
            start=datetime.fromtimestamp(int(s), UTC),
            min=float(lo),
            max=float(hi),
            avg=float(mean),
            count=int(n),
            last=float(last),
        )
        for m, s, lo, hi, mean, n, last in await session.execute(stmt)
    ]
