"""What the readings-store invariant tests share: the production maintenance tasks, and the check
that every acknowledged reading is stored exactly once, in one form or the other."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

from sqlalchemy import text

from linli.core.database import get_engine, session_scope
from linli.iot import partitions, rollups
from linli.iot.extension import extension

METRICS = ("pm25", "pm10", "no2")
# The scheduled tasks that move or remove stored readings; rollups are written by compaction.
MAINTENANCE = ("iot.compact_readings", "iot.apply_retention", "iot.partitions")
Key = tuple[uuid.UUID, str, datetime]


def maintenance_tasks() -> list[Callable[[], Awaitable[object]]]:
    """Return the store's scheduled maintenance, exactly as the scheduler runs it."""
    assert extension.tasks is not None
    by_name = {task.name: task.run for task in extension.tasks()}
    return [by_name[name] for name in MAINTENANCE]


async def stored_keys(device_ids: Collection[uuid.UUID]) -> list[Key]:
    """Return one key per stored copy of every reading of the devices, recent or packed."""
    keys: list[Key] = []
    async with session_scope() as session:
        for device_id in device_ids:
            found = await rollups.points(session, device_id, limit=10**7)
            keys.extend((device_id, p.metric, p.ts) for p in found)
    return keys


async def bucket_count(device_ids: Collection[uuid.UUID], start: datetime, end: datetime) -> int:
    """Return the readings counted by the hourly buckets (rollups where hours are packed)."""
    total = 0
    async with session_scope() as session:
        for device_id in device_ids:
            found = await rollups.buckets(session, device_id, bucket="1h", start=start, end=end)
            total += sum(b.count for b in found)
    return total


async def assert_stored_once(
    acknowledged: set[Key],
    device_ids: Collection[uuid.UUID],
    *,
    span: tuple[datetime, datetime],
    expired_before: datetime | None = None,
) -> None:
    """Assert that every acknowledged reading is stored once and nothing else is, by key, by the
    store's count and by the hourly rollups over `span` (which must hold every reading); one
    older than `expired_before` (past its retention) may be gone."""
    stored = await stored_keys(device_ids)
    distinct = set(stored)
    async with session_scope() as session:
        counted = await rollups.count_readings(session)
    expected = {k for k in acknowledged if expired_before is None or k[2] >= expired_before}
    lost = sorted(expected - distinct)
    duplicated = len(stored) - len(distinct)
    unknown = len(distinct - acknowledged)
    in_buckets = await bucket_count(device_ids, *span)
    figures = (
        f"{len(expected)} acknowledged, {counted} counted, {len(stored)} stored, "
        f"{in_buckets} in hourly buckets: {len(lost)} lost, {duplicated} duplicated, "
        f"{unknown} never acknowledged"
    )
    assert (len(lost), duplicated, unknown) == (0, 0, 0), f"{figures}; lost e.g. {lost[:3]}"
    assert counted == in_buckets == len(stored), figures
    if expired_before is None:
        assert counted == len(acknowledged), figures


async def drop_made_partitions() -> None:
    """Drop the partitions a test made (PostgreSQL), leaving only the DEFAULT ones."""
    if get_engine().dialect.name != "postgresql":
        return
    async with session_scope() as session:
        for spec in partitions.SPEC:
            names = await session.scalars(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = CAST(:t AS regclass)"
                ),
                {"t": spec.table},
            )
            for name in list(names):
                if name != spec.default:
                    await session.execute(text(f"DROP TABLE {name}"))
