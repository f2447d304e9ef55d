"""Device status: online/offline from silence, events on changes, battery, status filter."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from iot_world import IN_A, World

from linli.core import eventlog
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service, status
from linli.iot.schemas import DeviceCreate
from linli.iot.types import DEVICE_TYPES


async def _refresh() -> int:
    async with session_scope() as session:
        return await status.refresh_status(session)


async def _codes(client: AsyncClient, world: World, wanted: str) -> list[str]:
    response = await client.get("/api/devices", params={"status": wanted}, headers=world.auth("op"))
    assert response.status_code == 200, response.text
    return [d["code"] for d in response.json()["items"]]


async def _status_events() -> list[tuple[str, str]]:
    async with session_scope() as session:
        entries = await eventlog.read_after(session, 0, patterns=("device.*",))
    return [(e.subject, e.payload["device_code"]) for e in entries]


async def test_silent_devices_go_offline_and_come_back(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    limit = timedelta(seconds=DEVICE_TYPES["AirQualityObserved"].interval_s * 3)
    reading = {"readings": [{"metric": "pm25", "value": 30}]}
    await client.post("/api/ingest", json=reading, headers=world.device_auth("AQ-A"))
    assert await _refresh() == 1  # AQ-B never reported and is still young: unknown
    assert await _codes(client, world, "online") == ["AQ-A"]
    assert await _codes(client, world, "unknown") == ["AQ-B"]

    clock.advance(limit - timedelta(seconds=1))
    assert await _refresh() == 0
    clock.advance(timedelta(seconds=2))
    assert await _refresh() == 2
    assert await _codes(client, world, "offline") == ["AQ-A", "AQ-B"]
    assert await _refresh() == 0  # judged once, not again

    await client.post("/api/ingest", json=reading, headers=world.device_auth("AQ-A"))
    await _refresh()
    assert await _codes(client, world, "online") == ["AQ-A"]
    assert await _status_events() == [
        ("device.online", "AQ-A"),
        ("device.offline", "AQ-A"),
        ("device.offline", "AQ-B"),
        ("device.online", "AQ-A"),
    ]
    bad = await client.get("/api/devices", params={"status": "asleep"}, headers=world.auth("op"))
    assert bad.status_code == 422 and bad.json()["code"] == "bad_status"


async def test_battery_comes_from_the_battery_metric(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    async with session_scope() as session:
        device, token = await service.register_device(
            session,
            data=DeviceCreate(code="SOS-1", type="SOSButton", name="SOS", lon=IN_A[0], lat=IN_A[1]),
        )
        device_id = device.id
    for pct in (81, 64):
        clock.advance(timedelta(minutes=1))
        await client.post(
            "/api/ingest",
            json={"readings": [{"metric": "battery", "value": pct}]},
            headers=world.device_auth("SOS-1", token),
        )
    await _refresh()
    response = await client.get(f"/api/devices/{device_id}", headers=world.auth("op"))
    assert response.json()["battery"] == 64
    assert response.json()["status"] == "online"
    # An SOS button reports hourly: an hour's silence leaves it online, over three do not.
    clock.advance(timedelta(hours=1))
    await _refresh()
    assert "SOS-1" in await _codes(client, world, "online")
    clock.advance(timedelta(hours=2, seconds=1))
    await _refresh()
    assert "SOS-1" in await _codes(client, world, "offline")
