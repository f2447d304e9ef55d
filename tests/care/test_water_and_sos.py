"""The water-meter rules (no water in 12 h; water every half hour for 24 h), and the SOS button:
an urgent case and every contact told within one evaluation cycle."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from linli.care.models import CareAlert, CareMessage
from linli.cases.models import Case
from linli.core.clock import ManualClock
from linli.core.database import session_scope

from .care_world import CareWorld, cycle, local, send


async def _alerts() -> list[CareAlert]:
    async with session_scope() as session:
        return list(await session.scalars(select(CareAlert).order_by(CareAlert.raised_at)))


async def test_no_water_in_twelve_hours_alerts_unless_away(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    profile = await world.create_profile(client)
    await client.patch(f"/api/care/profiles/{profile['id']}/monitors/no_motion_by",
                       json={"enabled": False}, headers=world.auth("carer1"))  # fmt: skip
    await send(world.devices["W-1"], "flow_lpm", 4)
    clock.advance(timedelta(hours=11, minutes=59))
    await cycle()
    assert await _alerts() == []
    clock.advance(timedelta(minutes=2))
    await cycle()
    assert [a.monitor for a in await _alerts()] == ["no_water"]


async def test_no_water_while_away_does_not_alert(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    profile = await world.create_profile(client)
    await client.patch(f"/api/care/profiles/{profile['id']}/monitors/no_motion_by",
                       json={"enabled": False}, headers=world.auth("carer1"))  # fmt: skip
    await send(world.devices["W-1"], "flow_lpm", 4)
    resp = await client.post(
        f"/api/care/profiles/{profile['id']}/away",
        json={"starts_at": clock.now().isoformat(),
              "ends_at": (clock.now() + timedelta(days=2)).isoformat()},
        headers=world.auth("carer2"),
    )  # fmt: skip
    assert resp.status_code == 201
    for _ in range(24):
        clock.advance(timedelta(hours=1))
        await cycle()
    assert await _alerts() == []


async def test_water_every_half_hour_for_a_day_alerts(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    profile = await world.create_profile(client)
    await client.patch(f"/api/care/profiles/{profile['id']}/monitors/no_motion_by",
                       json={"enabled": False}, headers=world.auth("carer1"))  # fmt: skip
    for _ in range(48):  # 23.5 hours of water every half hour: not yet
        await send(world.devices["W-1"], "flow_lpm", 2)
        clock.advance(timedelta(minutes=30))
    assert await _alerts() == []
    await send(world.devices["W-1"], "flow_lpm", 2)  # the 24th hour
    assert [a.monitor for a in await _alerts()] == ["water_constant"]
    # A gap of an hour starts a new run: no second alert for the same run.
    await send_after(clock, world, timedelta(minutes=30))
    assert len(await _alerts()) == 1


async def send_after(clock: ManualClock, world: CareWorld, delta: timedelta) -> None:
    clock.advance(delta)
    await send(world.devices["W-1"], "flow_lpm", 2)


async def test_sos_opens_the_case_and_tells_every_contact_at_once(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    await world.create_profile(client)
    clock.set(local(clock.now(), 14))
    await send(world.devices["SOS-1"], "pressed", 1)  # the evaluation of that one batch
    (alert,) = await _alerts()
    assert alert.monitor == "sos" and alert.status == "case"
    async with session_scope() as session:
        texts = list(await session.scalars(select(CareMessage).order_by(CareMessage.recipient)))
        case = await session.get(Case, alert.case_id)
    assert [m.recipient for m in texts] == ["contact:1", "contact:2"]
    assert texts[1].locale == "zh_Hans"
    assert case is not None and case.category_code == "care.sos_alarm"
    assert case.status == "dispatched" and case.assignee_id == world.staff["carer1"]
    assert case.created_at == clock.now()
