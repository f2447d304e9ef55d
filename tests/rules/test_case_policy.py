"""Per-rule case policy: a case per alarm, alarms joining the open case of their place, or none."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from rules_world import World
from sqlalchemy import func, select

from factories import IN_A
from linli.cases import service as cases_service
from linli.cases.models import Case
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.schemas import DeviceCreate
from linli.rules.models import Alarm, Rule


@pytest.fixture
async def category(world: World) -> str:
    async with session_scope() as session:
        await cases_service.upsert_category(session, code="env.air", name="Air pollution")
    return "env.air"


async def _second_station_near_a(world: World) -> None:
    """Register AQ-A2 in the same grid as AQ-A."""
    async with session_scope() as session:
        device, token = await iot_service.register_device(
            session,
            data=DeviceCreate(
                code="AQ-A2", type="AirQualityObserved", name="Air station A2", lon=IN_A[0],
                lat=IN_A[1],
            ),
        )  # fmt: skip
    world.devices["AQ-A2"], world.device_tokens["AQ-A2"] = device, token


def _rule(world: World, **change: Any) -> dict[str, Any]:
    return {
        "name": "Dust",
        "device_type": "AirQualityObserved",
        "metric": "pm25",
        "params": {"op": ">", "threshold": 75},
        "scope_unit_id": str(world.tree.district.id),
        **change,
    }


async def _alarm_of(code: str) -> Alarm:
    async with session_scope() as session:
        (alarm,) = await session.scalars(
            select(Alarm).where(Alarm.device_code == code).order_by(Alarm.raised_at.desc()).limit(1)
        )
        return alarm


async def _cases() -> list[Case]:
    async with session_scope() as session:
        return list(await session.scalars(select(Case).order_by(Case.created_at, Case.ref)))


async def _actions(case_id: uuid.UUID) -> list[tuple[str, str | None]]:
    async with session_scope() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return [
            (e.action, e.detail.get("alarm_id"))
            for e in await cases_service.timeline(session, case)
        ]


@pytest.mark.parametrize("policy", ["open", "attach"])
async def test_a_policy_that_makes_cases_needs_a_category(
    world: World, client: AsyncClient, policy: str
) -> None:
    response = await client.post(
        "/api/rules", json=_rule(world, case_policy=policy), headers=world.auth("admin")
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "case_category_required"
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Rule)) == 0


async def test_the_default_policy_follows_the_category_and_is_kept_in_the_version(
    world: World, client: AsyncClient, category: str
) -> None:
    plain = await client.post("/api/rules", json=_rule(world), headers=world.auth("admin"))
    with_case = await client.post(
        "/api/rules", json=_rule(world, case_category=category), headers=world.auth("admin")
    )
    assert plain.json()["case_policy"] == "none"
    assert with_case.json()["case_policy"] == "open"
    rule_id = with_case.json()["id"]
    changed = await client.patch(
        f"/api/rules/{rule_id}", json={"case_policy": "attach"}, headers=world.auth("admin")
    )
    assert changed.json()["case_policy"] == "attach"
    versions = await client.get(f"/api/rules/{rule_id}/versions", headers=world.auth("admin"))
    assert [v["case_policy"] for v in versions.json()] == ["open", "attach"]


async def test_open_makes_a_case_per_alarm(
    world: World, client: AsyncClient, clock: ManualClock, category: str
) -> None:
    await _second_station_near_a(world)
    await client.post(
        "/api/rules",
        json=_rule(world, case_category=category, case_policy="open"),
        headers=world.auth("admin"),
    )
    now = clock.now()
    await world.send(client, "AQ-A", ("pm25", 150, now))
    await world.send(client, "AQ-A2", ("pm25", 160, now))
    cases = await _cases()
    assert len(cases) == 2
    assert {c.source_ref for c in cases} == {
        str((await _alarm_of("AQ-A")).id),
        str((await _alarm_of("AQ-A2")).id),
    }


async def test_attach_joins_the_open_case_of_the_same_place_and_notes_clearing_there(
    world: World, client: AsyncClient, clock: ManualClock, category: str
) -> None:
    await _second_station_near_a(world)
    await client.post(
        "/api/rules",
        json=_rule(world, case_category=category, case_policy="attach"),
        headers=world.auth("admin"),
    )
    now = clock.now()
    await world.send(client, "AQ-A", ("pm25", 150, now))
    first = await _alarm_of("AQ-A")
    (case,) = await _cases()
    assert first.case_id == case.id

    await world.send(client, "AQ-A2", ("pm25", 160, now))
    second = await _alarm_of("AQ-A2")
    assert second.case_id == case.id
    assert len(await _cases()) == 1
    assert (await _actions(case.id))[-1] == ("alarm_attached", str(second.id))

    later = clock.advance(timedelta(minutes=1))
    await world.send(client, "AQ-A2", ("pm25", 10, later))
    assert (await _actions(case.id))[-1] == ("alarm_cleared", str(second.id))

    # Another community is another place: its alarm opens its own case.
    await world.send(client, "AQ-B", ("pm25", 170, now))
    other = await _alarm_of("AQ-B")
    cases = await _cases()
    assert len(cases) == 2
    assert other.case_id is not None and other.case_id != case.id


async def test_none_raises_the_alarm_without_a_case(
    world: World, client: AsyncClient, clock: ManualClock, category: str
) -> None:
    response = await client.post(
        "/api/rules",
        json=_rule(world, case_category=category, case_policy="none"),
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text
    await world.send(client, "AQ-A", ("pm25", 150, clock.now()))
    alarm = await _alarm_of("AQ-A")
    assert (alarm.status, alarm.case_id) == ("active", None)
    assert await _cases() == []
