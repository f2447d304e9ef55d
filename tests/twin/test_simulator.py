"""The sending loop, against an in-process stand-in for Linli's ingest endpoint.

The real endpoint is tested by the IoT domain; here a `httpx.MockTransport` plays it so the
simulator's side of the contract (headers, body, retries, reporting) is pinned down.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from linli.core.clock import ManualClock
from linli.twin.sensor_types import site_zone
from linli.twin.sensors import Sensor
from linli.twin.simulated import RoundReport, SimulatedDevice, load_devices
from linli.twin.simulator import MAX_AUTO_INCIDENT_RATE, Simulator, auto_incident_rate

DEVICES = [
    SimulatedDevice(
        code="BA-AQ-1", token="tok-aq", type="AirQualityObserved", site="baoan", lon=113.9, lat=22.6
    ),
    SimulatedDevice(
        code="SK-LAMP-1", token="tok-lamp", type="Streetlight", site="sengkang", lon=103.9, lat=1.39
    ),
    SimulatedDevice(
        code="SK-SOS-1", token="tok-sos", type="SOSButton", site="sengkang", lon=103.9, lat=1.39
    ),
]


class Ingest:
    """A stand-in ingest endpoint that records every request and answers like Linli."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.fail: dict[str, list[int | Exception]] = {}  # device code -> answers to give first
        self.reject_metric: str | None = None

    def bodies(self, code: str) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.headers["X-Device-Id"] == code]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        code = request.headers["X-Device-Id"]
        planned = self.fail.get(code)
        if planned:
            answer = planned.pop(0)
            if isinstance(answer, Exception):
                raise answer
            problem = {"code": "bad_device_token" if answer == 401 else "oops", "status": answer}
            busy = {"Retry-After": "3"} if answer == 429 else {}
            return httpx.Response(answer, json=problem, headers=busy)
        items = json.loads(request.content)["readings"]
        rejected = [
            {"index": i, "reason": "not today", "code": "unknown_metric"}
            for i, item in enumerate(items)
            if item["metric"] == self.reject_metric
        ]
        body = {"accepted": len(items) - len(rejected), "duplicates": 0, "rejected": rejected}
        return httpx.Response(200, json=body)


@pytest.fixture
def ingest() -> Ingest:
    return Ingest()


@pytest.fixture
async def http(ingest: Ingest) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.MockTransport(ingest)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        yield client


