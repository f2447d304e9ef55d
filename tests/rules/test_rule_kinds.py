"""Rule kinds on recorded reading sequences: hysteresis, minimum duration, rate, absence."""

from __future__ import annotations

from datetime import datetime, timedelta

from httpx import AsyncClient
from rules_world import World, alarms_of
from sqlalchemy import select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.rules import tasks
from linli.rules.extension import extension
from linli.rules.models import RuleState


def _at(t0: datetime, minutes: float) -> datetime:
    return t0 + timedelta(minutes=minutes)


async def test_hysteresis_keeps_the_alarm_open_until_past_the_clear_threshold(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(threshold=75, clear_threshold=60)
    t0 = clock.now()
    clock.advance(timedelta(hours=1))
    await world.send(client, "AQ-A", ("pm25", 80, _at(t0, 1)))
    # Back under 75 but not under 60: a reading hovering at the limit does not clear the alarm.
    await world.send(client, "AQ-A", ("pm25", 70, _at(t0, 2)), ("pm25", 62, _at(t0, 3)))
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.last_value) == ("active", 62.0)
    await world.send(client, "AQ-A", ("pm25", 58, _at(t0, 4)))
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.cleared_at, alarm.clear_value) == ("cleared", _at(t0, 4), 58.0)
    # Between the two levels again: no new alarm, since 70 is not above 75.
    await world.send(client, "AQ-A", ("pm25", 70, _at(t0, 5)))
    assert len(await alarms_of()) == 1


async def test_a_breach_must_last_for_seconds_across_batches(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(threshold=75, for_seconds=600)  # "PM2.5 > 75 for 10 min"
    t0 = clock.now()
    clock.advance(timedelta(hours=1))
    await world.send(client, "AQ-A", ("pm25", 80, _at(t0, 0)))
    await world.send(client, "AQ-A", ("pm25", 90, _at(t0, 5)))
    assert await alarms_of() == []
    async with session_scope() as session:
        (state,) = await session.scalars(select(RuleState))
        assert state.breach_started_at == t0  # remembered in the database, not in a process
    # A dip below the threshold restarts the count.
    await world.send(client, "AQ-A", ("pm25", 50, _at(t0, 6)))
    await world.send(client, "AQ-A", ("pm25", 85, _at(t0, 7)), ("pm25", 88, _at(t0, 16)))
    assert await alarms_of() == []
    await world.send(client, "AQ-A", ("pm25", 86, _at(t0, 17)))
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.raised_at, alarm.value) == ("active", _at(t0, 17), 86.0)
    # The other station's short breach stays pending and raises nothing.
    await world.send(client, "AQ-B", ("pm25", 99, _at(t0, 20)))
    assert await alarms_of("AQ-B") == []


async def test_rate_of_change_compares_with_the_previous_stored_reading(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(
        name="PM2.5 jump", kind="rate", params={"per_minute": 10, "window_seconds": 600}
    )
    t0 = clock.now()
    clock.advance(timedelta(hours=3))
    await world.send(client, "AQ-A", ("pm25", 20, _at(t0, 0)))
    await world.send(client, "AQ-A", ("pm25", 25, _at(t0, 1)))  # +5 per minute
    assert await alarms_of() == []
    await world.send(client, "AQ-A", ("pm25", 40, _at(t0, 2)))  # +15 per minute
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.value, alarm.raised_at) == ("active", 15.0, _at(t0, 2))
    await world.send(client, "AQ-A", ("pm25", 70, _at(t0, 3)), ("pm25", 72, _at(t0, 5)))
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.last_value, alarm.clear_value) == ("cleared", 30.0, 1.0)
    # Readings further apart than the window are not compared: no rate, no alarm.
    await world.send(client, "AQ-A", ("pm25", 500, _at(t0, 120)))
    assert len(await alarms_of()) == 1


async def test_a_falling_rate_fires_on_a_drop(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(name="sensor fell", kind="rate", params={"per_minute": -50})
    t0 = clock.now()
    clock.advance(timedelta(hours=1))
    await world.send(client, "AQ-A", ("pm25", 300, _at(t0, 0)), ("pm25", 290, _at(t0, 1)))
    assert await alarms_of() == []
    await world.send(client, "AQ-A", ("pm25", 100, _at(t0, 2)))
    (alarm,) = await alarms_of()
    assert alarm.value == -190.0


async def test_absence_sweep_raises_for_silent_devices_and_a_reading_clears_it(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    assert "rules.sweep_absence" in [t.name for t in extension.tasks()]
    start = clock.now()  # both stations were registered now; neither has reported
    await world.add_rule(
        name="station silent", kind="absence", metric=None, params={"silent_seconds": 900}
    )
    clock.advance(timedelta(minutes=5))
    await world.send(client, "AQ-A", ("pm25", 30, clock.now()))
    clock.advance(timedelta(minutes=11))  # A silent 11 min, B never heard of for 16 min
    assert await tasks.sweep_absence() == 1
    assert await alarms_of("AQ-A") == []
    (silent_b,) = await alarms_of("AQ-B")
    assert (silent_b.status, silent_b.metric, silent_b.value) == ("active", "*", 16 * 60.0)
    assert silent_b.raised_at == _at(start, 16)

    clock.advance(timedelta(minutes=5))
    assert await tasks.sweep_absence() == 1  # A now silent 16 min; B's alarm is only updated
    (silent_a,) = await alarms_of("AQ-A")
    assert silent_a.status == "active"
    (silent_b,) = await alarms_of("AQ-B")
    assert silent_b.last_value == 21 * 60.0

    clock.advance(timedelta(minutes=1))
    await world.send(client, "AQ-A", ("pm10", 12, clock.now()))  # any metric ends the silence
    (back_a,) = await alarms_of("AQ-A")
    assert (back_a.status, back_a.cleared_at) == ("cleared", clock.now())
    assert await tasks.sweep_absence() == 0
    assert len(await alarms_of("AQ-A")) == 1


async def test_absence_of_one_metric_ignores_other_metrics_and_devices_out_of_scope(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(
        name="no pm25",
        kind="absence",
        metric="pm25",
        params={"silent_seconds": 600},
        scope_unit_id=world.tree.unit("S1-C1").id,
    )
    clock.advance(timedelta(minutes=11))
    await world.send(client, "AQ-A", ("no2", 40, clock.now()))  # another metric does not count
    assert await tasks.sweep_absence() == 1
    (alarm,) = await alarms_of("AQ-A")
    assert alarm.metric == "pm25"
    assert await alarms_of("AQ-B") == []  # outside the rule's scope
    await world.send(client, "AQ-A", ("pm25", 5, clock.now()))
    (alarm,) = await alarms_of("AQ-A")
    assert alarm.status == "cleared"
