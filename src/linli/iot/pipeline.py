"""Ingest: check a device's batch, store it, and hand the new readings to the consumers.

`ingest` takes readings that are already parsed, so the HTTP endpoint and the MQTT listener call
the same function; `ingest_items` parses raw JSON items first. Both run in the caller's unit of
work: the readings, the device's latest values and whatever the consumers write (alarms…)
commit together (see `linli.iot.events`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import compress
from operator import itemgetter

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.iot import events, repository, store
from linli.iot.ingest import Row, check_batch, parse_item
from linli.iot.models import Device
from linli.iot.schemas import IngestResult, ReadingIn, Rejection
from linli.iot.types import device_type


async def ingest(
    session: AsyncSession, *, device: Device, readings: Sequence[ReadingIn]
) -> IngestResult:
    """Store a device's valid readings, hand the new ones to the consumers, report the rest."""
    return await _ingest(session, device, list(enumerate(readings)), [])


async def ingest_items(
    session: AsyncSession, *, device: Device, items: Sequence[object]
) -> IngestResult:
    """Parse raw JSON items one by one, then ingest the parseable ones."""
    parsed: list[tuple[int, ReadingIn]] = []
    rejected: list[Rejection] = []
    for index, raw in enumerate(items):
        item = parse_item(index, raw)
        if isinstance(item, Rejection):
            rejected.append(item)
        else:
            parsed.append((index, item))
    return await _ingest(session, device, parsed, rejected)


async def _ingest(
    session: AsyncSession,
    device: Device,
    readings: list[tuple[int, ReadingIn]],
    rejected: list[Rejection],
) -> IngestResult:
    kind = device_type(device.type)
    now = clock.now()
    batch = check_batch(readings, device_type=kind, now=now)
    rejected.extend(batch.rejected)
    # Two batches of one device are handed over one after the other, never both raising an alarm.
    await repository.touch_device(session, device, now)
    stored = await store.store_readings(session, device.id, batch.rows)
    new = batch.rows if all(stored.kept) else list(compress(batch.rows, stored.kept))
    if not batch.in_order:
        new = sorted(new, key=itemgetter(1))  # stable: a tie keeps the arrival order
    duplicates = batch.duplicates + len(batch.rows) - len(new)
    if new:
        await repository.upsert_latest(session, device.id, _newest(new, len(kind.metrics)))
        # Only readings newer than what was known may change an alarm; late ones are history.
        fresh = _fresh(new, stored.previous)
        if fresh:
            await events.readings.deliver(session, events.ReadingsStored(device, fresh))
    rejected.sort(key=lambda r: r.index)
    return IngestResult(accepted=len(new), duplicates=duplicates, rejected=rejected)


def _newest(rows: list[Row], metrics: int) -> dict[str, tuple[datetime, float]]:
    """Return each metric's last (ts, value) of time-ordered rows of at most `metrics` metrics."""
    newest: dict[str, tuple[datetime, float]] = {}
    for metric, ts, value in reversed(rows):
        if metric not in newest:
            newest[metric] = (ts, value)
            if len(newest) == metrics:
                break
    return newest


def _fresh(rows: list[Row], previous: dict[str, datetime]) -> list[Row]:
    """Return the time-ordered rows newer than their metric's previous latest time."""
    if not previous or rows[0][1] > max(previous.values()):
        return rows
    return [r for r in rows if r[0] not in previous or r[1] > previous[r[0]]]
