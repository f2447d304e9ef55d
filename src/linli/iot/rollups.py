"""The readings store's read side: raw points, counts and buckets (1 minute, 1 hour, 1 day) over
both parts of a series, the packed hours and the recent rows, as if they were one.

Buckets over whole compacted hours come from the rollups that compaction wrote (1-minute rollups
for 1m, 1-hour rollups for 1h and 1d); partly covered hours and recent readings are aggregated from
their points. Partial aggregates of one bucket are merged, so the answer never depends on where
the compaction boundary lies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.iot import packing, repository
from linli.iot.models import CompactHour, Reading

BUCKETS: dict[str, timedelta] = {
    "1m": timedelta(minutes=1),
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
}
AGGREGATES = ("avg", "min", "max", "last")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PAGE_HOURS = 48


@dataclass(frozen=True, slots=True)
class Point:
    """One stored reading."""

    metric: str
    ts: datetime
    value: float


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


def choose_bucket(start: datetime, end: datetime, max_points: int) -> str:
    """Return the finest bucket giving at most `max_points` per metric over [start, end)."""
    for name, width in BUCKETS.items():
        if (end - start) / width <= max_points:
            return name
    return "1d"


def _inside(ts: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or ts >= start) and (end is None or ts < end)


async def points(
    session: AsyncSession,
    device_id: uuid.UUID,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    after: tuple[datetime, str] | None = None,
    limit: int = 1000,
) -> list[Point]:
    """Return a device's readings in [start, end) after the key (ts, metric), by that key."""
    found: list[Point] = []
    low = start if after is None or (start is not None and start > after[0]) else after[0]
    offset, horizon = 0, None
    while True:
        stmt = repository.compact_hours(device_id, metric=metric, start=low, end=end)
        page = list(await session.execute(stmt.offset(offset).limit(_PAGE_HOURS)))
        for m, packed in page:
            found.extend(
                Point(m, ts, v)
                for ts, v in packing.unpack(packed.hour, packed.offsets, packed.values)
                if _inside(ts, start, end) and (after is None or (ts, m) > after)
            )
        if len(page) < _PAGE_HOURS:
            horizon = None  # every packed hour is read: recent rows are wanted up to `end`
            break
        offset += len(page)
        # Every point before the last page's last hour is known; stop once those are enough.
        horizon = clock.as_utc(page[-1][1].hour)
        if sum(1 for p in found if p.ts < horizon) >= limit:
            break
    recent = repository.recent(device_id, metric=metric, start=start, end=end, after=after)
    if horizon is not None:
        recent = recent.where(Reading.ts < horizon)
    found.extend(Point(m, ts, v) for m, ts, v in await session.execute(recent.limit(limit)))
    found.sort(key=lambda p: (p.ts, p.metric))
    return found[:limit]


async def point_before(
    session: AsyncSession, device_id: uuid.UUID, metric: str, ts: datetime
) -> tuple[datetime, float] | None:
    """Return the (ts, value) of a series' newest reading before `ts`, if any."""
    stmt = repository.recent(device_id, metric=metric, end=ts).order_by(None)
    stmt = stmt.order_by(Reading.ts.desc()).limit(1)
    recent = (await session.execute(stmt)).first()
    packed_stmt = repository.compact_hours(device_id, metric=metric, end=ts).order_by(None)
    packed_stmt = packed_stmt.order_by(CompactHour.hour.desc()).limit(1)
    packed = (await session.execute(packed_stmt)).first()
    best = (clock.as_utc(recent[1]), recent[2]) if recent is not None else None
    if packed is not None:
        hour = packed[1]
        older = [p for p in packing.unpack(hour.hour, hour.offsets, hour.values) if p[0] < ts]
        if older and (best is None or older[-1][0] > best[0]):
            best = older[-1]
    return best


