"""Threshold alarms: raised once per breach episode, cleared when back in range, acknowledged."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from httpx import AsyncClient
from rules_world import World, alarms_of
from sqlalchemy.exc import IntegrityError

from linli.core import events
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.iot.schemas import ReadingIn
from linli.rules.events import AlarmChanged, AlarmRaised
from linli.rules.models import Alarm
from list_pages import assert_bad_paging_refused, total, walk


async def test_breach_raises_one_alarm_until_back_in_range_then_a_new_one(
    world: World, client: AsyncClient, clock: ManualClock, alarm_events: list[events.Event]
) -> None:
    await world.add_rule()
    t0 = clock.now()
    clock.advance(timedelta(minutes=30))
    await world.send(client, "AQ-A", ("pm25", 60, t0))
    assert await alarms_of() == []

    await world.send(client, "AQ-A", ("pm25", 80, t0 + timedelta(minutes=1)))
    await world.send(
        client,
        "AQ-A",
        ("pm25", 90, t0 + timedelta(minutes=2)),
        ("pm25", 100, t0 + timedelta(minutes=3)),
    )
    (alarm,) = await alarms_of()
    assert alarm.status == "active"
    assert alarm.severity == "major"
    assert (alarm.value, alarm.raised_at) == (80.0, t0 + timedelta(minutes=1))
    assert (alarm.last_value, alarm.last_value_at) == (100.0, t0 + timedelta(minutes=3))
    assert alarm.org_path == world.devices["AQ-A"].org_path

    await world.send(client, "AQ-A", ("pm25", 50, t0 + timedelta(minutes=4)))
    (cleared,) = await alarms_of()
    assert cleared.status == "cleared"
    assert (cleared.cleared_at, cleared.clear_value) == (t0 + timedelta(minutes=4), 50.0)

    await world.send(client, "AQ-A", ("pm25", 120, t0 + timedelta(minutes=5)))
    first, second = await alarms_of()
    assert (first.id, first.status) == (alarm.id, "cleared")
    assert (second.status, second.value) == ("active", 120.0)

    assert [(type(e), getattr(e, "status", None)) for e in alarm_events] == [
        (AlarmRaised, "active"),
        (AlarmChanged, "cleared"),
        (AlarmRaised, "active"),
    ]
    raised = alarm_events[0]
    assert isinstance(raised, AlarmRaised)
    assert (raised.alarm_id, raised.device_code, raised.metric, raised.value) == (
        alarm.id,
        "AQ-A",
        "pm25",
        80.0,
    )
    assert (raised.lon, raised.lat) == (world.devices["AQ-A"].lon, world.devices["AQ-A"].lat)
    assert raised.org_path == alarm.org_path
    assert raised.envelope()["subject"] == "alarm.raised"
    assert alarm_events[1].envelope()["subject"] == "alarm.changed"


async def test_a_breach_and_its_recovery_in_one_batch(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule()
    t0 = clock.now() - timedelta(minutes=10)
    await world.send(
        client,
        "AQ-A",
        ("pm25", 50, t0 + timedelta(minutes=4)),  # sent out of order: evaluated by time
        ("pm25", 90, t0 + timedelta(minutes=1)),
        ("pm25", 95, t0 + timedelta(minutes=5)),
    )
    first, second = await alarms_of()
    assert (first.status, first.cleared_at) == ("cleared", t0 + timedelta(minutes=4))
    assert (second.status, second.value) == ("active", 95.0)


async def test_late_readings_do_not_move_alarms(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule()
    t0 = clock.now() - timedelta(minutes=10)
    await world.send(client, "AQ-A", ("pm25", 90, t0 + timedelta(minutes=5)))
    result = await world.send(client, "AQ-A", ("pm25", 20, t0 + timedelta(minutes=2)))
    assert result["accepted"] == 1  # stored as history
    (alarm,) = await alarms_of()
    assert alarm.status == "active"


async def test_rules_apply_only_inside_their_scope_and_by_severity(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(name="B only", scope_unit_id=world.tree.unit("S2-C1").id)
    await world.add_rule(name="very high", threshold=150, severity="critical")
    await world.add_rule(name="off", threshold=10, active=False)
    now = clock.now()
    await world.send(client, "AQ-A", ("pm25", 200, now))
    await world.send(client, "AQ-B", ("pm25", 100, now))
    assert [a.severity for a in await alarms_of("AQ-A")] == ["critical"]
    assert [a.severity for a in await alarms_of("AQ-B")] == ["major"]


async def test_below_rules_fire_on_low_values(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule(name="sensor stuck at zero", op="<=", threshold=0, severity="warning")
    await world.send(client, "AQ-A", ("pm25", 0, clock.now()))
    (alarm,) = await alarms_of()
    assert alarm.severity == "warning"


async def test_acknowledging_an_alarm(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule()
    await world.send(client, "AQ-A", ("pm25", 90, clock.now()))
    (alarm,) = await alarms_of()
    clock.advance(timedelta(minutes=3))

    not_mine = await client.post(
        f"/api/alarms/{alarm.id}/acknowledge", json={"note": "x"}, headers=world.auth("op_b")
    )
    assert not_mine.status_code == 404
    no_right = await client.post(f"/api/alarms/{alarm.id}/acknowledge", headers=world.auth("gw_a"))
    assert no_right.status_code == 403

    response = await client.post(
        f"/api/alarms/{alarm.id}/acknowledge",
        json={"note": "on my way"},
        headers=world.auth("op"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["acknowledged_by"], body["ack_note"]) == (
        "acknowledged",
        "staff:op",
        "on my way",
    )
    assert body["acknowledged_at"].startswith("2026-03-02T01:03:00")

    again = await client.post(f"/api/alarms/{alarm.id}/acknowledge", headers=world.auth("op"))
    assert (again.status_code, again.json()["code"]) == (409, "alarm_not_active")

    await world.send(client, "AQ-A", ("pm25", 30, clock.now()))
    (cleared,) = await alarms_of()
    assert cleared.status == "cleared"
    assert cleared.ack_note == "on my way"


async def test_alarm_lists_follow_scope_and_filters(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await world.add_rule()
    now = clock.now()
    await world.send(client, "AQ-A", ("pm25", 90, now - timedelta(minutes=2)))
    await world.send(client, "AQ-A", ("pm25", 10, now - timedelta(minutes=1)))
    await world.send(client, "AQ-A", ("pm25", 95, now))
    await world.send(client, "AQ-B", ("pm25", 99, now))

    assert await total(client, "/api/alarms", world.auth("op")) == 3
    # Page by page (two raised in the same instant), every alarm once, newest first.
    walked = await walk(client, "/api/alarms", world.auth("op"), limit=1)
    assert [a["value"] for a in walked[2:]] == [90.0]
    assert sorted(a["value"] for a in walked[:2]) == [95.0, 99.0]
    assert len({a["id"] for a in walked}) == 3
    assert [a["value"] for a in await walk(client, "/api/alarms", world.auth("op_b"), limit=1)] == [
        99.0
    ]
    await assert_bad_paging_refused(client, "/api/alarms?open=true", world.auth("op"))
    open_ones = await client.get("/api/alarms?open=true", headers=world.auth("op"))
    assert sorted(a["value"] for a in open_ones.json()["items"]) == [95.0, 99.0]
    cleared = await client.get("/api/alarms?status=cleared", headers=world.auth("op"))
    assert [a["value"] for a in cleared.json()["items"]] == [90.0]

    mine = await client.get("/api/alarms", headers=world.auth("gw_a"))
    assert {a["device_id"] for a in mine.json()["items"]} == {str(world.devices["AQ-A"].id)}
    theirs = (await client.get("/api/alarms", headers=world.auth("op_b"))).json()["items"]
    assert [a["value"] for a in theirs] == [99.0]
    hidden = await client.get(f"/api/alarms/{theirs[0]['id']}", headers=world.auth("gw_a"))
    assert (hidden.status_code, hidden.json()["code"]) == (404, "alarm_not_found")
    shown = await client.get(f"/api/alarms/{theirs[0]['id']}", headers=world.auth("op_b"))
    assert shown.json()["status"] == "active"


async def test_the_database_allows_one_open_alarm_per_device_and_rule(world: World) -> None:
    rule = await world.add_rule()
    device = world.devices["AQ-A"]

    def alarm(status: str) -> Alarm:
        now = world.devices["AQ-A"].created_at
        return Alarm(
            rule_id=rule.id,
            device_id=device.id,
            device_code=device.code,
            metric="pm25",
            org_unit_id=device.org_unit_id,
            org_path=device.org_path,
            severity="major",
            status=status,
            raised_at=now,
            value=90.0,
            last_value=90.0,
            last_value_at=now,
        )

    async with session_scope() as session:
        session.add_all([alarm("cleared"), alarm("cleared"), alarm("active")])
    with pytest.raises(IntegrityError):
        async with session_scope() as session:
            session.add(alarm("acknowledged"))
    assert len(await alarms_of()) == 3


async def test_concurrent_batches_of_one_device_raise_one_alarm(
    world: World, clock: ManualClock
) -> None:
    await world.add_rule()
    t0 = clock.now() - timedelta(minutes=10)
    async with session_scope() as session:  # so that no batch writes the device row itself
        seen = await session.get(Device, world.devices["AQ-A"].id)
        assert seen is not None
        seen.last_seen_at = clock.now()

    async def deliver(value: float, minute: int) -> None:
        async with session_scope() as session:
            device = await session.get(Device, world.devices["AQ-A"].id)
            assert device is not None
            reading = ReadingIn(metric="pm25", value=value, ts=t0 + timedelta(minutes=minute))
            result = await iot_service.ingest(session, device=device, readings=[reading])
            assert result.accepted == 1

    await asyncio.gather(*(deliver(90 + i, i) for i in range(4)))
    (alarm,) = await alarms_of()
    assert alarm.status == "active"
