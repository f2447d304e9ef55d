"""The readings store's write side: batched idempotent inserts, compaction and retention.

Layout. Each (device, metric) is a *series* named by a small integer. New readings land in
`reading_recent` (series id, ts, value: one narrow row each). The compaction task folds every
closed hour older than `RECENT_HOURS` into one `reading_compact` row per series and hour (packed
uint32 microsecond offsets and float64 values: 12 bytes a point before compression), writes that
hour's 1-minute and 1-hour rollups, deletes the folded recent rows and moves the series'
`compacted_until` mark. Readers (`linli.iot.rollups`) see both parts as one series, and
`rollups.count_readings` counts both.

Idempotency holds across both parts: a reading is keyed by (series, ts) in `reading_recent`, and
one older than its series' `compacted_until` is first checked against the packed hour it belongs
to. A late reading for a compacted hour is stored as a recent row and merged into that hour (and
its rollups recomputed from the merged points) by the next compaction.

Moving without losing. A reading is always in exactly one of the two parts, whatever runs at the
same time. Compaction of a device first takes the device's row lock, the lock every ingest
transaction of that device already takes first (`repository.touch_device`), then removes each
series' rows with `DELETE … WHERE ts < horizon RETURNING` and packs exactly the rows returned.
Deleting by what was returned means a row committed by a concurrent batch is never deleted
unpacked (under PostgreSQL READ COMMITTED the former SELECT-then-DELETE did exactly that); the
lock means no batch of the device is between its packed-hour check and its insert meanwhile, so a
redelivery cannot add a recent copy of a reading being packed. Ingest pays nothing for it (no
extra statement); a batch of a device waits only while that device's closed hours are folded,
which the scheduled task does in one short transaction per device. On SQLite every transaction
begins IMMEDIATE, so writers are serialised anyway and the same code holds.

Writing. A batch entirely newer than each of its metrics' latest stored time (the common case;
the latest values are kept in the same transaction as the readings) cannot hold a duplicate: on
PostgreSQL it is COPied straight into `reading_recent`, on SQLite inserted with one executemany.
Other PostgreSQL batches of `COPY_MIN` rows or more are copied into a session-private staging
table and moved with one `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`; the rest take a
multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`. The caller holds the device's row lock.

Retention removes by a boundary no batch can cross: its cutoff is never later than the oldest
time ingest accepts (`ingest.MAX_AGE`), and a packed hour goes with its rollups only when wholly
before the cutoff.

Partitioning. On PostgreSQL these tables are partitioned by time (`linli.iot.partitions`); every
key holds the partition column, so the statements above work unchanged and a reading always
routes to the partition where its duplicate would be. Whole partitions past the longest retention
are dropped there; `apply_retention` deletes rows for the shorter retentions on both databases.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.iot import repository
from linli.iot.ingest import MAX_AGE
from linli.iot.models import (
    CompactHour,
    Device,
    ReadingSeries,
    RecentReading,
)
from linli.iot.packing import HOUR, pack, table_of, unpack, write_rollups
from linli.iot.packing import floor_hour as floor_hour

COPY_MIN = 200
# The current hour and this many closed hours stay as recent rows (late readings are cheap there).
RECENT_HOURS = 1
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
    "(series_id integer NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL) "
    "ON COMMIT DELETE ROWS"
)
_MOVE = (
    f"INSERT INTO reading_recent (series_id, ts, value) SELECT series_id, ts, value "
    f"FROM {_STAGE} ON CONFLICT DO NOTHING RETURNING series_id, ts"
)


@dataclass(frozen=True, slots=True)
class Stored:
    """What a batch did: for each row whether it was stored, and each metric's latest stored
    time before the batch."""

    kept: list[bool]
    previous: dict[str, datetime]


async def store_readings(
    session: AsyncSession, device_id: uuid.UUID, rows: Sequence[tuple[str, datetime, float]]
) -> Stored:
    """Store distinct (metric, ts, value) rows of aware UTC times, skipping stored ones; the
    caller holds the device's row lock (see the module's docstring).

    A batch entirely newer than each metric's latest stored time (kept in the same transaction
    as the readings) skips the duplicate check: on PostgreSQL it is copied straight into
    `reading_recent`.
    """
    if not rows:
        return Stored([], {})
    series = await repository.series_of(session, device_id, {m for m, _, _ in rows})
    previous = {m: latest for m, (_, _, latest) in series.items() if latest is not None}
    keyed = [(series[m][0], ts, v) for m, ts, v in rows]
    postgres = session.get_bind().dialect.name == "postgresql"
    if all(m not in previous or ts > previous[m] for m, ts, _ in rows):
        if postgres:
            await _copy_new(session, keyed)
        else:
            await repository.insert_new_recent(session, keyed)
        return Stored([True] * len(rows), previous)
    until = {sid: u for sid, u, _ in series.values() if u is not None}
    candidates = await _drop_compacted(session, keyed, until) if until else keyed
    if postgres and len(candidates) >= COPY_MIN:
        stored = await _copy(session, candidates)
    else:
        stored = await repository.insert_recent(session, candidates)
    return Stored([(sid, ts) in stored for sid, ts, _ in keyed], previous)


async def _copy_new(session: AsyncSession, rows: Sequence[tuple[int, datetime, float]]) -> None:
    """COPY rows known to be new straight into `reading_recent`."""
    raw = await (await session.connection()).get_raw_connection()
    assert raw.driver_connection is not None
    await raw.driver_connection.copy_records_to_table(
        "reading_recent", records=rows, columns=["series_id", "ts", "value"]
    )


async def _copy(
    session: AsyncSession, rows: Sequence[tuple[int, datetime, float]]
) -> set[tuple[int, datetime]]:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    pg = raw.driver_connection
    assert pg is not None
    await pg.execute(_STAGE_DDL)
    await pg.copy_records_to_table(_STAGE, records=rows, columns=["series_id", "ts", "value"])
    stored = {(r[0], r[1]) for r in await pg.fetch(_MOVE)}
    await pg.execute(f"TRUNCATE {_STAGE}")  # a second batch in the same transaction starts empty
    return stored


async def _drop_compacted(
    session: AsyncSession,
    rows: list[tuple[int, datetime, float]],
    until: dict[int, datetime],
) -> list[tuple[int, datetime, float]]:
    """Drop rows already packed in a compacted hour (a redelivery of old readings)."""
    hours = {(sid, floor_hour(ts)) for sid, ts, _ in rows if sid in until and ts < until[sid]}
    known: set[tuple[int, datetime]] = set()
    for sid in {sid for sid, _ in hours}:
        mine = sorted(h for s, h in hours if s == sid)
        stmt = select(CompactHour).where(CompactHour.series_id == sid, CompactHour.hour.in_(mine))
        for packed in await session.scalars(stmt):
            known.update((sid, ts) for ts, _ in unpack(packed.hour, packed.offsets, packed.values))
    return [r for r in rows if (r[0], r[1]) not in known]


def compaction_horizon(now: datetime | None = None) -> datetime:
    """Return the instant before which recent readings are folded at `now` (default: now)."""
    return floor_hour(now or clock.now()) - RECENT_HOURS * HOUR


async def devices_to_compact(session: AsyncSession, horizon: datetime) -> list[uuid.UUID]:
    """Return the devices holding recent readings older than `horizon`, in id order."""
    stmt = (
        select(ReadingSeries.device_id)
        .where(
            ReadingSeries.id.in_(
                select(RecentReading.series_id).where(RecentReading.ts < horizon).distinct()
            )
        )
        .distinct()
        .order_by(ReadingSeries.device_id)
    )
    return list(await session.scalars(stmt))


async def compact(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Fold closed hours of every device into packed hours and rollups, in one transaction;
    return points folded. (The scheduled task gives each device its own transaction.)"""
    horizon = compaction_horizon(now)
    folded = 0
    for device_id in await devices_to_compact(session, horizon):
        folded += await compact_device(session, device_id, horizon=horizon)
    return folded


