"""Nothing acknowledged is lost or stored twice while the store is maintained: HTTP and MQTT
ingest stream readings hours and days old as well as new ones, with redeliveries, while
compaction (with its rollups), retention and partition maintenance run in a loop, exactly as the
scheduler runs them, and the clock moves on an hour a round."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from httpx import AsyncClient
from iot_world import World
from mqtt_broker import Broker, Listener, linli_broker
from store_checks import METRICS, Key, assert_stored_once, drop_made_partitions, maintenance_tasks

from linli.core.clock import ManualClock
from linli.core.database import is_busy
from linli.iot import broker
from linli.iot.mqtt import counters, reset_counters

pytestmark = pytest.mark.mqtt

SITE = "T"
CODES = ("AQ-A", "AQ-B")
BATCHES, PER_BATCH = 60, 24  # per stream: 4 streams of 1,440 readings, a third redelivered
IN_FLIGHT = 2  # MQTT messages published ahead of what the listener has committed
MAX_SHIFT = timedelta(days=3)  # how far the maintenance loop moves the clock on
DEADLINE = 120.0  # seconds: the bound of the waits for the listener


def _rows(stream: int, b: int, start: datetime) -> list[tuple[str, datetime, float]]:
    """Batch `b` of `stream`: half days old (spread over hours), half from the last hour."""
    old = start - timedelta(days=1 + b % 3, hours=b % 5)
    new = start - timedelta(minutes=55)
    return [
        (
            METRICS[i % len(METRICS)],
            (old if i % 2 == 0 else new)
            + timedelta(seconds=b * PER_BATCH + i, microseconds=stream + 1),
            float((b * 7 + i) % 100),
        )
        for i in range(PER_BATCH)
    ]


def _body(rows: list[tuple[str, datetime, float]]) -> dict[str, object]:
    return {"readings": [{"metric": m, "ts": ts.isoformat(), "value": v} for m, ts, v in rows]}


def _order(b: int) -> list[int]:
    """The batches sent at step `b`: the batch itself and, every third step, an earlier one
    again (a redelivery, as after a lost acknowledgement)."""
    return [b, b - 2] if b % 3 == 2 else [b]


@pytest.fixture
async def mosquitto(world: World, tmp_path: Path) -> AsyncIterator[Broker]:
    async with linli_broker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
async def listener(mosquitto: Broker) -> AsyncIterator[Listener]:
    reset_counters()
    running = Listener(mosquitto.service_url)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def partitions_made(db: str) -> AsyncIterator[None]:
    """The partitions maintenance makes here are dropped afterwards (DEFAULT stays)."""
    yield
    await drop_made_partitions()


class Acks:
    """What ingest acknowledged: the readings, and how many it called new."""

    def __init__(self) -> None:
        self.keys: set[Key] = set()
        self.accepted = 0


async def _http(
    client: AsyncClient, world: World, code: str, stream: int, start: datetime, acks: Acks
) -> None:
    device_id = world.devices[code].id
    for b in range(BATCHES):
        for sent in _order(b):
            rows = _rows(stream, sent, start)
            answer = await client.post(
                "/api/ingest", json=_body(rows), headers=world.device_auth(code)
            )
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert result["rejected"] == [], result
            acks.accepted += result["accepted"]
            acks.keys.update((device_id, m, ts) for m, ts, _ in rows)


async def _handled(at_least: int) -> None:
    """Wait until the listener has committed and acknowledged `at_least` messages."""
    deadline = time.monotonic() + DEADLINE
    while counters().get("handled", 0) < at_least:
        assert time.monotonic() < deadline, f"listener stuck at {counters()}"
        await asyncio.sleep(0.005)


async def _mqtt(
    mosquitto: Broker, world: World, start: datetime, acks: Acks, published: list[int]
) -> None:
    clients = {
        code: mosquitto.client(code, broker.mqtt_password(world.devices[code])) for code in CODES
    }
    for client in clients.values():
        await client.__aenter__()
    try:
        for b in range(BATCHES):
            for stream, code in enumerate(CODES, start=len(CODES)):
                for sent in _order(b):
                    rows = _rows(stream, sent, start)
                    topic = broker.topic(SITE, code, "up")
                    await clients[code].publish(topic, json.dumps(_body(rows)), qos=1)
                    published[0] += 1
                    device_id = world.devices[code].id
                    acks.keys.update((device_id, m, ts) for m, ts, _ in rows)
            await _handled(published[0] - IN_FLIGHT)
        await _handled(published[0])
    finally:
        for client in clients.values():
            await client.__aexit__(None, None, None)


async def _maintain(stop: asyncio.Event, clock: ManualClock, rounds: list[int]) -> None:
    tasks = maintenance_tasks()
    until = clock.now() + MAX_SHIFT
    while not stop.is_set():
        for run in tasks:
            try:
                await run()
            except Exception as err:  # a lock not had in time: the scheduler tries again later
                if not is_busy(err):
                    raise
        if clock.now() < until:
            clock.advance(timedelta(hours=1))
        rounds[0] += 1


@pytest.mark.usefixtures("partitions_made")
async def test_no_acknowledged_reading_is_lost_or_doubled_while_the_store_is_maintained(
    world: World,
    client: AsyncClient,
    mosquitto: Broker,
    listener: Listener,
    clock: ManualClock,
) -> None:
    start = clock.now()
    http, mqtt = Acks(), Acks()
    published, rounds = [0], [0]
    stop = asyncio.Event()
    maintenance = asyncio.create_task(_maintain(stop, clock, rounds))
    try:
        await asyncio.gather(
            *(_http(client, world, code, stream, start, http) for stream, code in enumerate(CODES)),
            _mqtt(mosquitto, world, start, mqtt, published),
        )
        while_streaming = rounds[0]
    finally:
        stop.set()
        await maintenance
    seen = counters()
    assert seen.get("rejected_items", 0) == seen.get("refused", 0) == 0, seen
    mqtt.accepted = seen.get("stored", 0)
    assert while_streaming >= 3, f"only {while_streaming} maintenance rounds overlapped ingest"

    acknowledged = http.keys | mqtt.keys
    assert len(acknowledged) == len(CODES) * 2 * BATCHES * PER_BATCH
    await assert_stored_once(
        acknowledged,
        [world.devices[code].id for code in CODES],
        span=(start - timedelta(days=5), clock.now() + timedelta(hours=1)),
    )
    # Each reading was called new exactly once; every redelivery was called a duplicate.
    called_new = http.accepted + mqtt.accepted
    assert called_new == len(acknowledged), (
        f"{called_new} readings acknowledged as new for {len(acknowledged)} distinct ones "
        f"(HTTP {http.accepted}, MQTT {mqtt.accepted}) after {rounds[0]} maintenance rounds"
    )
