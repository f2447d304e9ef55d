"""Stream simulated device readings to Linli, round after round, over HTTP or MQTT.

Each round takes one reading per metric per device at the current simulated time and sends
them as one batch per device: over HTTP (`POST /api/ingest`, authenticated with the device's
token) or over MQTT (one compact QoS 1 message per device on its `up` topic, logged in with its
MQTT password; see `linli.twin.mqtt_sender`). Connection errors and 5xx answers are retried
with backoff, sending the same readings again (`linli.twin.delivery`): ingest is idempotent on
(device, metric, ts).

`run_at_rate` holds a rate instead (readings per second across all devices): each tick of the
clock it takes the next tick's worth of readings off the simulated timeline, where every device
reports all its metrics once per simulated second, and sends them as one batch per device;
simulated time therefore runs as fast as the rate asks, never past the wall clock. The next
tick's readings are computed while the previous tick's are in flight.

Faults on demand (`Fault`) make chosen devices misbehave the same way over either transport:
`stuck` (values frozen), `drift` (values creep by `param` units per simulated hour), `spike`
(every `param`-th reading jumps near the top of its range), `silence` (nothing is sent) and
`battery_drain` (a `battery` reading falling by `param` % per simulated hour, for types that
report one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from linli.core import clock
from linli.twin.delivery import Delivery
from linli.twin.mqtt_sender import MqttSender
from linli.twin.sensor_types import METRICS, expected_incidents_per_hour, site_zone
from linli.twin.sensors import Sensor
from linli.twin.simulated import (
    Fault,
    RateTotals,
    RoundReport,
    SimulatedDevice,
)

TARGET_CROSSINGS_PER_MINUTE = 1.0
"""What the automatic incident rate aims at across the whole device list."""
MAX_AUTO_INCIDENT_RATE = 0.5
"""The automatic rate never exceeds this many incidents per device per simulated hour."""
CATCH_UP_START = timedelta(days=1)
"""How far back a faster-than-real-time run starts, so its readings are never in the future."""
RATE_CATCH_UP = timedelta(days=7)
"""How far back a run at a rate starts: inside the 30 days ingest accepts, and long enough (the
0.1-scale demo's 7 days are over 5 hours at 20,000 readings/s) before it reaches the present."""
MAX_BATCH = 5000
"""Readings per message at most (ingest's default `LINLI_MAX_INGEST_BATCH`)."""
RATE_BATCH = 100
"""A run at a rate spaces its rounds (up to `MAX_TICK_S`) so that a device's batch holds about
this many readings: a request or message per device costs the receiver more than a reading."""
MAX_TICK_S = 5.0
_TAKE_CHUNK = 2000  # readings computed between two chances for in-flight sends to progress


def auto_incident_rate(device_types: Sequence[str], *, speed: float) -> float:
    """Return the per-device rate that gives the whole list a few crossings per minute."""
    per_hour_at_rate_1 = expected_incidents_per_hour(list(device_types), 1.0)
    if per_hour_at_rate_1 <= 0 or speed <= 0:
        return 0.0
    rate = TARGET_CROSSINGS_PER_MINUTE * 60 / (per_hour_at_rate_1 * speed)
    return min(MAX_AUTO_INCIDENT_RATE, rate)


def _booleans(device_type: str) -> frozenset[str]:
    """Return the metrics of a type that ingest takes only as 0 or 1."""
    from linli.iot.types import DEVICE_TYPES

    kind = DEVICE_TYPES.get(device_type)
    return frozenset(m.name for m in kind.metrics.values() if m.boolean) if kind else frozenset()


def _reports_battery(device_type: str) -> bool:
    from linli.iot.types import DEVICE_TYPES

    kind = DEVICE_TYPES.get(device_type)
    return kind is not None and "battery" in kind.metrics


Batches = dict[str, tuple[SimulatedDevice, list[dict[str, Any]]]]


class Simulator:
    """Produce readings for a device list and post them to a Linli server."""

    def __init__(
        self,
        devices: Sequence[SimulatedDevice],
        *,
        seed: int = 0,
        incident_rate: float | None = None,
        speed: float = 1.0,
        start: datetime | None = None,
        concurrency: int = 16,
        retries: int = 3,
        backoff_s: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        faults: Sequence[Fault] = (),
        rate: float | None = None,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("the rate must be positive")
        if speed <= 0:
            raise ValueError("speed must be positive")
        if concurrency < 1 or retries < 0:
            raise ValueError("concurrency must be at least 1 and retries not negative")
        self.devices = [d for d in devices if d.type in METRICS]
        self.skipped = [d for d in devices if d.type not in METRICS]
        types = [d.type for d in self.devices]
        self.rate = rate
        if rate is not None:  # every device reports once per simulated second
            speed = rate / max(1, sum(len(METRICS[t]) for t in types))
        self.incident_rate = (
            auto_incident_rate(types, speed=speed) if incident_rate is None else incident_rate
        )
        self.speed = speed
        self._sensors = {
            d.code: Sensor(
                d.type,
                code=d.code,
                seed=seed,
                incident_rate=self.incident_rate,
                zone=site_zone(d.site, d.lon),
            )
            for d in self.devices
        }
        self._wall_start = clock.now()
        if start is None and rate is not None:
            start = self._wall_start - RATE_CATCH_UP
        elif start is None:
            start = self._wall_start - (CATCH_UP_START if speed > 1 else timedelta())
        self._sim_start = start
        self._concurrency = concurrency
        self._delivery = Delivery(retries=retries, backoff_s=backoff_s, sleep=sleep)
        self._sleep = sleep
        self.faults = list(faults)
        self._sent_rounds: dict[str, int] = {}  # per device, for the spike period
        # Where a run at a rate is on the timeline: the next (simulated second, device) to take,
        # and what is left of a device's readings split between two ticks.
        self._cursor, self._cursor_index = self._sim_start, 0
        self._carry: tuple[SimulatedDevice, list[dict[str, Any]]] | None = None

    @property
    def simulated_start(self) -> datetime:
        """Return the simulated time the run starts at."""
        return self._sim_start

    def expected_crossings_per_minute(self) -> float:
        """Return how many threshold crossings per wall-clock minute the devices should cause."""
        types = [d.type for d in self.devices]
        return expected_incidents_per_hour(types, self.incident_rate) * self.speed / 60

    def simulated_now(self) -> datetime:
        """Return the simulated time, never ahead of the wall clock (ingest refuses the future)."""
        wall = clock.now()
        simulated = self._sim_start + (wall - self._wall_start) * self.speed
        return min(simulated, wall).replace(microsecond=0)

    def faults_of(self, code: str) -> dict[str, Fault]:
        """Return the faults that apply to device `code`, by kind (a named one beats `*`)."""
        found: dict[str, Fault] = {}
        for fault in self.faults:
            if fault.device == "*" and fault.kind not in found:
                found[fault.kind] = fault
        for fault in self.faults:
            if fault.device == code:
                found[fault.kind] = fault
        return found

    def readings(self, device: SimulatedDevice, when: datetime) -> list[dict[str, Any]]:
        """Return the ingest items for one device at `when`: one per metric, faults applied."""
        faults = self.faults_of(device.code)
        if "silence" in faults:
            return []
        sensor = self._sensors[device.code]
        hours = max(0.0, (when - self._sim_start).total_seconds() / 3600)
        values = sensor.values(self._sim_start if "stuck" in faults else when)
        ranges = {m.name: m for m in METRICS[device.type]}
        booleans = _booleans(device.type)  # on or off: they neither drift nor spike halfway
        if "drift" in faults:
            values = {
                k: v
                if k in booleans
                else round(
                    min(ranges[k].high, max(ranges[k].low, v + faults["drift"].amount * hours)), 3
                )
                for k, v in values.items()
            }
        count = self._sent_rounds.get(device.code, 0) + 1
        self._sent_rounds[device.code] = count
        if "spike" in faults and count % max(1, int(faults["spike"].amount)) == 0:
            values = {
                k: ranges[k].high
                if k in booleans
                else round(ranges[k].low + 0.95 * (ranges[k].high - ranges[k].low), 1)
                for k in values
            }
        if "battery_drain" in faults and _reports_battery(device.type):
            values["battery"] = round(max(0.0, 100.0 - faults["battery_drain"].amount * hours), 2)
        ts = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return [{"metric": metric, "value": value, "ts": ts} for metric, value in values.items()]

    async def send_round(
        self, client: httpx.AsyncClient | MqttSender, *, when: datetime | None = None
    ) -> RoundReport:
        """Post one batch per device for `when` (default: simulated now) and tally the answers."""
        when = self.simulated_now() if when is None else when
        batches = [(device, self.readings(device, when)) for device in self.devices]
        gate = asyncio.Semaphore(self._concurrency)
        return await self._send(client, gate, when, batches)

    async def _send(
        self,
        client: httpx.AsyncClient | MqttSender,
        gate: asyncio.Semaphore,
        when: datetime,
        batches: Sequence[tuple[SimulatedDevice, list[dict[str, Any]]]],
    ) -> RoundReport:
        report = RoundReport(at=when, devices=len(self.devices))
        batches = [
            (device, items[i : i + MAX_BATCH])
            for device, items in batches
            for i in range(0, len(items), MAX_BATCH)  # none for silent devices
        ]
        outcomes = await asyncio.gather(
            *(self._delivery.send(client, gate, device, items) for device, items in batches)
        )
        for (device, items), outcome in zip(batches, outcomes, strict=True):
            report.sent += len(items)
            report.retries += outcome.retries
            if outcome.failure is not None:
                report.failures.append(outcome.failure)
                continue
            answer = outcome.answer or {}
            report.accepted += int(answer.get("accepted", 0))
            report.duplicates += int(answer.get("duplicates", 0))
            rejected = answer.get("rejected") or []
            report.rejected += len(rejected)
            report.rejections += [(device.code, item) for item in rejected]
        return report

    def take(self, count: int, into: Batches | None = None) -> Batches:
        """Take the next `count` readings off the timeline (fewer once it reaches the wall
        clock), added to `into` per device code."""
        batches: Batches = {} if into is None else into
        if not any("silence" not in self.faults_of(d.code) for d in self.devices):
            return batches
        limit = clock.now().replace(microsecond=0)
        taken = 0
        while taken < count:
            if self._carry is None:
                if self._cursor > limit:
                    break
                device = self.devices[self._cursor_index]
                self._carry = (device, self.readings(device, self._cursor))
                self._cursor_index += 1
                if self._cursor_index == len(self.devices):
                    self._cursor_index = 0
                    self._cursor += timedelta(seconds=1)
            device, items = self._carry
            part, rest = items[: count - taken], items[count - taken :]
            self._carry = (device, rest) if rest else None
            if part:
                batches.setdefault(device.code, (device, []))[1].extend(part)
                taken += len(part)
        return batches

    async def run(
        self,
        client: httpx.AsyncClient | MqttSender,
        *,
        interval_s: float,
        rounds: int | None = None,
        on_round: Callable[[RoundReport], None] = lambda report: None,
    ) -> None:
        """Send a round every `interval_s` seconds, `rounds` times or until cancelled."""
        done = 0
        next_at = clock.now()
        while rounds is None or done < rounds:
            on_round(await self.send_round(client))
            done += 1
            if rounds is not None and done >= rounds:
                return
            next_at += timedelta(seconds=interval_s)
            await self._sleep(max(0.0, (next_at - clock.now()).total_seconds()))

    def rate_tick(self) -> float:
        """Return the seconds between rounds at the rate: 1, or more (at most `MAX_TICK_S`)
        for each device's batch to hold about `RATE_BATCH` readings."""
        per_device = (self.rate or 1.0) / max(1, len(self.devices))
        return min(MAX_TICK_S, max(1.0, RATE_BATCH / per_device))

    async def run_at_rate(
        self,
        client: httpx.AsyncClient | MqttSender,
        *,
        count: int | None = None,
        tick_s: float | None = None,
        on_round: Callable[[RoundReport], None] = lambda report: None,
    ) -> RateTotals:
        """Send the simulator's `rate` readings per second, a tick's worth per round, until
        `count` are sent (or forever).

        Rounds are due every `tick_s` seconds (default `rate_tick()`); one that is late (the
        receiver is slower than the rate) starts as soon as the previous one is computed, so
        the run goes at its top rate. The next round is computed while one is in flight.
        """
        rate, tick_s = self.rate, self.rate_tick() if tick_s is None else tick_s
        if rate is None or tick_s <= 0:
            raise ValueError("give the simulator a rate, and a positive tick")
        totals = RateTotals(rate=rate)
        gate = asyncio.Semaphore(self._concurrency)
        began, ticks, taken = clock.now(), 0, 0
        in_flight: asyncio.Task[RoundReport] | None = None
        try:
            while count is None or taken < count:
                owed = int(rate * tick_s * (ticks + 1)) - int(rate * tick_s * ticks)
                owed = owed if count is None else min(owed, count - taken)
                when = self._cursor
                batches: Batches = {}
                for start in range(0, owed, _TAKE_CHUNK):
                    self.take(min(_TAKE_CHUNK, owed - start), batches)
                    await asyncio.sleep(0)  # let the round in flight progress
                got = sum(len(items) for _, items in batches.values())
                totals.caught_up |= got < owed
                taken += got
                if in_flight is not None:
                    on_round(report := await in_flight)
                    totals.add(report)
                in_flight = asyncio.create_task(
                    self._send(client, gate, when, list(batches.values()))
                )
                ticks += 1
                if count is not None and (got == 0 or taken >= count):
                    break  # done, or nothing left: every device is silent or caught up
                due = began + timedelta(seconds=tick_s * ticks)
                await self._sleep(max(0.0, (due - clock.now()).total_seconds()))
            if in_flight is not None:
                on_round(report := await in_flight)
                totals.add(report)
                in_flight = None
        finally:
            if in_flight is not None:
                in_flight.cancel()
        totals.seconds = max((clock.now() - began).total_seconds(), tick_s * ticks)
        return totals