async def compact_device(
    session: AsyncSession,
    device_id: uuid.UUID,
    *,
    horizon: datetime,
    lock_wait: float | None = None,
) -> int:
    """Fold a device's recent readings older than `horizon` into packed hours and rollups;
    return points folded.

    Takes the device's row lock first: the lock every ingest transaction of the device takes
    before it reads its series, so no batch of the device is half-way through meanwhile. With
    `lock_wait` it waits at most that many seconds for it (the device's batches queue behind a
    waiting compaction), then fails with "lock not available" (`database.is_busy`).
    """
    await repository.lock_device(session, device_id, wait=lock_wait)
    return await _compact_locked(session, device_id, horizon, {})


async def _compact_locked(
    session: AsyncSession,
    device_id: uuid.UUID,
    horizon: datetime,
    extra: dict[int, list[tuple[datetime, float]]],
) -> int:
    series = await session.scalars(
        select(ReadingSeries.id)
        .where(ReadingSeries.device_id == device_id)
        .order_by(ReadingSeries.id)
    )
    folded = 0
    for sid in series.all():
        folded += await _compact_series(session, sid, horizon, extra.get(sid, ()))
    return folded


async def backfill(
    session: AsyncSession,
    device_id: uuid.UUID,
    rows: Sequence[tuple[str, datetime, float]],
    *,
    horizon: datetime,
) -> int:
    """Store a device's past (metric, ts, value) rows of aware UTC times, skipping stored ones:
    those before `horizon` straight into packed hours and rollups (with the device's recent
    rows, as the compaction task folds them, under the same row lock), the others as recent
    rows; return points folded.

    History brought in at once (an import, the demo's month): no consumer sees these rows and
    the device's latest values stay as they are. A month costs a few bulk statements a series,
    not a row's round trip through the recent table."""
    await repository.lock_device(session, device_id)
    extra: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    if rows:
        series = await repository.series_of(session, device_id, {m for m, _, _ in rows})
        keyed = [(series[m][0], ts, v) for m, ts, v in rows]
        until = {sid: u for sid, u, _ in series.values() if u is not None}
        if until:
            keyed = await _drop_compacted(session, keyed, until)
        await repository.insert_recent(session, [r for r in keyed if r[1] >= horizon])
        for sid, ts, value in keyed:
            if ts < horizon:
                extra[sid].append((ts, value))
    return await _compact_locked(session, device_id, horizon, extra)


