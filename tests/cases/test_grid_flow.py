from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from linli.cases import service as cases
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.security.models import AuditEntry

from .conftest import PNG, World


async def _act(
    client: httpx.AsyncClient, case_id: str, action: str, who: Any, body: dict[str, Any] | None
) -> dict[str, Any]:
    resp = await client.post(f"/api/cases/{case_id}/{action}", json=body, headers=who.headers)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def test_grid_case_goes_from_report_to_close_with_every_step_on_the_timeline(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    operator = await world.staff("op_c11", "operator", "C11")
    lon, lat = world.at("C11-G1")

    resp = await client.post(
        "/api/cases",
        json={
            "category_code": "public.order.noise",
            "title": "Loud music after midnight",
            "description": "Block 3, every night this week",
            "lon": lon,
            "lat": lat,
        },
        headers=worker.headers,
    )
    assert resp.status_code == 201, resp.text
    case = resp.json()
    assert re.fullmatch(r"C-260302-\d{6}", case["ref"])
    assert case["status"] == "reported" and case["profile"] == "grid"
    assert case["org_unit_id"] == str(world["C11-G1"].id)
    assert case["supervisor_unit_id"] == str(world["C11"].id)
    assert case["escalation_level"] == 0 and case["step"] == "register"
    assert case["allowed_actions"] == []  # a grid worker cannot register
    cid = case["id"]

    clock.advance(timedelta(minutes=10))
    case = await _act(client, cid, "register", operator, {"note": "confirmed by phone"})
    assert case["status"] == "registered" and case["step"] == "dispatch"
    assert set(case["allowed_actions"]) == {"dispatch", "reject"}

    clock.advance(timedelta(minutes=10))
    case = await _act(client, cid, "dispatch", operator, None)
    assert case["status"] == "dispatched"
    assert case["assigned_unit_id"] == str(world["C11-G1"].id)  # the routing table's choice

    clock.advance(timedelta(minutes=10))
    case = await _act(client, cid, "accept", worker, None)
    assert case["status"] == "accepted" and case["assignee_id"] == str(worker.id)
    case = await _act(client, cid, "start", worker, {"note": "on my way"})
    assert case["status"] == "in_progress"

    photo = await client.post(
        f"/api/cases/{cid}/attachments",
        files={"file": ("after.png", PNG, "image/png")},
        headers=worker.headers,
    )
    assert photo.status_code == 201, photo.text
    aid = photo.json()["id"]

    clock.advance(timedelta(hours=1))
    case = await _act(
        client, cid, "handle", worker, {"note": "spoke to the tenant", "evidence": [aid]}
    )
    assert case["status"] == "handled" and case["step"] == "verify"

    clock.advance(timedelta(minutes=30))
    case = await _act(client, cid, "verify", operator, {"passed": True, "note": "quiet now"})
    assert case["status"] == "verified"
    case = await _act(client, cid, "close", operator, None)
    assert case["status"] == "closed" and case["closed_at"] is not None
    assert case["step"] is None and case["step_deadline_at"] is None

    full = (await client.get(f"/api/cases/{cid}", headers=operator.headers)).json()
    steps = [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in full["timeline"]]
    assert steps == [
        ("report", None, "reported", "staff:gw_c11"),
        ("register", "reported", "registered", "staff:op_c11"),
        ("dispatch", "registered", "dispatched", "staff:op_c11"),
        ("accept", "dispatched", "accepted", "staff:gw_c11"),
        ("start", "accepted", "in_progress", "staff:gw_c11"),
        ("handle", "in_progress", "handled", "staff:gw_c11"),
        ("verify", "handled", "verified", "staff:op_c11"),
        ("close", "verified", "closed", "staff:op_c11"),
    ]
    assert [e["seq"] for e in full["timeline"]] == list(range(1, 9))
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    at = [datetime.fromisoformat(e["at"]) for e in full["timeline"]]
    assert at[0] == start and at[1] == start + timedelta(minutes=10)
    assert at[5] == start + timedelta(minutes=90)
    by_action = {e["action"]: e for e in full["timeline"]}
    assert by_action["register"]["note"] == "confirmed by phone"
    assert by_action["handle"]["note"] == "spoke to the tenant"
    assert by_action["handle"]["evidence"] == [aid]
    assert by_action["dispatch"]["detail"]["unit"]["code"] == "C11-G1"
    assert by_action["register"]["detail"]["deadline_set"]["step"] == "dispatch"
    assert [a["id"] for a in full["attachments"]] == [aid]

    async with session_scope() as session:
        audited = await session.scalar(
            select(func.count()).where(
                AuditEntry.target_id == cid, AuditEntry.action.like("case.%")
            )
        )
    assert audited == 9  # eight steps and the photo


async def test_failed_verification_sends_the_case_back_to_work_with_the_reason(
    world: World, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    operator = await world.staff("op_c11", "operator", "C11")
    cid = str((await world.report(worker)).id)
    for action, who, body in (
        ("register", operator, None),
        ("dispatch", operator, None),
        ("accept", worker, None),
        ("start", worker, None),
        ("handle", worker, {"note": "done"}),
    ):
        await _act(client, cid, action, who, body)

    no_reason = await client.post(
        f"/api/cases/{cid}/verify", json={"passed": False}, headers=operator.headers
    )
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"
    case = await _act(client, cid, "verify", operator, {"passed": False, "note": "still loud"})
    assert case["status"] == "in_progress" and case["step"] == "handle"
    assert case["timeline"][-1]["action"] == "fail_verification"
    assert case["timeline"][-1]["note"] == "still loud"
    case = await _act(client, cid, "handle", worker, {"note": "speaker removed"})
    assert case["status"] == "handled"


async def test_handling_needs_a_note(world: World, client: httpx.AsyncClient) -> None:
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    operator = await world.staff("op_c11", "operator", "C11")
    cid = str((await world.report(worker)).id)
    for action, who in (("register", operator), ("dispatch", operator), ("accept", worker)):
        await _act(client, cid, action, who, None)
    await _act(client, cid, "start", worker, None)
    resp = await client.post(f"/api/cases/{cid}/handle", json={}, headers=worker.headers)
    assert resp.status_code == 422
    resp = await client.post(
        f"/api/cases/{cid}/handle", json={"note": "   "}, headers=worker.headers
    )
    assert resp.status_code == 422 and resp.json()["code"] == "note_required"


async def test_a_department_returns_a_case_and_the_operator_redispatches_it(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    sanitation = await world.staff("san", "department_staff", "D-SAN")
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    cid = str((await world.report(worker, category="env.waste", title="Overflowing bin")).id)
    await _act(client, cid, "register", operator, None)
    case = await _act(client, cid, "dispatch", operator, None)
    assert case["assigned_unit_id"] == str(world["D-SAN"].id)

    bare = await client.post(f"/api/cases/{cid}/return", json={}, headers=sanitation.headers)
    assert bare.status_code == 422
    case = await _act(client, cid, "return", sanitation, {"reason": "private estate bin"})
    assert case["status"] == "returned" and case["assigned_unit_id"] is None
    assert case["timeline"][-1]["detail"]["from_unit"]["code"] == "D-SAN"

    target = str(world["C11-G2"].id)
    case = await _act(client, cid, "dispatch", operator, {"unit_id": target})
    assert case["status"] == "dispatched" and case["assigned_unit_id"] == target
    assert case["timeline"][-1]["detail"]["routed"] is False


async def test_reject_as_duplicate_names_the_original(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    first = await world.report(operator)
    second = await world.report(operator)
    assert first.ref != second.ref
    resp = await client.post(
        f"/api/cases/{second.id}/reject",
        json={"reason": "same noise", "duplicate_of": str(first.id)},
        headers=operator.headers,
    )
    assert resp.status_code == 200, resp.text
    case = resp.json()
    assert case["status"] == "rejected" and case["duplicate_of_id"] == str(first.id)
    assert case["closed_at"] is not None
    assert case["timeline"][-1]["detail"]["duplicate_of"]["ref"] == first.ref
    again = await client.post(f"/api/cases/{second.id}/register", json={}, headers=operator.headers)
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


async def test_dispatch_without_a_route_asks_for_a_unit(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    cid = str((await world.report(operator, category="env.air", title="Smoke")).id)
    await _act(client, cid, "register", operator, None)
    resp = await client.post(f"/api/cases/{cid}/dispatch", headers=operator.headers)
    assert resp.status_code == 409 and resp.json()["code"] == "no_route"
    resp = await client.post(
        f"/api/cases/{cid}/dispatch",
        json={"unit_id": str(world["T-TC"].id)},
        headers=operator.headers,
    )
    assert resp.status_code == 422 and resp.json()["code"] == "unknown_unit"


async def test_grid_category_requiring_a_photo_is_neither_handled_nor_closed_without_one(
    world: World, client: httpx.AsyncClient
) -> None:
    admin = await world.staff("admin", "admin", "D")
    plain = await world.report(admin)
    smoky = await world.report(admin, category="env.air", title="Smoke")
    for case in (plain, smoky):
        async with session_scope() as session:
            await cases.register_case(session, case.id, principal=admin.principal)
            await cases.dispatch_case(
                session, case.id, principal=admin.principal, unit_id=world["C11-G1"].id
            )
            await cases.accept_case(session, case.id, principal=admin.principal)
            await cases.start_case(session, case.id, principal=admin.principal)
    handled = await client.post(
        f"/api/cases/{plain.id}/handle", json={"note": "ok"}, headers=admin.headers
    )
    assert handled.status_code == 200, handled.text
    refused = await client.post(
        f"/api/cases/{smoky.id}/handle", json={"note": "ok"}, headers=admin.headers
    )
    assert refused.status_code == 409 and refused.json()["code"] == "photo_required"
    assert refused.json()["action"] == "handle"
    async with session_scope() as session:
        await cases.verify_case(session, plain.id, principal=admin.principal, passed=True)
    assert (await client.post(f"/api/cases/{plain.id}/close", headers=admin.headers)).is_success
    # A case handled before the category asked for a photo still cannot close without one.
    async with session_scope() as session:
        stored = await cases.find_case(session, smoky.id)
        assert stored is not None
        stored.status = "verified"
    refused = await client.post(f"/api/cases/{smoky.id}/close", headers=admin.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "photo_required"
