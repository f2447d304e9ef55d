"""Alarm handling: flap suppression, shelving, and previewing a rule against history."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from rules_world import World, alarms_of

from linli.core import events
from linli.core.clock import ManualClock


async def test_a_flapping_alarm_reopens_and_counts_flaps_instead_of_raising_anew(
    world: World, client: AsyncClient, clock: ManualClock, alarm_events: list[events.Event]
) -> None:
    await world.add_rule(flap_seconds=300)
    t0 = clock.now()
    clock.advance(timedelta(hours=1))
    minute = timedelta(minutes=1)
    await world.send(client, "AQ-A", ("pm25", 80, t0 + minute), ("pm25", 50, t0 + 2 * minute))
    await world.send(client, "AQ-A", ("pm25", 90, t0 + 4 * minute))  # 2 min after clearing
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.flaps, alarm.cleared_at) == ("active", 1, None)
    assert (alarm.raised_at, alarm.last_value) == (t0 + minute, 90.0)
    await world.send(client, "AQ-A", ("pm25", 50, t0 + 5 * minute))
    await world.send(client, "AQ-A", ("pm25", 95, t0 + 11 * minute))  # 6 min after: a new one
    first, second = await alarms_of()
    assert (first.status, first.flaps) == ("cleared", 1)
    assert (second.status, second.flaps, second.value) == ("active", 0, 95.0)
    assert [(e.subject, getattr(e, "status", None)) for e in alarm_events] == [
        ("alarm.raised", "active"),
        ("alarm.changed", "cleared"),
        ("alarm.changed", "active"),
        ("alarm.changed", "cleared"),
        ("alarm.raised", "active"),
    ]


async def test_shelving_silences_an_open_alarm_until_a_time(
    world: World, client: AsyncClient, clock: ManualClock, alarm_events: list[events.Event]
) -> None:
    await world.add_rule(flap_seconds=600)
    t0 = clock.now()
    clock.advance(timedelta(minutes=30))
    await world.send(client, "AQ-A", ("pm25", 80, t0))
    (alarm,) = await alarms_of()
    until = clock.now() + timedelta(hours=2)
    url = f"/api/alarms/{alarm.id}/shelve"

    too_early = await client.post(url, json={"until": t0.isoformat()}, headers=world.auth("admin"))
    assert (too_early.status_code, too_early.json()["code"]) == (422, "bad_shelve_until")
    elsewhere = await client.post(
        url, json={"until": until.isoformat()}, headers=world.auth("op_b")
    )
    assert elsewhere.status_code == 404  # not in op_b's community: not even there
    response = await client.post(
        url,
        json={"until": until.isoformat(), "note": "works crew on site"},
        headers=world.auth("op"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["shelved_until"] == until.isoformat().replace("+00:00", "Z")
    assert [e.subject for e in alarm_events] == ["alarm.raised", "alarm.changed"]

    # While shelved a flap re-opens it without a word; clearing is still announced.
    await world.send(client, "AQ-A", ("pm25", 40, t0 + timedelta(minutes=1)))
    await world.send(client, "AQ-A", ("pm25", 90, t0 + timedelta(minutes=2)))
    (alarm,) = await alarms_of()
    assert (alarm.status, alarm.flaps) == ("active", 1)
    assert [getattr(e, "status", None) for e in alarm_events[2:]] == ["cleared"]

    await world.send(client, "AQ-A", ("pm25", 20, t0 + timedelta(minutes=3)))
    cleared = await client.post(url, json={"until": until.isoformat()}, headers=world.auth("op"))
    assert (cleared.status_code, cleared.json()["code"]) == (409, "alarm_cleared")


async def test_preview_counts_what_a_rule_would_have_fired_on_history_without_writing(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    now = clock.now()
    hour = timedelta(hours=1)
    await world.send(  # two days ago: two episodes above 75
        client,
        "AQ-A",
        ("pm25", 80, now - 48 * hour),
        ("pm25", 50, now - 47 * hour),
        ("pm25", 90, now - 46 * hour),
        ("pm25", 40, now - 45 * hour),
    )
    await world.send(client, "AQ-A", ("pm25", 100, now - 5 * hour))  # and one today
    await world.send(client, "AQ-B", ("pm25", 120, now - 3 * hour))
    rule = await world.add_rule()
    url = f"/api/rules/{rule.id}/preview"

    week = await client.get(url, headers=world.auth("op"))
    assert week.status_code == 200, week.text
    body = week.json()
    assert body["fires"] == 4
    assert [(d["device_code"], d["fires"]) for d in body["devices"]] == [
        ("AQ-A", 3),
        ("AQ-B", 1),
    ]
    day = await client.get(url, params={"days": 1}, headers=world.auth("op"))
    assert day.json()["fires"] == 2
    only_b = await client.get(url, headers=world.auth("op_b"))  # a district rule, B's devices
    assert [d["device_code"] for d in only_b.json()["devices"]] == ["AQ-B"]
    assert await alarms_of() == [] and await alarms_of("AQ-B") == []  # a preview writes nothing

    evenings = await world.add_rule(
        name="PM2.5 high in the evening",
        schedule={"tz": "UTC", "days": list(range(7)), "start": "19:00", "end": "23:00"},
    )
    scheduled = await client.get(f"/api/rules/{evenings.id}/preview", headers=world.auth("op"))
    # Only today's two readings (20:00 and 22:00 UTC) fall inside the window.
    assert [(d["device_code"], d["fires"]) for d in scheduled.json()["devices"]] == [
        ("AQ-A", 1),
        ("AQ-B", 1),
    ]

    silent = await world.add_rule(
        name="silent", kind="absence", metric=None, params={"silent_seconds": 3600}
    )
    absence = await client.get(
        f"/api/rules/{silent.id}/preview", params={"days": 1}, headers=world.auth("op")
    )
    # A: silent from the start of the day until 5 h ago, then again after; B: 3 h ago likewise.
    assert [(d["device_code"], d["fires"]) for d in absence.json()["devices"]] == [
        ("AQ-A", 2),
        ("AQ-B", 2),
    ]
    bad = await client.get(url, params={"days": 0}, headers=world.auth("op"))
    assert bad.status_code == 422
    missing = await client.get(
        f"/api/rules/{world.tree.district.id}/preview", headers=world.auth("op")
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "rule_not_found")
