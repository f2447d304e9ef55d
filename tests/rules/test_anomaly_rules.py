"""Anomaly rules: a learned detector per device raises alarms on recorded sequences.

The sequences are generated with fixed seeds (so recorded, not random per run) at one reading
every 10 minutes, sent day by day through ingest under the controlled clock.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from rules_world import World, alarms_of
from sqlalchemy import select

from factories import IN_A
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.schemas import DeviceCreate
from linli.rules import engine
from linli.rules.models import Rule, RuleState

STEP = timedelta(minutes=10)
PER_DAY = 144
Series = Callable[[int], float]


def streetlight(seed: int = 3) -> Series:
    """Power draw of a lamp on from 18:00 to 06:00 (about 100 W), off by day."""
    rng = random.Random(seed)

    def power(i: int) -> float:
        hour = (i % PER_DAY) / 6
        return 100 + rng.gauss(0, 2) if hour >= 18 or hour < 6 else 0.0

    return power


def water_flow(seed: int = 5) -> Series:
    """A building's water flow (l/min): nothing from midnight to 05:00, a smooth day curve."""
    rng = random.Random(seed)

    def flow(i: int) -> float:
        hour = (i % PER_DAY) / 6
        if hour < 5:
            return max(0.0, rng.gauss(0, 0.05))
        return max(0.0, 8 + 6 * math.sin(2 * math.pi * (hour - 6) / 24) + rng.gauss(0, 0.3))

    return flow


async def _device(world: World, code: str, kind: str) -> None:
    async with session_scope() as session:
        device, token = await iot_service.register_device(
            session,
            data=DeviceCreate(code=code, type=kind, name=code, lon=IN_A[0], lat=IN_A[1]),
        )
        world.devices[code], world.device_tokens[code] = device, token


async def _watched(
    world: World, code: str, kind: str, metric: str, params: dict[str, Any], name: str = "Odd"
) -> Rule:
    """Register device `code` of type `kind` and an anomaly rule on its `metric`."""
    await _device(world, code, kind)
    return await world.add_rule(
        name=name, kind="anomaly", device_type=kind, metric=metric, params=params
    )


async def _send_days(
    world: World,
    client: AsyncClient,
    code: str,
    metric: str,
    series: Series,
    t0: datetime,
    days: range,
) -> None:
    """Send each day's 144 readings as one batch, in time order."""
    for day in days:
        points = range(day * PER_DAY, (day + 1) * PER_DAY)
        await world.send(
            client, code, *((metric, round(series(i), 3), t0 + i * STEP) for i in points)
        )


def _start(clock: ManualClock, days: int) -> datetime:
    """Midnight (UTC) some days back, with the clock moved to after the last reading."""
    t0 = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    clock.set(t0 + timedelta(days=days, hours=1))
    return t0


ANOMALY = {"threshold": 0.7, "warmup_points": 2 * PER_DAY, "clear_below": 0.6}


