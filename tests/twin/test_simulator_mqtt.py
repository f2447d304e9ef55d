"""The simulator's faults, over both transports against the real ingest: HTTP through the app,
MQTT through a real Mosquitto and Linli's listener (credentials taken from the database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from factories import IN_A, DeviceWorld, make_device_world
from iot.mqtt_broker import Broker, Listener, until
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.models import Device, Reading
from linli.iot.mqtt import counters, reset_counters
from linli.iot.schemas import DeviceCreate
from linli.twin.mqtt_sender import MqttSender, devices_from_database
from linli.twin.simulated import Fault, SimulatedDevice
from linli.twin.simulator import Simulator

ROUND = timedelta(minutes=1)
ROUNDS = 4
FAULTS = [
    Fault("stuck", "AQ-A"),
    Fault("silence", "AQ-B"),
    Fault("battery_drain", "SOS-1", 30.0),  # 30 % per simulated hour: 0.5 % per round
    Fault("spike", "NL-1", 2.0),  # every second reading
    Fault("drift", "WL-1", 60.0),  # +60 cm per simulated hour: +1 cm per round
]


@pytest.fixture
async def world(db: str, clock: ManualClock) -> DeviceWorld:
    """The IoT test world plus one device of each type the faults need."""
    world = await make_device_world(DeviceWorld, {"op": ("operator", "T")})
    async with session_scope() as session:
        for code, kind in (("SOS-1", "SOSButton"), ("NL-1", "NoiseLevelObserved"),
                           ("WL-1", "WaterLevel")):  # fmt: skip
            device, token = await iot_service.register_device(
                session,
                data=DeviceCreate(code=code, type=kind, name=code, lon=IN_A[0], lat=IN_A[1]),
            )
            world.devices[code], world.device_tokens[code] = device, token
    return world


async def _series(code: str) -> dict[str, list[tuple[datetime, float]]]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Reading.metric, Reading.ts, Reading.value)
            .join(Device, Device.id == Reading.device_id)
            .where(Device.code == code)
            .order_by(Reading.ts)
        )
        found: dict[str, list[tuple[datetime, float]]] = {}
        for metric, ts, value in rows:
            found.setdefault(metric, []).append((ts, value))
        return found


async def _check_faults(simulator: Simulator, start: datetime) -> None:
    """What landed in Linli shows each fault, whichever transport carried it."""
    stuck = await _series("AQ-A")
    assert all(len(points) == ROUNDS for points in stuck.values())
    assert all(len({v for _, v in points}) == 1 for points in stuck.values())  # frozen
    assert await _series("AQ-B") == {}  # silent

    battery = [v for _, v in (await _series("SOS-1"))["battery"]]
    assert battery == [100.0 - 0.5 * n for n in range(ROUNDS)]

    spiky = [v for _, v in (await _series("NL-1"))["laeq"]]
    assert spiky[1] == spiky[3] == 20 + 0.95 * (140 - 20)  # near the top of its range
    assert max(spiky[0], spiky[2]) < 120

    # Drift adds 1 cm per round to what the sensor model says.
    drifting = (await _series("WL-1"))["level_cm"]
    plain = Simulator(simulator.devices, seed=0, incident_rate=0.0, start=start)
    for n, (ts, value) in enumerate(drifting):
        model = plain.readings(next(d for d in simulator.devices if d.code == "WL-1"), ts)[0]
        assert value == pytest.approx(model["value"] + n * 1.0, abs=0.01)


def _simulator(devices: list[SimulatedDevice], clock: ManualClock) -> Simulator:
    return Simulator(
        devices, seed=0, incident_rate=0.0, start=clock.now(), faults=FAULTS, retries=0
    )


async def test_faults_land_over_http(
    world: DeviceWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    devices = [
        SimulatedDevice(code=code, token=world.device_tokens[code], type=d.type, lon=d.lon,
                        lat=d.lat)
        for code, d in world.devices.items()
    ]  # fmt: skip
    start = clock.now()
    simulator = _simulator(devices, clock)
    for _ in range(ROUNDS):
        report = await simulator.send_round(client, when=clock.now())
        assert report.errors == 0 and report.rejected == 0
        assert report.devices == 5 and report.sent == report.accepted
        clock.advance(ROUND)
    await _check_faults(simulator, start)


async def test_faults_land_over_mqtt(
    world: DeviceWorld, mosquitto: Broker, clock: ManualClock
) -> None:
    reset_counters()
    listener = Listener(mosquitto.service_url)
    await listener.start()
    try:
        async with session_scope() as session:
            devices = await devices_from_database(session)
        assert {d.mqtt_site for d in devices} == {"T"}
        start = clock.now()
        simulator = _simulator(devices, clock)
        async with MqttSender(f"mqtt://127.0.0.1:{mosquitto.port}") as sender:
            for n in range(ROUNDS):
                report = await simulator.send_round(sender, when=clock.now())
                assert report.errors == 0, report.failures
                assert report.devices == 5 and report.sent == report.accepted
                # One message per device that spoke; wait for each round to be stored before
                # the clock moves, so every reading is judged at its own time.
                await until(
                    lambda n=n: counters().get("handled", 0) == 4 * (n + 1),
                    what=f"round {n + 1} is handled",
                )
                clock.advance(ROUND)
        assert counters().get("rejected_items", 0) == 0
        await _check_faults(simulator, start)
    finally:
        await listener.stop()


def test_fault_specs_are_read_and_checked() -> None:
    assert Fault.parse("*:drift:2.5") == Fault("drift", "*", 2.5)
    assert Fault.parse("AQ-A:silence") == Fault("silence", "AQ-A", None)
    for bad in ("AQ-A", "AQ-A:melt", "AQ-A:drift:lots", "AQ-A:spike:0", ":stuck"):
        with pytest.raises(ValueError):
            Fault.parse(bad)


def test_faults_keep_on_off_metrics_on_or_off(clock: ManualClock) -> None:
    from linli.iot.types import DEVICE_TYPES

    kinds = ("DoorSensor", "Lift", "SmokeDetector", "MotionSensor", "WasteContainer")
    devices = [SimulatedDevice(code=k, type=k, lon=113.9, lat=22.6) for k in kinds]
    for faults in ([Fault("spike", "*", 1.0)], [Fault("drift", "*", 50.0)]):
        simulator = Simulator(devices, faults=faults, start=clock.now() - timedelta(hours=5))
        for device in devices:
            for item in simulator.readings(device, clock.now()):
                metric = DEVICE_TYPES[device.type].metrics[item["metric"]]
                assert metric.problem(item["value"]) is None, (faults, device.type, item)
