"""Making a partition while a batch is being stored (PostgreSQL): a batch that arrives while the
partition is being made waits for it and lands in it, instead of failing its partition check;
the task never waits long for its locks (writers would queue behind it): it gives up and
succeeds on a later run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from iot_world import World
from sqlalchemy import text
from store_checks import drop_made_partitions

from linli.core.clock import ManualClock
from linli.core.database import get_engine, session_scope
from linli.iot import partitions, service
from linli.iot.models import Device
from linli.iot.schemas import ReadingIn
from linli.runtime.extensions import periodic_tasks
from linli.runtime.scheduler import BUSY_RETRY_SECONDS, run_task

_AWAITED = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
    "WHERE NOT l.granted AND d.datname = current_database()"
)


@pytest.fixture
async def pg(db: str) -> AsyncIterator[None]:
    """PostgreSQL only; partitions made by the test are dropped afterwards (DEFAULT stays)."""
    if get_engine().dialect.name != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    await drop_made_partitions()
    yield
    await drop_made_partitions()


async def _until_a_lock_is_awaited() -> None:
    async with session_scope() as session:
        for _ in range(500):
            if await session.scalar(_AWAITED):
                return
            await asyncio.sleep(0.01)  # polling for the other transaction, not for the clock
    raise AssertionError("the batch never waited for the partition being made")


@pytest.mark.usefixtures("pg")
async def test_a_batch_arriving_while_its_partition_is_made_lands_in_it(
    world: World, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.now()
    create, locked, go = partitions._create, asyncio.Event(), asyncio.Event()

    async def held_create(session: Any, spec: partitions.Partitioned, start: Any) -> None:
        locked.set()  # every lock of `ensure_partitions` is held by now
        await go.wait()
        await create(session, spec, start)

    monkeypatch.setattr(partitions, "_create", held_create)

    async def ensure() -> list[str]:
        async with session_scope() as session:
            return await partitions.ensure_partitions(session, now=now)

    async def ingest(minutes_ago: int) -> tuple[int, int]:
        readings = [ReadingIn(metric="pm25", value=1.0, ts=now - timedelta(minutes=minutes_ago))]
        async with session_scope() as session:
            device = await session.get(Device, world.devices["AQ-A"].id)
            assert device is not None
            result = await service.ingest(session, device=device, readings=readings)
        return result.accepted, result.duplicates

    # The series exists already: the next batch goes straight to the readings table.
    assert await ingest(10) == (1, 0)
    making = asyncio.create_task(ensure())
    await locked.wait()
    storing = asyncio.create_task(ingest(5))
    await _until_a_lock_is_awaited()  # the batch waits for the partitions being made
    go.set()
    assert "reading_recent_p20260302" in await making
    assert await storing == (1, 0)
    async with session_scope() as session:
        where = await session.scalars(text("SELECT tableoid::regclass::text FROM reading_recent"))
        assert list(where) == ["reading_recent_p20260302"] * 2


@pytest.mark.usefixtures("pg")
async def test_the_partitions_task_gives_up_at_once_behind_a_reader_and_succeeds_next_run(
    clock: ManualClock,
) -> None:
    task = next(t for t in periodic_tasks() if t.name == "iot.partitions")
    async with session_scope() as reader:
        # A long read of recent readings (an export, say) holds the DEFAULT partition shared.
        await reader.execute(text("SELECT count(*) FROM reading_recent_default"))
        started = time.monotonic()
        pause = await run_task(task)
        waited = time.monotonic() - started
        assert pause == BUSY_RETRY_SECONDS, "it gave up and comes back soon, not in an hour"
        # It waited for its locks no longer than its budget (writers queue behind a waiter).
        assert waited < partitions.LOCK_WAIT + 2.0
        assert await _made() == set(), "a run that gives up changes nothing"
    assert await run_task(task) == task.seconds()
    assert "reading_recent_p20260302" in await _made()


async def _made() -> set[str]:
    async with session_scope() as session:
        rows = await session.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST('reading_recent' AS regclass) "
                "AND c.relname <> 'reading_recent_default'"
            )
        )
        return set(rows)
