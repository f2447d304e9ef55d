from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from linli.cases import service as cases
from linli.cases.models import Case
from linli.core.database import session_scope

from .conftest import JPEG, World


async def _alarm_case(world: World, *, category: str = "env.waste", zone: str = "Z1") -> Case:
    lon, lat = world.at(zone)
    async with session_scope() as session:
        return await cases.open_case_from_alarm(
            session,
            alarm_id=uuid.uuid4(),
            category_code=category,
            unit=world[zone],
            title="Bin fill level 95%",
            description="sensor BIN-7 over its limit",
            lon=lon,
            lat=lat,
        )


async def test_town_alarm_case_is_registered_and_dispatched_to_the_first_responder(
    world: World, client: httpx.AsyncClient
) -> None:
    case = await _alarm_case(world)
    assert case.profile == "town" and case.status == "dispatched"
    assert case.assigned_unit_id == world["T-TC"].id
    assert case.supervisor_unit_id == world["Z1"].id and case.step == "accept"

    council = await world.staff("tc", "department_staff", "T-TC")
    full = (await client.get(f"/api/cases/{case.id}", headers=council.headers)).json()
    assert [(e["action"], e["actor"]) for e in full["timeline"]] == [
        ("report", "system"),
        ("register", "system"),
        ("dispatch", "system"),
    ]
    assert full["timeline"][2]["detail"]["unit"]["code"] == "T-TC"
    assert full["allowed_actions"] == ["accept", "return"]


async def test_town_case_closes_only_with_a_photo(world: World, client: httpx.AsyncClient) -> None:
    council = await world.staff("tc", "department_staff", "T-TC")
    officer = await world.staff("town_op", "operator", "T")
    cid = str((await _alarm_case(world)).id)
    for action, who, body in (
        ("accept", council, None),
        ("start", council, None),
        ("handle", council, {"note": "bin emptied"}),
        ("verify", officer, {"passed": True}),
    ):
        resp = await client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)
        assert resp.status_code == 200, resp.text

    refused = await client.post(f"/api/cases/{cid}/close", headers=officer.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "photo_required"
    assert refused.headers["content-type"].startswith("application/problem+json")

    photo = await client.post(
        f"/api/cases/{cid}/attachments",
        files={"file": ("empty-bin.jpg", JPEG, "image/jpeg")},
        headers=council.headers,
    )
    assert photo.status_code == 201, photo.text
    closed = await client.post(
        f"/api/cases/{cid}/close",
        json={"evidence": [photo.json()["id"]]},
        headers=officer.headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["timeline"][-1]["evidence"] == [photo.json()["id"]]


async def test_resident_report_in_town_routes_at_once_but_staff_reports_wait(world: World) -> None:
    resident = await world.report(where="Z2", category="env.waste", source="resident")
    assert resident.status == "dispatched"
    staff = await world.report(where="Z2", category="env.waste", source="staff")
    assert staff.status == "reported"


async def test_town_case_without_a_route_waits_registered(world: World) -> None:
    case = await _alarm_case(world, category="env.air")
    assert case.status == "registered" and case.assigned_unit_id is None


async def test_the_same_alarm_opens_one_case_and_clearing_is_on_the_timeline(
    world: World,
) -> None:
    alarm_id = uuid.uuid4()
    lon, lat = world.at("C11-G1")
    for _ in range(2):  # delivery is at-least-once
        async with session_scope() as session:
            case = await cases.open_case_from_alarm(
                session,
                alarm_id=alarm_id,
                category_code="public.order.noise",
                unit=world["C11-G1"],
                title="Noise over 70 dB",
                description="",
                lon=lon,
                lat=lat,
            )
    assert case.status == "reported"  # grid: an operator registers it
    async with session_scope() as session:
        found = (await session.scalars(select(Case).where(Case.source_ref == str(alarm_id)))).all()
        assert [c.id for c in found] == [case.id]
        await cases.record_alarm_cleared(session, case_id=case.id, alarm_id=alarm_id)
    async with session_scope() as session:
        timeline = await cases.timeline(session, case)
        stored = await session.get(Case, case.id)
    assert [e.action for e in timeline] == ["report", "alarm_cleared"]
    assert timeline[-1].detail == {"alarm_id": str(alarm_id)}
    assert stored is not None and stored.status == "reported"
