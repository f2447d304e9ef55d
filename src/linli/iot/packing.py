"""Packed hours and rollups: how the compaction task lays a series' closed hours down.

A packed hour holds one series' points of one UTC hour as uint32 microsecond offsets from the
hour and float64 values; its 1-minute and 1-hour rollups (count, min, max, sum, last) are
written beside it. `linli.iot.store` moves readings into this shape; `linli.iot.rollups` reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import numpy as np
from sqlalchemy import Table, delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.iot.models import CompactHour, HourRollup, MinuteRollup

HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor_hour(ts: datetime) -> datetime:
    """Return the start of the UTC hour holding `ts`."""
    return clock.as_utc(ts).replace(minute=0, second=0, microsecond=0)


def pack(hour: datetime, points: Sequence[tuple[datetime, float]]) -> tuple[bytes, bytes]:
    """Pack one hour's (ts, value) points, in time order, as (offsets, values) bytes."""
    offsets = np.fromiter(
        ((clock.as_utc(ts) - hour) // timedelta(microseconds=1) for ts, _ in points),
        dtype="<u4",
        count=len(points),
    )
    values = np.fromiter((v for _, v in points), dtype="<f8", count=len(points))
    return offsets.tobytes(), values.tobytes()


def unpack(hour: datetime, offsets: bytes, values: bytes) -> list[tuple[datetime, float]]:
    """Return the (ts, value) points of a packed hour, in time order."""
    hour = clock.as_utc(hour)
    micros = np.frombuffer(offsets, dtype="<u4").tolist()
    return [
        (hour + timedelta(microseconds=int(us)), float(v))
        for us, v in zip(micros, np.frombuffer(values, dtype="<f8").tolist(), strict=True)
    ]


def aggregate(
    points: Sequence[tuple[datetime, float]], width: timedelta
) -> dict[datetime, tuple[int, float, float, float, float, datetime]]:
    """Return {bucket start: (count, min, max, sum, last, last_ts)} of time-ordered points."""
    seconds = int(width.total_seconds())
    out: dict[datetime, tuple[int, float, float, float, float, datetime]] = {}
    for ts, v in points:
        epoch = int((ts - _EPOCH).total_seconds())
        start = _EPOCH + timedelta(seconds=epoch - epoch % seconds)
        found = out.get(start)
        if found is None:
            out[start] = (1, v, v, v, v, ts)
        else:
            n, lo, hi, total, _, _ = found
            out[start] = (n + 1, min(lo, v), max(hi, v), total + v, v, ts)
    return out


def table_of(model: type[CompactHour | MinuteRollup | HourRollup]) -> Table:
    """Return the table of a packed-hour or rollup model, for Core bulk inserts."""
    return cast(Table, model.__table__)  # Core: no ORM bulk-insert bookkeeping per row


def _spans(hours: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    """Return the runs of consecutive hours among sorted `hours` as [start, end) spans."""
    spans: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour:
            spans[-1] = (spans[-1][0], hour + HOUR)
        else:
            spans.append((hour, hour + HOUR))
    return spans


async def write_rollups(
    session: AsyncSession, sid: int, by_hour: dict[datetime, list[tuple[datetime, float]]]
) -> None:
    """Replace the series' rollups of the hours in `by_hour` with ones of their points: one
    ranged DELETE per run of consecutive hours and one multi-row INSERT per width (a month
    stored at once costs a handful of statements, not a pair per hour)."""
    spans = _spans(sorted(by_hour))
    for model, width in ((MinuteRollup, timedelta(minutes=1)), (HourRollup, HOUR)):
        for start, end in spans:
            await session.execute(
                delete(model).where(model.series_id == sid, model.start >= start, model.start < end)
            )
        rows = [
            {
                "series_id": sid,
                "start": start,
                "count": n,
                "min": lo,
                "max": hi,
                "sum": total,
                "last": last,
                "last_ts": last_ts,
            }
            for points in by_hour.values()
            for start, (n, lo, hi, total, last, last_ts) in aggregate(points, width).items()
        ]
        if rows:
            await session.execute(insert(table_of(model)), rows)
