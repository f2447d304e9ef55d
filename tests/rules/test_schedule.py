"""Rule schedules: a rule raises only for readings (and silences) inside its local time window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from rules_world import World
from sqlalchemy import func, select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.rules import tasks
from linli.rules.models import Alarm, Rule
from linli.rules.schedule import in_schedule

NIGHT = {"tz": "Asia/Shanghai", "days": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00"}


def _local(day: int, hhmm: str) -> datetime:
    """Return 2026-03-0<day> hh:mm in Shanghai as UTC (2 March 2026 is a Monday)."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime(2026, 3, day, hours, minutes, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(
    ("day", "hhmm", "inside"),
    [
        (2, "21:59", False),  # Monday evening, before the window
        (2, "22:00", True),
        (3, "05:59", True),  # Tuesday morning belongs to Monday's night
        (3, "06:00", False),
        (3, "12:00", False),
        (6, "23:00", True),  # Friday night
        (7, "05:00", True),  # ... running into Saturday morning
        (7, "23:00", False),  # Saturday is not a window day
        (9, "03:00", False),  # Monday 03:00 belongs to Sunday's night, not a window day
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(
    day: int, hhmm: str, inside: bool
) -> None:
    assert in_schedule(NIGHT, _local(day, hhmm)) is inside


def test_a_same_day_window_and_no_schedule() -> None:
    office = {"tz": "Asia/Singapore", "days": [5, 6], "start": "09:00", "end": "17:30"}
    assert in_schedule(office, _local(7, "09:00"))  # Saturday (same offset as Shanghai)
    assert not in_schedule(office, _local(7, "17:30"))
    assert not in_schedule(office, _local(6, "10:00"))  # Friday
    assert in_schedule(None, _local(6, "10:00"))


def _rule(world: World, **change: Any) -> dict[str, Any]:
    return {
        "name": "Dust at night",
        "device_type": "AirQualityObserved",
        "metric": "pm25",
        "params": {"op": ">", "threshold": 75},
        "scope_unit_id": str(world.tree.district.id),
        "schedule": NIGHT,
        **change,
    }


@pytest.mark.parametrize(
    "schedule",
    [
        {**NIGHT, "start": "25:00"},
        {**NIGHT, "end": "6pm"},
        {**NIGHT, "tz": "Mars/Olympus"},
        {**NIGHT, "days": [7]},
        {**NIGHT, "days": []},
        {**NIGHT, "end": "22:00"},  # empty window
        {**NIGHT, "surprise": True},
    ],
)
async def test_an_impossible_schedule_is_refused_before_saving(
    world: World, client: AsyncClient, schedule: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/rules", json=_rule(world, schedule=schedule), headers=world.auth("admin")
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "bad_schedule"
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Rule)) == 0


async def test_a_scheduled_rule_raises_only_for_readings_inside_its_window(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    response = await client.post("/api/rules", json=_rule(world), headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["schedule"] == NIGHT
    clock.set(_local(3, "08:00"))
    # Monday evening: dusty before the window (no alarm), then still dusty after 22:00.
    await world.send(
        client,
        "AQ-A",
        ("pm25", 120, _local(2, "21:00")),
        ("pm25", 130, _local(2, "21:58")),
    )
    async with session_scope() as session:
        assert list(await session.scalars(select(Alarm))) == []
    await world.send(client, "AQ-A", ("pm25", 125, _local(2, "22:05")))
    async with session_scope() as session:
        (alarm,) = await session.scalars(select(Alarm))
        assert (alarm.raised_at, alarm.value) == (_local(2, "22:05"), 125.0)
    # Clearing is never held back by the schedule.
    await world.send(client, "AQ-A", ("pm25", 20, _local(3, "07:00")))
    async with session_scope() as session:
        (alarm,) = await session.scalars(select(Alarm))
        assert (alarm.status, alarm.cleared_at) == ("cleared", _local(3, "07:00"))
    # A breach in the morning stays quiet.
    await world.send(client, "AQ-A", ("pm25", 200, _local(3, "07:30")))
    async with session_scope() as session:
        assert len(list(await session.scalars(select(Alarm)))) == 1


async def test_silence_outside_the_window_does_not_raise_an_absence_alarm(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    # Both stations were registered on Monday 09:00 local and have never reported.
    response = await client.post(
        "/api/rules",
        json=_rule(world, kind="absence", metric=None, params={"silent_seconds": 3600}),
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text
    clock.set(_local(2, "18:00"))  # both stations silent for 6 h, in the afternoon
    assert await tasks.sweep_absence() == 0
    clock.set(_local(2, "22:50"))  # only 50 min of the silence fall inside the window
    assert await tasks.sweep_absence() == 0
    clock.set(_local(2, "23:05"))
    assert await tasks.sweep_absence() == 2
    async with session_scope() as session:
        alarms = list(await session.scalars(select(Alarm)))
        assert {a.status for a in alarms} == {"active"}
        assert {a.raised_at for a in alarms} == {_local(2, "23:05")}
    # The alarm stays open through the day and into the next night until a reading comes.
    clock.set(_local(3, "12:00"))
    assert await tasks.sweep_absence() == 0
    clock.set(_local(3, "22:10"))
    assert await tasks.sweep_absence() == 0
    async with session_scope() as session:
        assert {a.status for a in await session.scalars(select(Alarm))} == {"active"}
    await world.send(client, "AQ-A", ("pm25", 10, clock.now()))
    async with session_scope() as session:
        statuses = sorted(a.status for a in await session.scalars(select(Alarm)))
        assert statuses == ["active", "cleared"]
