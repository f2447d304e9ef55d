"""`linli simulate --rate`: the pacing holds the asked-for rate on a clock the test moves, and
what a run says was acknowledged is what Linli stored, over HTTP and over MQTT."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import httpx
import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from factories import IN_A, DeviceWorld, make_device_world
from iot.mqtt_broker import Broker, Listener, until
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import rollups
from linli.iot import service as iot_service
from linli.iot.models import Device, Reading
from linli.iot.mqtt import counters, reset_counters
from linli.iot.schemas import DeviceCreate
from linli.twin import cli
from linli.twin.extension import extension
from linli.twin.mqtt_sender import MqttSender, devices_from_database
from linli.twin.simulated import Fault, RateTotals, RoundReport, SimulatedDevice
from linli.twin.simulator import MAX_TICK_S, Simulator

# AQ-A and AQ-B report 3 metrics each, the lift 3, the smoke detector 2: 11 per simulated second.
EXTRA = {"LIFT-1": "Lift", "SMOKE-1": "SmokeDetector"}


@pytest.fixture
async def world(db: str, clock: ManualClock) -> DeviceWorld:
    world = await make_device_world(DeviceWorld, {"op": ("operator", "T")})
    async with session_scope() as session:
        for code, kind in EXTRA.items():
            device, token = await iot_service.register_device(
                session,
                data=DeviceCreate(code=code, type=kind, name=code, lon=IN_A[0], lat=IN_A[1]),
            )
            world.devices[code], world.device_tokens[code] = device, token
    return world


def _devices(world: DeviceWorld) -> list[SimulatedDevice]:
    return [
        SimulatedDevice(
            code=code, token=world.device_tokens[code], type=d.type, lon=d.lon, lat=d.lat
        )
        for code, d in world.devices.items()
    ]


def _sleeper(clock: ManualClock) -> tuple[list[float], Callable[[float], Awaitable[None]]]:
    """A sleep that moves the test's clock instead of waiting, and the sleeps it was asked."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    return slept, sleep


async def _stored() -> dict[str, list[tuple[str, datetime]]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Device.code, Reading.metric, Reading.ts).join(
                Device, Device.id == Reading.device_id
            )
        )
        found: dict[str, list[tuple[str, datetime]]] = {}
        for code, metric, ts in rows:
            found.setdefault(code, []).append((metric, ts))
        return found


async def _count() -> int:
    async with session_scope() as session:
        return await rollups.count_readings(session)


async def _run_paced(
    simulator: Simulator, client: httpx.AsyncClient | MqttSender, *, count: int
) -> tuple[RateTotals, list[RoundReport]]:
    reports: list[RoundReport] = []
    totals = await simulator.run_at_rate(client, count=count, tick_s=1.0, on_round=reports.append)
    return totals, reports