async def count_readings(
    session: AsyncSession,
    device_id: uuid.UUID | None = None,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """Count stored readings in [start, end) in all their forms, recent rows and packed hours:
    of one device (one metric, if given), or of every device.

    One statement, so one snapshot: a reading that compaction moves meanwhile is counted once,
    in the form the snapshot holds it, on PostgreSQL (READ COMMITTED) as on SQLite.
    """
    raw, whole, partial = repository.count_parts(device_id, metric=metric, start=start, end=end)
    if partial is None:
        row = (await session.execute(select(raw, whole))).one()
        return int(row[0]) + int(row[1])
    total: int | None = None
    for n_raw, n_whole, hour, offsets in await session.execute(partial):
        total = int(n_raw) + int(n_whole) if total is None else total
        if hour is not None:
            total += _count_offsets(clock.as_utc(hour), offsets, start, end)
    assert total is not None  # the statement yields at least one row
    return total


def _count_offsets(
    hour: datetime, offsets: bytes, start: datetime | None, end: datetime | None
) -> int:
    """Count a packed hour's points in [start, end)."""
    micros = np.frombuffer(offsets, dtype="<u4")
    inside = np.ones(len(micros), dtype=bool)
    if start is not None:
        inside &= micros >= (start - hour) // timedelta(microseconds=1)
    if end is not None:
        inside &= micros < (end - hour) // timedelta(microseconds=1)
    return int(inside.sum())


_Agg = tuple[int, float, float, float, float, datetime]


def _merge(into: dict[tuple[str, datetime], _Agg], key: tuple[str, datetime], part: _Agg) -> None:
    found = into.get(key)
    if found is None:
        into[key] = part
        return
    n, lo, hi, total, last, last_ts = found
    pn, plo, phi, ptotal, plast, plast_ts = part
    newer = plast_ts > last_ts
    into[key] = (
        n + pn,
        min(lo, plo),
        max(hi, phi),
        total + ptotal,
        plast if newer else last,
        plast_ts if newer else last_ts,
    )


def _slot(ts: datetime, seconds: int) -> datetime:
    epoch = int((ts - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=epoch - epoch % seconds)


def _add_points(
    into: dict[tuple[str, datetime], _Agg],
    rows: Iterable[tuple[str, datetime, float]],
    seconds: int,
) -> None:
    for m, ts, v in rows:
        _merge(into, (m, _slot(ts, seconds)), (1, v, v, v, v, ts))


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
    aggs: dict[tuple[str, datetime], _Agg] = {}
    whole: set[tuple[str, datetime]] = set()
    stmt = repository.compact_hours(device_id, metric=metric, start=start, end=end)
    for m, packed in await session.execute(stmt):
        hour = clock.as_utc(packed.hour)
        if hour >= start and hour + packing.HOUR <= end:
            whole.add((m, hour))
            continue
        _add_points(
            aggs,
            (
                (m, ts, v)
                for ts, v in packing.unpack(hour, packed.offsets, packed.values)
                if start <= ts < end
            ),
            seconds,
        )
    if whole:
        width = "1m" if bucket == "1m" else "1h"
        hours = sorted({h for _, h in whole})
        rows = repository.rollups(width, device_id, metric=metric, hours=hours)
        for m, r in await session.execute(rows):
            begins = clock.as_utc(r.start)
            if (m, packing.floor_hour(begins)) not in whole:
                continue
            part = (r.count, r.min, r.max, r.sum, r.last, clock.as_utc(r.last_ts))
            _merge(aggs, (m, _slot(begins, seconds)), part)
    recent = repository.recent(device_id, metric=metric, start=start, end=end)
    _add_points(
        aggs, ((m, clock.as_utc(ts), v) for m, ts, v in await session.execute(recent)), seconds
    )
    return [
        Bucket(
            metric=m,
            start=s,
            min=lo,
            max=hi,
            avg=total / n,
            count=n,
            last=last,
        )
        for (m, s), (n, lo, hi, total, last, _) in sorted(
            aggs.items(), key=lambda kv: (kv[0][1], kv[0][0])
        )
    ]