class Sleeper:
    """Records the pauses the simulator asks for and moves the test clock instead of waiting."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)  # others may run meanwhile, as in a real pause


async def test_each_device_posts_one_batch_with_its_credentials(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    simulator = Simulator(DEVICES, seed=3, incident_rate=0.5)
    report = await simulator.send_round(http)

    assert len(ingest.requests) == 3
    now = clock.now()
    for device in DEVICES:
        (request,) = [r for r in ingest.requests if r.headers["X-Device-Id"] == device.code]
        assert request.method == "POST" and request.url.path == "/api/ingest"
        assert request.headers["Authorization"] == f"Device {device.token}"
        assert request.headers["Content-Type"] == "application/json"
        sensor = Sensor(
            device.type, code=device.code, seed=3, incident_rate=0.5, zone=site_zone(device.site, 0)
        )
        expected = [
            {"metric": metric, "value": value, "ts": "2026-03-02T01:00:00Z"}
            for metric, value in sensor.values(now).items()
        ]
        assert json.loads(request.content) == {"readings": expected}
    # Air: pm25, pm10, no2; lamp: power_w, on; SOS button: pressed, battery.
    assert (report.devices, report.sent, report.accepted, report.errors) == (3, 7, 7, 0)
    assert report.at == now


async def test_server_errors_are_retried_with_the_same_readings(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    sleeper = Sleeper(clock)
    ingest.fail["BA-AQ-1"] = [503, httpx.ConnectError("refused")]
    simulator = Simulator(DEVICES, sleep=sleeper, backoff_s=0.5)
    report = await simulator.send_round(http)

    first, *again = ingest.bodies("BA-AQ-1")
    assert len(again) == 2 and all(body == first for body in again)
    assert sleeper.pauses == [0.5, 1.0]
    assert (report.accepted, report.errors, report.retries) == (7, 0, 2)


async def test_a_device_that_keeps_failing_is_reported_after_the_last_retry(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    ingest.fail["SK-LAMP-1"] = [500, 502, 503]
    simulator = Simulator(DEVICES, retries=2, sleep=Sleeper(clock))
    report = await simulator.send_round(http)

    assert len(ingest.bodies("SK-LAMP-1")) == 3
    (failure,) = report.failures
    assert (failure.code, failure.status) == ("SK-LAMP-1", 503)
    assert report.accepted == 5


async def test_a_busy_server_is_waited_for_as_long_as_it_asks_not_counted_as_a_failure(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    sleeper = Sleeper(clock)
    ingest.fail["BA-AQ-1"] = [429] * 5 + [503]  # more "busy" answers than retries allow
    simulator = Simulator(DEVICES, retries=1, sleep=sleeper, backoff_s=0.5, concurrency=1)
    report = await simulator.send_round(http)

    first, *again = ingest.bodies("BA-AQ-1")
    assert len(again) == 6 and all(body == first for body in again)
    # While it waits on "busy" the batch keeps its place: no other device is sent meanwhile.
    order = [r.headers["X-Device-Id"] for r in ingest.requests]
    assert order[:6] == ["BA-AQ-1"] * 6
    assert sleeper.pauses == [3.0] * 5 + [0.5]  # the server's Retry-After, then the backoff
    assert (report.accepted, report.errors, report.retries) == (7, 0, 6)


async def test_a_refused_token_is_reported_and_the_others_still_send(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    sleeper = Sleeper(clock)
    ingest.fail["SK-SOS-1"] = [401]
    simulator = Simulator(DEVICES, sleep=sleeper)
    report = await simulator.send_round(http)

    assert len(ingest.bodies("SK-SOS-1")) == 1  # a 4xx is not retried
    assert sleeper.pauses == []
    (failure,) = report.failures
    assert failure.code == "SK-SOS-1" and failure.status == 401
    assert "bad_device_token" in failure.reason
    assert (report.accepted, report.errors) == (5, 1)


async def test_rejected_readings_are_counted_with_their_reasons(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    ingest.reject_metric = "no2"
    report = await Simulator(DEVICES).send_round(http)

    assert (report.accepted, report.rejected, report.errors) == (6, 1, 0)
    assert report.rejections == [
        ("BA-AQ-1", {"index": 2, "reason": "not today", "code": "unknown_metric"})
    ]


async def test_rounds_follow_the_interval_and_simulated_time_runs_faster(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    sleeper = Sleeper(clock)
    start = clock.now() - timedelta(hours=1)
    simulator = Simulator(DEVICES[:1], speed=30, start=start, sleep=sleeper)
    reports: list[RoundReport] = []
    await simulator.run(http, interval_s=10, rounds=4, on_round=reports.append)

    assert sleeper.pauses == [10, 10, 10]
    assert [r.at - start for r in reports] == [timedelta(minutes=5 * k) for k in range(4)]
    stamps = [body["readings"][0]["ts"] for body in ingest.bodies("BA-AQ-1")]
    assert stamps == ["2026-03-02T00:00:00Z", "2026-03-02T00:05:00Z", "2026-03-02T00:10:00Z",
                      "2026-03-02T00:15:00Z"]  # fmt: skip


async def test_simulated_time_never_runs_ahead_of_the_wall_clock(clock: ManualClock) -> None:
    simulator = Simulator(DEVICES, speed=100)
    start = clock.now() - timedelta(days=1)
    assert simulator.simulated_now() == start
    clock.advance(timedelta(minutes=10))
    assert simulator.simulated_now() == start + timedelta(minutes=1000)
    clock.advance(timedelta(minutes=5))  # 1500 simulated minutes: it would be 1 h in the future
    assert simulator.simulated_now() == clock.now()
    assert Simulator(DEVICES).simulated_now() == clock.now()


async def test_a_repeated_round_resends_identical_readings(
    clock: ManualClock, ingest: Ingest, http: httpx.AsyncClient
) -> None:
    simulator = Simulator(DEVICES, seed=9)
    when = datetime(2026, 3, 1, 12, tzinfo=UTC)
    await simulator.send_round(http, when=when)
    await Simulator(DEVICES, seed=9).send_round(http, when=when)
    for device in DEVICES:
        first, second = ingest.bodies(device.code)
        assert first == second


def test_the_automatic_incident_rate_gives_about_one_crossing_per_minute(
    clock: ManualClock,
) -> None:
    many = [DEVICES[0].model_copy(update={"code": f"AQ-{i}"}) for i in range(600)]
    simulator = Simulator(many)
    assert 0.5 <= simulator.expected_crossings_per_minute() <= 1.5
    assert simulator.incident_rate < auto_incident_rate(["AirQualityObserved"] * 60, speed=1)
    assert auto_incident_rate(["SOSButton"], speed=1) == MAX_AUTO_INCIDENT_RATE
    assert Simulator(many, incident_rate=0).expected_crossings_per_minute() == 0


def test_device_list_is_read_and_unknown_types_are_skipped(
    clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "devices.json"
    rows = [d.model_dump() for d in DEVICES]
    rows.append({"code": "P-1", "token": "t", "type": "Teleporter", "lon": 1.0, "lat": 2.0})
    path.write_text(json.dumps(rows), encoding="utf-8")

    devices = load_devices(path)
    assert devices[:3] == DEVICES and devices[3].site is None
    simulator = Simulator(devices)
    assert [d.code for d in simulator.skipped] == ["P-1"] and len(simulator.devices) == 3

    path.write_text('[{"code": "x"}]', encoding="utf-8")
    with pytest.raises(ValueError, match="not a device list"):
        load_devices(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_devices(tmp_path / "absent.json")
