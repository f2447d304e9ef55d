"""Composite rules: "smoke AND dust in the same building", evaluated from the event log."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from rules_world import World
from sqlalchemy import func, select

from factories import IN_A
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.schemas import DeviceCreate
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.rules import composite
from linli.rules.models import Alarm, Rule


@pytest.fixture
async def block(world: World) -> World:
    """Smoke detector SMK-1 and air station AQ-1 in block B1, air station AQ-2 in block B2."""
    async with session_scope() as session:
        buildings = {}
        for code in ("B1", "B2"):
            buildings[code] = await registry_service.create_building(
                session, data=BuildingCreate(code=code, name=code, lon=IN_A[0], lat=IN_A[1])
            )
        for code, kind, building in (
            ("SMK-1", "SmokeDetector", "B1"),
            ("AQ-1", "AirQualityObserved", "B1"),
            ("AQ-2", "AirQualityObserved", "B2"),
        ):
            device, token = await iot_service.register_device(
                session,
                data=DeviceCreate(
                    code=code, type=kind, name=code, lon=IN_A[0], lat=IN_A[1],
                    building_id=buildings[building].id,
                ),
            )  # fmt: skip
            world.devices[code], world.device_tokens[code] = device, token
    return world


async def _post(world: World, client: AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"scope_unit_id": str(world.tree.district.id), "severity": "major", **fields}
    response = await client.post("/api/rules", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _members(world: World, client: AsyncClient) -> tuple[str, str]:
    smoke = await _post(
        world,
        client,
        name="Smoke",
        device_type="SmokeDetector",
        metric="smoke",
        params={"op": ">=", "threshold": 1},
    )
    dust = await _post(
        world,
        client,
        name="Dust",
        device_type="AirQualityObserved",
        metric="pm25",
        params={"op": ">", "threshold": 75},
    )
    return smoke["id"], dust["id"]


def _composite(members: list[str], name: str = "Fire in a block", **params: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "composite",
        "params": {"op": "all", "members": members, "within": "building", **params},
    }


async def _open_of(rule_id: str) -> list[Alarm]:
    async with session_scope() as session:
        rows = await session.scalars(
            select(Alarm).where(Alarm.rule_id == uuid.UUID(rule_id), Alarm.status != "cleared")
        )
        return list(rows)


async def _all_of(rule_id: str) -> list[Alarm]:
    async with session_scope() as session:
        return list(await session.scalars(select(Alarm).where(Alarm.rule_id == uuid.UUID(rule_id))))


async def test_all_members_alarmed_in_one_building_within_the_window_raise_then_clear(
    block: World, client: AsyncClient, clock: ManualClock
) -> None:
    smoke, dust = await _members(block, client)
    fire = await _post(block, client, **_composite([smoke, dust], window_seconds=600))
    assert fire["device_type"] == "composite"
    t0 = clock.now()

    await block.send(client, "SMK-1", ("smoke", 1, t0))
    await block.send(client, "AQ-2", ("pm25", 150, t0))  # dust, but in the other block
    assert await composite.run_once() == 2
    assert await _open_of(fire["id"]) == []

    clock.advance(timedelta(minutes=5))
    await block.send(client, "AQ-1", ("pm25", 140, clock.now()))
    assert await composite.run_once() == 1
    (alarm,) = await _open_of(fire["id"])
    assert alarm.device_code == "SMK-1"  # the earliest member alarm's device is the source
    assert (alarm.status, alarm.value, alarm.raised_at) == ("active", 2.0, clock.now())
    assert alarm.severity == "major"

    # Each logged event is handled once: the composite's own event touches no composite.
    assert await composite.run_once() == 1
    assert await composite.run_once() == 0
    assert len(await _all_of(fire["id"])) == 1

    clock.advance(timedelta(minutes=1))
    await block.send(client, "SMK-1", ("smoke", 0, clock.now()))
    assert await composite.run_once() == 1
    (cleared,) = await _all_of(fire["id"])
    assert (cleared.status, cleared.cleared_at) == ("cleared", clock.now())


async def test_member_alarms_too_far_apart_do_not_fire_but_any_fires_on_one(
    block: World, client: AsyncClient, clock: ManualClock
) -> None:
    smoke, dust = await _members(block, client)
    fire = await _post(block, client, **_composite([smoke, dust], window_seconds=600))
    either = await _post(block, client, **_composite([smoke, dust], "Either", op="any"))
    t0 = clock.now()
    await block.send(client, "SMK-1", ("smoke", 1, t0))
    clock.advance(timedelta(minutes=20))
    await block.send(client, "AQ-1", ("pm25", 140, clock.now()))
    while await composite.run_once():
        pass
    assert await _open_of(fire["id"]) == []
    (alarm,) = await _open_of(either["id"])
    assert alarm.device_code == "SMK-1"


async def test_a_composite_of_composites_fires_through_the_event_log(
    block: World, client: AsyncClient, clock: ManualClock
) -> None:
    smoke, dust = await _members(block, client)
    fire = await _post(block, client, **_composite([smoke, dust]))
    coarse = await _post(
        block,
        client,
        name="Haze",
        device_type="AirQualityObserved",
        metric="pm10",
        params={"op": ">", "threshold": 300},
    )
    alert = await _post(
        block, client, **_composite([fire["id"], coarse["id"]], "Block alert", op="any")
    )
    t0 = clock.now()
    await block.send(client, "SMK-1", ("smoke", 1, t0))
    await block.send(client, "AQ-1", ("pm25", 140, t0))
    assert await composite.run_once() == 2  # the two member alarms: "fire" raises
    assert await _open_of(alert["id"]) == []
    assert await composite.run_once() == 1  # fire's own alarm: "block alert" raises
    (alarm,) = await _open_of(alert["id"])
    assert alarm.device_code == "SMK-1"


async def test_bad_definitions_are_refused_before_saving(block: World, client: AsyncClient) -> None:
    smoke, dust = await _members(block, client)
    fire = await _post(block, client, **_composite([smoke, dust]))
    alert = await _post(block, client, **_composite([fire["id"], dust], "Alert"))
    per_device = await _post(block, client, **_composite([smoke, dust], within="device"))
    elsewhere = await _post(
        block,
        client,
        name="Dust in B",
        device_type="AirQualityObserved",
        metric="pm25",
        params={"op": ">", "threshold": 75},
        scope_unit_id=str(block.tree.unit("S2-C1").id),
    )
    sleeping = await _post(
        block,
        client,
        name="Off",
        device_type="AirQualityObserved",
        metric="pm10",
        params={"op": ">", "threshold": 75},
        active=False,
    )
    async with session_scope() as session:
        before = await session.scalar(select(func.count()).select_from(Rule))
    s1 = str(block.tree.unit("S1-C1").id)
    bad = [
        ({**_composite([smoke])}, "too_few_members"),
        ({**_composite([smoke, str(uuid.uuid4())])}, "unknown_member"),
        ({**_composite([smoke, sleeping["id"]])}, "inactive_member"),
        ({**_composite([smoke, elsewhere["id"]]), "scope_unit_id": s1}, "member_out_of_scope"),
        ({**_composite([smoke, fire["id"]], within="device")}, "incompatible_scope"),
        ({**_composite([smoke, smoke])}, "duplicate_member"),
    ]
    for body, code in bad:
        response = await client.post(
            "/api/rules",
            json={"scope_unit_id": str(block.tree.district.id), **body},
            headers=block.auth("admin"),
        )
        assert response.status_code == 422, (code, response.text)
        assert response.json()["code"] == code
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Rule)) == before

    # fire → alert → fire would be a cycle, named in the message.
    response = await client.patch(
        f"/api/rules/{fire['id']}",
        json={"params": {**fire["params"], "members": [smoke, alert["id"]]}},
        headers=block.auth("admin"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "rule_cycle"
    assert "Fire in a block → Alert → Fire in a block" in response.json()["detail"]
    # A composite grouping per device fits inside a building-wide one.
    assert (await _post(block, client, **_composite([per_device["id"], dust])))["id"]