async def test_a_streetlight_going_dark_while_on_raises_and_clears(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    rule = await _watched(
        world, "SL-1", "Streetlight", "power_w", ANOMALY, name="Lamp behaves oddly"
    )
    t0 = _start(clock, 7)
    power = streetlight()
    await _send_days(world, client, "SL-1", "power_w", power, t0, range(5))
    assert await alarms_of("SL-1") == []  # five normal days and nights
    # Night 6, 02:00: the lamp is on but draws nothing for four hours.
    dark = range(5 * PER_DAY + 12, 5 * PER_DAY + 36)

    def broken(i: int) -> float:
        value = power(i)
        return 0.0 if i in dark else value

    await _send_days(world, client, "SL-1", "power_w", broken, t0, range(5, 6))
    (alarm,) = await alarms_of("SL-1")
    assert alarm.rule_id == rule.id
    assert alarm.raised_at == t0 + dark[0] * STEP  # at the first dark reading
    assert 0.7 < alarm.value <= 1.0  # the anomaly score, not the power draw
    assert alarm.status == "cleared"  # the detector then learns the new level and calms down
    assert alarm.cleared_at is not None and alarm.clear_value is not None
    assert alarm.clear_value < 0.6


async def test_steady_night_flow_raises_a_leak_alarm(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _watched(world, "WM-1", "WaterConsumptionObserved", "flow_lpm", ANOMALY, name="Leak")
    t0 = _start(clock, 7)
    flow = water_flow()
    await _send_days(world, client, "WM-1", "flow_lpm", flow, t0, range(5))
    assert await alarms_of("WM-1") == []
    leak_from = 5 * PER_DAY + 6  # night 6 at 01:00 a pipe starts leaking 5 l/min, and stays so

    def leaking(i: int) -> float:
        value = flow(i)
        return value + 5.0 if i >= leak_from else value

    await _send_days(world, client, "WM-1", "flow_lpm", leaking, t0, range(5, 6))
    alarms = await alarms_of("WM-1")
    assert alarms, "a steady night-time flow raised no alarm"
    assert t0 + leak_from * STEP <= alarms[0].raised_at < t0 + (leak_from + 6) * STEP
    assert alarms[0].value > 0.7


def motion(seed: int = 7) -> Series:
    """Motion events per 10 minutes in a senior's flat: busy by day, almost none at night."""
    rng = random.Random(seed)

    def events(i: int) -> float:
        hour = (i % PER_DAY) / 6
        return float(rng.randint(3, 9)) if 7 <= hour < 22 else float(rng.random() < 0.05)

    return events


ROUTINE = {**ANOMALY, "baseline": "profile"}


async def test_a_morning_without_movement_in_a_seniors_flat_raises_an_inactivity_alarm(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _watched(world, "MS-1", "MotionSensor", "motion", ROUTINE, name="Unusual inactivity")
    t0 = _start(clock, 7)
    usual = motion()
    await _send_days(world, client, "MS-1", "motion", usual, t0, range(5))
    assert await alarms_of("MS-1") == []  # five ordinary days and quiet nights
    still_from = 5 * PER_DAY + 9 * 6  # day 6, 09:00: nobody moves for four hours

    def still(i: int) -> float:
        value = usual(i)
        return 0.0 if still_from <= i < still_from + 24 else value

    await _send_days(world, client, "MS-1", "motion", still, t0, range(5, 6))
    (alarm,) = await alarms_of("MS-1")
    # Raised within two hours of the last movement, and cleared once the senior moves again.
    assert t0 + still_from * STEP < alarm.raised_at <= t0 + (still_from + 12) * STEP
    assert alarm.value > 0.7
    assert alarm.status == "cleared" and alarm.cleared_at is not None


async def test_a_seniors_ordinary_fortnight_raises_no_inactivity_alarm(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _watched(world, "MS-2", "MotionSensor", "motion", ROUTINE)
    t0 = _start(clock, 15)
    await _send_days(world, client, "MS-2", "motion", motion(seed=9), t0, range(14))
    assert await alarms_of("MS-2") == []


async def test_a_normal_week_raises_nothing_and_state_stays_small(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _watched(world, "SL-2", "Streetlight", "power_w", ANOMALY)
    t0 = _start(clock, 8)
    await _send_days(world, client, "SL-2", "power_w", streetlight(seed=11), t0, range(7))
    assert await alarms_of("SL-2") == []
    async with session_scope() as session:
        (state,) = await session.scalars(select(RuleState))
    assert state.detector is not None
    assert state.detector["count"] == 7 * PER_DAY  # every reading learned, once, in order
    assert len(str(state.detector)) < 16_000  # bounded: about 500 numbers however long it runs


def _anomaly_rule(world: World, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "Lamp behaves oddly",
        "kind": "anomaly",
        "device_type": "Streetlight",
        "metric": "power_w",
        "params": params,
        "scope_unit_id": str(world.tree.unit("S1-C1").id),
    }


async def test_a_valid_anomaly_rule_is_saved_with_defaults(
    world: World, client: AsyncClient
) -> None:
    response = await client.post(
        "/api/rules", json=_anomaly_rule(world, {"threshold": 0.8}), headers=world.auth("admin")
    )
    assert response.status_code == 201, response.text
    assert response.json()["params"] == {
        "threshold": 0.8,
        "warmup_points": 300,
        "clear_below": None,
        "baseline": "surprise",
    }


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "bad_params"),  # a threshold is needed
        ({"threshold": 1.0}, "bad_params"),  # a score never exceeds 1
        ({"threshold": 0}, "bad_params"),
        ({"threshold": "high"}, "bad_params"),
        ({"threshold": 0.8, "warmup_points": 2}, "bad_params"),  # learns nothing in 2 readings
        ({"threshold": 0.8, "clear_below": 1.5}, "bad_params"),
        ({"threshold": 0.8, "window": 5}, "bad_params"),
        ({"threshold": 0.8, "baseline": "magic"}, "bad_params"),
        # Clearing above the raising level would clear on the very score that raised it.
        ({"threshold": 0.7, "clear_below": 0.9}, "bad_clear_below"),
    ],
)
async def test_bad_anomaly_params_are_refused_before_saving(
    world: World, client: AsyncClient, params: dict[str, Any], code: str
) -> None:
    response = await client.post(
        "/api/rules", json=_anomaly_rule(world, params), headers=world.auth("admin")
    )
    assert (response.status_code, response.json()["code"]) == (422, code)
    listed = await client.get("/api/rules", headers=world.auth("admin"))
    assert listed.json()["items"] == []


async def test_quiet_threshold_rules_stay_skipped_beside_an_anomaly_rule(
    world: World, client: AsyncClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.add_rule(threshold=75)  # pm25 > 75: readings of 10-20 cannot cross it
    await world.add_rule(name="PM odd", kind="anomaly", params={"threshold": 0.9})
    stepped: list[str] = []
    real_step = engine.step

    def counting(params: engine.Params, *args: Any) -> engine.Verdict | None:
        stepped.append(type(params).__name__)
        return real_step(params, *args)

    monkeypatch.setattr(engine, "step", counting)
    t0 = _start(clock, 1)
    await world.send(client, "AQ-A", *(("pm25", 10.0 + i % 10, t0 + i * STEP) for i in range(30)))
    assert stepped == ["AnomalyParams"] * 30  # only the anomaly rule looked at each reading
    assert await alarms_of("AQ-A") == []
