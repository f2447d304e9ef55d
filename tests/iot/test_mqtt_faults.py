"""Fault tests with real processes: the ingest process killed with SIGKILL mid-stream, and the
broker restarted mid-stream. Every reading the broker acknowledged to the publisher must end up
stored, none twice — checked on the full sets, not a sample.

The subprocess listener uses the real clock, so readings are stamped with real time here.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from iot_world import World
from mqtt_broker import SERVICE_PASSWORD, SERVICE_USER, Listener
from mqtt_faults import DurableBroker, ListenerProcess, Publisher, running, until
from sqlalchemy import select

from linli.core.database import close_connections, session_scope
from linli.iot import broker, rollups
from linli.iot import repository as iot_repository
from linli.iot.models import Device, Reading
from linli.iot.mqtt import DEFAULT_CLIENT_ID

SITE = "T"
FIRST, SECOND = 150, 150  # readings before and after the fault


async def _stored(code: str) -> list[tuple[datetime, float]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Reading.ts, Reading.value)
            .join(Device, Device.id == Reading.device_id)
            .where(Device.code == code)
            .order_by(Reading.ts)
        )
        return [(ts, v) for ts, v in rows]


async def _count(code: str) -> int:
    async with session_scope() as session:
        device = await iot_repository.device_by_code(session, code)
        assert device is not None
        return await rollups.count_readings(session, device.id)


@pytest.fixture
async def durable(world: World, tmp_path: Path) -> AsyncIterator[DurableBroker]:
    """A persistent broker in which Linli's durable session (its subscription) already exists."""
    async with session_scope() as session:
        files = await broker.broker_files(
            session, service_user=SERVICE_USER, service_password=SERVICE_PASSWORD
        )
    (tmp_path / "broker").mkdir()
    mosquitto = DurableBroker(tmp_path / "broker")
    mosquitto.configure(files)
    await mosquitto.start()
    # Subscribe once with Linli's client id, so the broker queues for it from the start.
    first = Listener(mosquitto.service_url)
    first.identifier = DEFAULT_CLIENT_ID
    await first.start()
    await first.stop()
    async with running(mosquitto):
        yield mosquitto


def _publisher(world: World, port: int) -> Publisher:
    device = world.devices["AQ-A"]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    return Publisher(
        port=port,
        code="AQ-A",
        password=broker.mqtt_password(device),
        topic=broker.topic(SITE, "AQ-A", "up"),
        start=start,
    )


async def test_sigkill_of_the_ingest_process_loses_and_doubles_nothing(
    world: World, db: str, durable: DurableBroker, tmp_path: Path
) -> None:
    await close_connections()  # the subprocess gets the database connections it needs
    ingest = ListenerProcess(db, durable.service_url, tmp_path / "listener.log")
    publisher = _publisher(world, durable.port)
    async with running(ingest):
        await ingest.start()
        await publisher.publish(FIRST)
        await until(_stored_at_least("AQ-A", FIRST // 3), what="part of the stream is stored")
        await ingest.kill()
        assert await _count("AQ-A") < FIRST + SECOND  # killed mid-stream: more is to come
        await publisher.publish(SECOND)  # while Linli is down: the broker keeps them
        await ingest.start()
        await until(_stored_at_least("AQ-A", len(publisher.acked)), what="all acked are stored")
        await ingest.stop()
    stored = await _stored("AQ-A")
    assert len(publisher.acked) == FIRST + SECOND
    assert stored == sorted(publisher.acked)  # the full set, each once
    assert len(set(stored)) == len(stored)


def _stored_at_least(code: str, n: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return await _count(code) >= n

    return check


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
async def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(
    world: World, db: str, durable: DurableBroker, tmp_path: Path, stop_signal: int
) -> None:
    await close_connections()
    ingest = ListenerProcess(db, durable.service_url, tmp_path / "listener.log")
    publisher = _publisher(world, durable.port)
    async with running(ingest):
        await ingest.start()
        await publisher.publish(FIRST)
        await until(_stored_at_least("AQ-A", FIRST // 3), what="part of the stream is stored")
        await durable.stop(stop_signal)
        before_restart = list(publisher.acked)
        await durable.start()  # same port, same persistence file
        await publisher.publish(SECOND)
        after_restart = publisher.acked[len(before_restart) :]
        # SIGKILL gives the broker no chance to save what it acknowledged last; what it did
        # keep, and everything acknowledged after the restart, must still arrive exactly once.
        expected = sorted(publisher.acked) if stop_signal == signal.SIGTERM else None
        goal = len(expected) if expected is not None else len(after_restart)
        await until(_stored_at_least("AQ-A", goal), what="the acked readings are stored")
        if expected is None:
            await until(
                _all_stored(after_restart), what="every reading acked after the restart is stored"
            )
        await ingest.stop()
    stored = await _stored("AQ-A")
    assert len(set(stored)) == len(stored)
    if expected is not None:
        assert stored == expected
    else:
        assert set(after_restart) <= set(stored) <= set(publisher.acked)


def _all_stored(wanted: list[tuple[datetime, float]]):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return set(wanted) <= set(await _stored("AQ-A"))

    return check
