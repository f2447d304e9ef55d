"""A burst of readings: every alarm transition reaches a live SSE client, once and in order."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from rules_world import World
from sqlalchemy import func, select

from factories import IN_A, IN_B
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.eventlog import EventLogEntry
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.iot.schemas import DeviceCreate
from linli.rules.models import Alarm

DEVICES, READINGS_PER_DEVICE, BATCH = 20, 5_000, 1_000  # 100,000 readings
EPISODE = 25  # readings per calm or breaching stretch: a raise or a clear every 25 readings
IN_FLIGHT = 4  # ingest requests posted at the same time


@pytest.fixture
async def server(world: World, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """Serve the app over real HTTP on a free loopback port (for the streaming response)."""
    from linli.core.settings import get_settings
    from linli.web.app import create_app

    # The burst's batches queue for the ingest class rather than being told to come back: the
    # test is about alarms reaching the stream, not about admission (tests/web/test_admission).
    monkeypatch.setenv("LINLI_ADMISSION_WAIT", "30")
    get_settings.cache_clear()

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        create_app(), log_config=None, lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn has no started event)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()
        monkeypatch.undo()
        get_settings.cache_clear()


async def _stations() -> dict[str, str]:
    """Register DEVICES air stations in communities A and B; return their tokens by code."""
    tokens = {}
    async with session_scope() as session:
        for n in range(DEVICES):
            lon, lat = IN_A if n % 2 else IN_B
            device, token = await iot_service.register_device(
                session,
                data=DeviceCreate(
                    code=f"BURST-{n:02d}",
                    type="AirQualityObserved",
                    name=f"Burst station {n}",
                    lon=lon + n * 1e-4,
                    lat=lat,
                ),
            )
            tokens[device.code] = token
    return tokens


def _batches(clock: ManualClock) -> list[list[dict[str, Any]]]:
    """One device's readings, a second apart, alternating calm (40) and breaching (100)."""
    start = clock.now() - timedelta(seconds=READINGS_PER_DEVICE)
    readings = [
        {
            "metric": "pm25",
            "value": 100.0 if (i // EPISODE) % 2 else 40.0,
            "ts": (start + timedelta(seconds=i)).isoformat(),
        }
        for i in range(READINGS_PER_DEVICE)
    ]
    return [readings[i : i + BATCH] for i in range(0, READINGS_PER_DEVICE, BATCH)]


async def _listen(
    response: httpx.Response, into: list[dict[str, Any]], arrived: asyncio.Condition
) -> None:
    """Append each event of the stream to `into` as {id, event, data}, notifying `arrived`."""
    message: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line:
            field, _, value = line.partition(":")
            message[field] = value.removeprefix(" ")
            continue
        if "event" in message:
            into.append({**message, "data": json.loads(message["data"])})
            async with arrived:
                arrived.notify_all()
        message = {}


async def test_every_alarm_transition_of_a_burst_reaches_the_live_stream_once_in_order(
    world: World, server: str, clock: ManualClock
) -> None:
    await world.add_rule()  # pm25 > 75 on every air station of the district
    tokens = await _stations()
    batches = _batches(clock)
    received: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=server, timeout=60) as http,
        http.stream("GET", "/api/events/stream", headers=world.auth("op")) as res,
    ):
        assert res.status_code == 200
        arrived = asyncio.Condition()
        listener = asyncio.create_task(_listen(res, received, arrived))
        began = time.monotonic()
        in_flight = asyncio.Semaphore(IN_FLIGHT)

        async def feed(code: str) -> None:
            auth = {"X-Device-Id": code, "Authorization": f"Device {tokens[code]}"}
            for batch in batches:  # a device's batches in order, devices side by side
                async with in_flight:
                    answer = await http.post("/api/ingest", json={"readings": batch}, headers=auth)
                assert answer.status_code == 200, answer.text
                assert answer.json()["accepted"] == len(batch)

        await asyncio.gather(*(feed(code) for code in tokens))
        ingest_seconds = time.monotonic() - began

        async with session_scope() as session:
            alarms = list(
                await session.scalars(
                    select(Alarm)
                    .join(Device, Device.id == Alarm.device_id)
                    .order_by(Alarm.raised_at)
                )
            )
            logged = await session.scalar(
                select(func.count()).where(EventLogEntry.subject.like("alarm.%"))
            )
        transitions = len(alarms) + sum(a.status == "cleared" for a in alarms)
        async with asyncio.timeout(30), arrived:
            await arrived.wait_for(lambda: len(received) >= transitions)
        listener.cancel()

    # Thousands of transitions, each published once: one raise per breach, one clear per calm.
    episodes = READINGS_PER_DEVICE // EPISODE
    assert transitions == DEVICES * (episodes - 1) == logged
    assert len(received) == transitions
    assert ingest_seconds < 60

    seqs = [int(m["id"]) for m in received]
    assert seqs == sorted(set(seqs))  # no duplicate, in commit order
    assert len({m["data"]["id"] for m in received}) == transitions
    expected = {(str(a.id), "alarm.raised") for a in alarms} | {
        (str(a.id), "alarm.changed") for a in alarms if a.status == "cleared"
    }
    assert {(m["data"]["alarm_id"], m["event"]) for m in received} == expected

    # Per source (an alarm) and per device: raised before cleared, alarms in the order raised.
    by_alarm: dict[str, list[str]] = defaultdict(list)
    by_device: dict[str, list[str]] = defaultdict(list)
    for m in received:
        by_alarm[m["data"]["alarm_id"]].append(m["data"]["status"])
        if m["event"] == "alarm.raised":
            by_device[m["data"]["device_code"]].append(m["data"]["alarm_id"])
    assert all(s in (["active"], ["active", "cleared"]) for s in by_alarm.values())
    raised_in_db: dict[Any, list[str]] = defaultdict(list)
    for a in alarms:
        raised_in_db[a.device_id].append(str(a.id))
    assert sorted(by_device.values()) == sorted(raised_in_db.values())
