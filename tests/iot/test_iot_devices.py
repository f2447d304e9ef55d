"""Devices: registration with a token shown once, placement, scope, token rotation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from iot_world import IN_A, IN_B, World
from sqlalchemy import select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot.models import Device
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.security.models import AuditEntry
from linli.security.service import hash_secret
from list_pages import assert_bad_paging_refused, total, walk


async def test_registration_shows_the_token_once_and_stores_only_its_hash(
    world: World, client: AsyncClient
) -> None:
    lon, lat = IN_A
    response = await client.post(
        "/api/devices",
        json={
            "code": "NOISE-1",
            "type": "NoiseLevelObserved",
            "name": "Plaza",
            "lon": lon,
            "lat": lat,
        },
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text
    token = response.json()["token"]
    device = response.json()["device"]
    assert token.startswith("ld_") and len(token) > 30
    assert device["org_unit_id"] == str(world.tree.unit("S1-C1-G1").id)
    assert "token_hash" not in device

    shown = await client.get(f"/api/devices/{device['id']}", headers=world.auth("op"))
    assert shown.status_code == 200
    assert token not in shown.text and "token" not in shown.json()
    async with session_scope() as session:
        stored = await session.get(Device, uuid.UUID(device["id"]))
        assert stored is not None and stored.token_hash == hash_secret(token)
        audit = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "device.register", AuditEntry.target_id == device["id"]
            )
        )
        assert audit is not None and audit.actor == "staff:admin"


async def test_device_takes_its_place_from_a_building(world: World, client: AsyncClient) -> None:
    lon, lat = IN_B
    async with session_scope() as session:
        building = await registry_service.create_building(
            session, data=BuildingCreate(code="BLK-7", name="Block 7", lon=lon, lat=lat)
        )
    response = await client.post(
        "/api/devices",
        json={
            "code": "SMOKE-7-1",
            "type": "SmokeDetector",
            "name": "Block 7 lobby",
            "building_id": str(building.id),
        },
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text
    device = response.json()["device"]
    assert (device["lon"], device["lat"]) == (lon, lat)
    assert device["building_id"] == str(building.id)
    assert device["org_path"] == building.org_path


async def test_invalid_registrations_are_refused(world: World, client: AsyncClient) -> None:
    lon, lat = IN_A
    base: dict[str, Any] = {
        "code": "X-1",
        "type": "WaterLevel",
        "name": "Drain",
        "lon": lon,
        "lat": lat,
    }
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"type": "Toaster"}, 422, "unknown_device_type"),
        ({"code": "AQ-A"}, 409, "device_code_taken"),
        ({"lon": 114.5, "lat": 22.0}, 422, "outside_boundaries"),
        ({"lon": None, "lat": None}, 422, "location_required"),
        ({"building_id": str(uuid.uuid4())}, 422, "unknown_building"),
    ]
    for change, status, code in cases:
        response = await client.post(
            "/api/devices", json={**base, **change}, headers=world.auth("admin")
        )
        assert (response.status_code, response.json()["code"]) == (status, code), change
    listed = await client.get("/api/devices", headers=world.auth("admin"))
    assert [d["code"] for d in listed.json()["items"]] == ["AQ-A", "AQ-B"]


async def test_grid_worker_sees_only_the_devices_of_their_community(
    world: World, client: AsyncClient
) -> None:
    listed = await client.get("/api/devices", headers=world.auth("gw_a"))
    assert [d["code"] for d in listed.json()["items"]] == ["AQ-A"]
    assert [d["code"] for d in await walk(client, "/api/devices", world.auth("gw_a"), limit=1)] == [
        "AQ-A"
    ]
    everything = await walk(client, "/api/devices", world.auth("op"), limit=1)
    assert [d["code"] for d in everything] == ["AQ-A", "AQ-B"]
    assert await total(client, "/api/devices?status=unknown", world.auth("op")) == 2
    await assert_bad_paging_refused(client, "/api/devices", world.auth("op"))
    other = world.devices["AQ-B"].id
    for path in (f"/api/devices/{other}", f"/api/devices/{other}/readings"):
        response = await client.get(path, headers=world.auth("gw_a"))
        assert response.status_code == 404
        assert response.json()["code"] == "device_not_found"
    assert (
        await client.get(f"/api/devices/{other}", headers=world.auth("gw_b"))
    ).status_code == 200
    refused = await client.post(f"/api/devices/{other}/token", headers=world.auth("gw_b"))
    assert refused.status_code == 403


async def test_rotating_the_token_retires_the_old_one(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    device = world.devices["AQ-A"]
    old = world.device_tokens["AQ-A"]
    response = await client.post(f"/api/devices/{device.id}/token", headers=world.auth("admin"))
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old

    body = {"readings": [{"metric": "pm25", "value": 12}]}
    refused = await client.post("/api/ingest", json=body, headers=world.device_auth("AQ-A", old))
    assert refused.status_code == 401
    clock.advance(timedelta(seconds=1))
    accepted = await client.post("/api/ingest", json=body, headers=world.device_auth("AQ-A", new))
    assert accepted.status_code == 200
    assert accepted.json()["accepted"] == 1


async def test_device_page_shows_latest_values_and_readings_by_range(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    start = clock.now()
    device = world.devices["AQ-A"]
    readings = [
        {"metric": "pm25", "value": 10 + i, "ts": (start + timedelta(minutes=i)).isoformat()}
        for i in range(5)
    ] + [{"metric": "no2", "value": 33.5, "ts": start.isoformat()}]
    clock.advance(timedelta(minutes=5))
    sent = await client.post(
        "/api/ingest", json={"readings": readings}, headers=world.device_auth("AQ-A")
    )
    assert sent.json() == {"accepted": 6, "duplicates": 0, "rejected": []}

    detail = (await client.get(f"/api/devices/{device.id}", headers=world.auth("gw_a"))).json()
    latest = {v["metric"]: (v["value"], v["unit"]) for v in detail["latest"]}
    assert latest == {"no2": (33.5, "µg/m³"), "pm25": (14.0, "µg/m³")}
    assert detail["last_seen_at"] is not None

    window = await client.get(
        f"/api/devices/{device.id}/readings",
        params={
            "metric": "pm25",
            "start": (start + timedelta(minutes=1)).isoformat(),
            "end": (start + timedelta(minutes=3)).isoformat(),
        },
        headers=world.auth("gw_a"),
    )
    assert window.status_code == 200, window.text
    assert [r["value"] for r in window.json()["items"]] == [11.0, 12.0]