async def test_the_pacing_sends_the_asked_for_readings_each_second_and_all_are_stored(
    world: DeviceWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    slept, sleep = _sleeper(clock)
    began = clock.now()
    simulator = Simulator(_devices(world), rate=40, sleep=sleep, incident_rate=0.0)
    totals, reports = await _run_paced(simulator, client, count=200)

    # 40 readings in each of 5 seconds, one round a second, the clock moved by the sleeps only.
    assert [r.sent for r in reports] == [40] * 5
    assert slept == [1.0] * 4 and clock.now() - began == timedelta(seconds=4)
    assert (totals.sent, totals.accepted, totals.errors, totals.rejected) == (200, 200, 0, 0)
    assert totals.seconds == 5 and totals.achieved == 40
    assert not totals.caught_up

    # Every device reported every metric once per simulated second, 7 days back, all stored.
    stored = await _stored()
    assert sum(len(points) for points in stored.values()) == 200 == await _count()
    assert len({(code, metric, ts) for code, pts in stored.items() for metric, ts in pts}) == 200
    times = sorted({ts for points in stored.values() for _, ts in points})
    assert times[0] == began - timedelta(days=7)
    assert all(b - a == timedelta(seconds=1) for a, b in pairwise(times))
    assert len(times) == 19  # 200 readings / 11 per simulated second, the last one partly


async def test_a_rate_that_is_not_a_whole_number_per_tick_is_held_on_average(
    world: DeviceWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    _, sleep = _sleeper(clock)
    faults = [Fault("silence", "AQ-B")]  # a silent device leaves its share to the others
    simulator = Simulator(
        _devices(world),
        rate=2.5,
        sleep=sleep,
        incident_rate=0.0,
        faults=faults,
    )
    totals, reports = await _run_paced(simulator, client, count=10)
    assert [r.sent for r in reports] == [2, 3, 2, 3]
    assert totals.accepted == 10 and totals.achieved == 2.5
    stored = await _stored()
    assert "AQ-B" not in stored and sum(len(p) for p in stored.values()) == 10


async def test_the_timeline_never_passes_the_wall_clock(
    world: DeviceWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    _, sleep = _sleeper(clock)
    start = clock.now() - timedelta(seconds=2)  # 3 simulated seconds to give: 33 readings
    simulator = Simulator(_devices(world), rate=100, start=start, sleep=sleep)
    totals, reports = await _run_paced(simulator, client, count=300)
    assert totals.caught_up
    # The first tick takes what exists (33), the next what one more second adds (11).
    assert [r.sent for r in reports][:2] == [33, 11]
    assert totals.accepted == await _count() == sum(r.sent for r in reports)


def test_a_rate_must_be_positive() -> None:
    device = SimulatedDevice(code="X", type="WaterLevel", lon=113.9, lat=22.6)
    with pytest.raises(ValueError):
        Simulator([device], rate=0)


def test_rounds_are_spaced_for_batches_worth_a_request() -> None:
    devices = [
        SimulatedDevice(code=f"X-{n}", type="WaterLevel", lon=113.9, lat=22.6) for n in range(100)
    ]
    assert Simulator(devices, rate=100_000).rate_tick() == 1.0  # 1,000 per device each second
    assert Simulator(devices, rate=2_500).rate_tick() == 4.0  # 25 a second: 100 every 4 s
    assert Simulator(devices, rate=10).rate_tick() == MAX_TICK_S  # a few: not too far apart


async def test_a_run_over_mqtt_stores_every_reading_the_broker_acknowledged(
    world: DeviceWorld, mosquitto: Broker, clock: ManualClock
) -> None:
    reset_counters()
    listener = Listener(mosquitto.service_url)
    await listener.start()
    try:
        async with session_scope() as session:
            devices = await devices_from_database(session)
        _, sleep = _sleeper(clock)
        simulator = Simulator(devices, rate=60, sleep=sleep, incident_rate=0.0)
        async with MqttSender(f"mqtt://127.0.0.1:{mosquitto.port}") as sender:
            totals, reports = await _run_paced(simulator, sender, count=240)
        assert [r.sent for r in reports] == [60] * 4
        assert totals.accepted == 240 and totals.errors == 0
        await until(lambda: counters().get("stored", 0) == 240, what="every reading is stored")
        assert counters().get("rejected_items", 0) == 0 and counters().get("duplicates", 0) == 0
        assert await _count() == 240
    finally:
        await listener.stop()


def test_the_command_runs_at_a_rate_and_prints_what_was_acknowledged(
    clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "devices.json"
    listed = [
        SimulatedDevice(code=f"WL-{n}", token="t", type="WaterLevel", lon=113.9, lat=22.6)
        for n in range(10)
    ]
    path.write_text("[" + ",".join(d.model_dump_json() for d in listed) + "]")
    seen: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        # The command's own pacing is checked above against the real endpoint; here only
        # that the options reach it and its totals are printed.
        items = json.loads(request.content)["readings"]
        seen.append(len(items))
        return httpx.Response(200, json={"accepted": len(items), "duplicates": 0, "rejected": []})

    monkeypatch.setattr(cli, "_transport", lambda: httpx.MockTransport(answer))
    root = typer.Typer()

    @root.command()
    def version() -> None:
        """Keep `simulate` a sub-command."""

    for name, sub in extension.cli():
        root.add_typer(sub, name=name)
    result = CliRunner().invoke(
        root, ["simulate", "--devices", str(path), "--rate", "5000", "--count", "5000"]
    )
    output = " ".join(result.output.split())
    assert result.exit_code == 0, output
    assert "at 5,000 readings/s" in output
    assert sum(seen) == 5000
    assert "sent 5000, accepted 5000, rejected 0, errors 0" in output
