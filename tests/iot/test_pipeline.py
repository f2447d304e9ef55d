"""The readings pipeline: ingest hands each stored batch of new readings to the consumers that
extensions register, inside ingest's own transaction."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from iot_world import World
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import events, service
from linli.iot.events import ReadingsStored
from linli.iot.models import Device, Reading
from linli.iot.schemas import ReadingIn
from linli.runtime.extensions import Extension, extensions, load_extensions
from linli.security import audit
from linli.security.models import AuditEntry

SEEN = "readings.seen"


@pytest.fixture
def received() -> Iterator[list[ReadingsStored]]:
    """Register, through an extension, a consumer that keeps each batch and writes an audit
    entry in the session it is given; yield the batches it got."""
    got: list[ReadingsStored] = []

    async def consume(session: AsyncSession, batch: ReadingsStored) -> None:
        got.append(batch)
        await audit.record(
            session,
            actor="pipeline-test",
            action=SEEN,
            target_type="device",
            target_id=str(batch.device.id),
            org_path=batch.device.org_path,
            detail={"readings": len(batch.readings)},
        )

    load_extensions(
        (*extensions(), Extension(name="spy", consumers=lambda: [(events.readings, consume)]))
    )
    yield got
    load_extensions()


async def _ingest(world: World, readings: list[ReadingIn], code: str = "AQ-A") -> None:
    async with session_scope() as session:
        device = await session.get(Device, world.devices[code].id)
        assert device is not None
        await service.ingest(session, device=device, readings=readings)


async def _stored() -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).select_from(Reading)) or 0)


async def _seen() -> int:
    async with session_scope() as session:
        stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == SEEN)
        return int(await session.scalar(stmt) or 0)


def _at(t: datetime, metric: str, value: float) -> ReadingIn:
    return ReadingIn(metric=metric, value=value, ts=t)


async def test_a_registered_consumer_gets_each_stored_batch_oldest_first(
    world: World, clock: ManualClock, received: list[ReadingsStored]
) -> None:
    t0 = clock.now() - timedelta(minutes=10)
    later, earlier = t0 + timedelta(minutes=1), t0
    await _ingest(world, [_at(later, "pm25", 12.5), _at(earlier, "pm10", 30.0)])
    assert len(received) == 1
    batch = received[0]
    assert batch.device.code == "AQ-A"
    assert list(batch.readings) == [("pm10", earlier, 30.0), ("pm25", later, 12.5)]
    assert (await _stored(), await _seen()) == (2, 1)  # the consumer's write committed too


async def test_a_rolled_back_ingest_keeps_neither_readings_nor_what_consumers_wrote(
    world: World, clock: ManualClock, received: list[ReadingsStored]
) -> None:
    t0 = clock.now() - timedelta(minutes=10)
    with pytest.raises(RuntimeError, match="after ingest"):
        async with session_scope() as session:
            device = await session.get(Device, world.devices["AQ-A"].id)
            assert device is not None
            await service.ingest(session, device=device, readings=[_at(t0, "pm25", 12.5)])
            assert len(received) == 1  # handed over before the unit of work ends
            raise RuntimeError("the unit of work fails after ingest")
    assert (await _stored(), await _seen()) == (0, 0)


async def test_a_failing_consumer_fails_the_ingest_and_nothing_is_stored(
    world: World, clock: ManualClock
) -> None:
    async def refuse(session: AsyncSession, batch: ReadingsStored) -> None:
        raise RuntimeError("consumer down")

    load_extensions(
        (*extensions(), Extension(name="broken", consumers=lambda: [(events.readings, refuse)]))
    )
    try:
        with pytest.raises(RuntimeError, match="consumer down"):
            await _ingest(world, [_at(clock.now() - timedelta(minutes=1), "pm25", 12.5)])
    finally:
        load_extensions()
    assert await _stored() == 0


async def test_duplicates_and_late_readings_are_stored_but_not_handed_over(
    world: World, clock: ManualClock, received: list[ReadingsStored]
) -> None:
    t0 = clock.now() - timedelta(minutes=30)
    t1, t2, t3 = (t0 + timedelta(minutes=n) for n in (1, 2, 3))
    await _ingest(world, [_at(t1, "pm25", 10.0), _at(t2, "pm25", 11.0)])
    # t2 again (a duplicate), t0 (late: older than pm25's latest), t3 (new), and pm10's first.
    await _ingest(
        world,
        [_at(t2, "pm25", 11.0), _at(t0, "pm25", 9.0), _at(t3, "pm25", 13.0), _at(t0, "pm10", 20.0)],
    )
    assert len(received) == 2
    assert list(received[1].readings) == [("pm10", t0, 20.0), ("pm25", t3, 13.0)]
    assert await _stored() == 5  # the late reading is history, kept

    await _ingest(world, [_at(t1, "pm25", 10.0), _at(t0, "pm10", 20.0)])  # only duplicates
    await _ingest(world, [_at(t0 - timedelta(minutes=1), "pm25", 8.0)])  # only late
    assert len(received) == 2
    assert (await _stored(), await _seen()) == (6, 2)


def test_a_process_that_never_installed_the_pipeline_fails_loudly() -> None:
    """Storing readings without the consumers installed would skip rules: it is refused."""
    code = (
        "import asyncio; from linli.iot import events; "
        "asyncio.run(events.readings.deliver(None, None))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    assert "PipelineNotInstalled" in done.stderr
    assert "load_extensions()" in done.stderr
