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


async def test_town_case_is_handled_with_a_photo_and_then_closes(
    world: World, client: httpx.AsyncClient
) -> None:
    council = await world.staff("tc", "department_staff", "T-TC")
    officer = await world.staff("town_op", "operator", "T")
    cid = str((await _alarm_case(world)).id)
    for action in ("accept", "start"):
        resp = await client.post(f"/api/cases/{cid}/{action}", headers=council.headers)
        assert resp.status_code == 200, resp.text

    # The handle step asks for the photo closing will need, so no case is left unclosable.
    refused = await client.post(
        f"/api/cases/{cid}/handle", json={"note": "bin emptied"}, headers=council.headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "photo_required"
    assert "photo of the work" in refused.json()["detail"]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/api/cases/{cid}", headers=council.headers)).json()[
        "status"
    ] == "in_progress"

    photo = await client.post(
        f"/api/cases/{cid}/attachments",
        files={"file": ("empty-bin.jpg", JPEG, "image/jpeg")},
        headers=council.headers,
    )
    assert photo.status_code == 201, photo.text
    handled = await client.post(
        f"/api/cases/{cid}/handle",
        json={"note": "bin emptied", "evidence": [photo.json()["id"]]},
        headers=council.headers,
    )
    assert handled.status_code == 200, handled.text
    assert handled.json()["timeline"][-1]["evidence"] == [photo.json()["id"]]
    verified = await client.post(
        f"/api/cases/{cid}/verify", json={"passed": True}, headers=officer.headers
    )
    assert verified.status_code == 200, verified.text
    closed = await client.post(f"/api/cases/{cid}/close", headers=officer.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"


async def test_the_inspector_adds_the_proof_when_closing(
    world: World, client: httpx.AsyncClient
) -> None:
    inspector = await world.staff("insp", "inspector", "T")
    cid = str((await _alarm_case(world)).id)
    # A case handled without a photo before the handle step asked for one.
    async with session_scope() as session:
        stored = await cases.find_case(session, uuid.UUID(cid))
        assert stored is not None
        stored.status = "verified"
    refused = await client.post(f"/api/cases/{cid}/close", headers=inspector.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "photo_required"

    photo = await client.post(
        f"/api/cases/{cid}/attachments",
        files={"file": ("after.jpg", JPEG, "image/jpeg")},
        headers=inspector.headers,
    )
    assert photo.status_code == 201, photo.text
    assert photo.json()["uploaded_by"] == "staff:insp"
    closed = await client.post(
        f"/api/cases/{cid}/close",
        json={"note": "seen on site", "evidence": [photo.json()["id"]]},
        headers=inspector.headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["timeline"][-1]["evidence"] == [photo.json()["id"]]
    # Once closed, nothing more is added.
    late = await client.post(
        f"/api/cases/{cid}/attachments",
        files={"file": ("late.jpg", JPEG, "image/jpeg")},
        headers=inspector.headers,
    )
    assert late.status_code == 409 and late.json()["code"] == "case_closed"


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