async def _compact_series(
    session: AsyncSession,
    sid: int,
    horizon: datetime,
    extra: Sequence[tuple[datetime, float]] = (),
) -> int:
    """Fold the series' recent rows before `horizon` (and `extra` points of a backfill, which
    a stored row of the same time outweighs) into packed hours and rollups."""
    # Exactly the rows this statement removes are packed: a row it did not see stays recent.
    moved = await session.execute(
        delete(RecentReading)
        .where(RecentReading.series_id == sid, RecentReading.ts < horizon)
        .returning(RecentReading.ts, RecentReading.value)
    )
    found = {clock.as_utc(ts): value for ts, value in extra}
    found.update((clock.as_utc(ts), value) for ts, value in moved)
    by_hour: dict[datetime, list[tuple[datetime, float]]] = defaultdict(list)
    for ts, value in sorted(found.items()):
        by_hour[floor_hour(ts)].append((ts, value))
    if not by_hour:
        return 0
    folded = sum(len(p) for p in by_hour.values())
    existing = {
        c.hour: c
        for c in await session.scalars(
            select(CompactHour).where(
                CompactHour.series_id == sid, CompactHour.hour.in_(list(by_hour))
            )
        )
    }
    fresh: list[dict[str, object]] = []
    for hour, points in by_hour.items():
        packed = existing.get(hour)
        if packed is None:
            offsets, values = pack(hour, points)
            fresh.append(
                {
                    "series_id": sid,
                    "hour": hour,
                    "count": len(points),
                    "offsets": offsets,
                    "values": values,
                }
            )
        else:
            # Late readings of an hour compacted before: merge (the packed value wins a tie,
            # which only data stored before ingest checked packed hours can hold).
            merged = dict(points)
            merged.update(unpack(hour, packed.offsets, packed.values))
            by_hour[hour] = points = sorted(merged.items())
            packed.offsets, packed.values = pack(hour, points)
            packed.count = len(points)
    if fresh:
        await session.execute(insert(table_of(CompactHour)), fresh)
    await write_rollups(session, sid, by_hour)
    await session.execute(
        update(ReadingSeries)
        .where(
            ReadingSeries.id == sid,
            (ReadingSeries.compacted_until.is_(None)) | (ReadingSeries.compacted_until < horizon),
        )
        .values(compacted_until=horizon)
    )
    await session.flush()
    return folded


def retention_days(device_type: str) -> int:
    """Return how many days readings of `device_type` are kept."""
    return RETENTION_DAYS.get(device_type, DEFAULT_RETENTION_DAYS)


def longest_retention_days() -> int:
    """Return the most days any device type's readings are kept (whole partitions older than
    that are dropped by `linli.iot.partitions`)."""
    return max(DEFAULT_RETENTION_DAYS, *RETENTION_DAYS.values())


async def apply_retention(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete readings older than their device type's retention, one device at a time.

    Packed hours go whole: an hour is dropped once all of it is past the cutoff. On PostgreSQL,
    `linli.iot.partitions` also drops whole partitions past the longest retention.
    """
    removed = 0
    for device_id, type_ in await devices_for_retention(session):
        removed += await apply_device_retention(session, device_id, type_, now=now)
    return removed


async def devices_for_retention(session: AsyncSession) -> list[tuple[uuid.UUID, str]]:
    """Return (id, type) of every device, in id order."""
    devices = await session.execute(select(Device.id, Device.type).order_by(Device.id))
    return [(device_id, type_) for device_id, type_ in devices.all()]


async def apply_device_retention(
    session: AsyncSession, device_id: uuid.UUID, device_type: str, *, now: datetime | None = None
) -> int:
    """Delete one device's readings older than its type's retention; return how many.
    (The scheduled task gives each device its own short transaction.)"""
    now = now or clock.now()
    # Never inside the window ingest accepts: no concurrent batch can store a reading on
    # the dropped side of the cutoff, so nothing acknowledged since is removed.
    cutoff = now - max(timedelta(days=retention_days(device_type)), MAX_AGE + HOUR)
    return await repository.delete_before(session, device_id, cutoff)
