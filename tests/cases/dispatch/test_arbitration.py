"""Arbitration: after a unit hands a case back, the level above the supervisor rules, bindingly."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from linli.cases import service as cases
from linli.cases.sla import tasks
from linli.core import clock as clock_mod
from linli.core.database import session_scope

from ..conftest import Staff, World


async def _post(
    client: httpx.AsyncClient, cid: str, action: str, who: Staff, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)


async def _returned(world: World, client: httpx.AsyncClient, operator: Staff, worker: Staff) -> str:
    """A C11 case dispatched to grid C11-G1 and handed back by its worker."""
    case = await world.report()
    cid = str(case.id)
    for action, who, body in (
        ("register", operator, None),
        ("dispatch", operator, None),
        ("return", worker, {"reason": "the noise comes from the next grid"}),
    ):
        resp = await _post(client, cid, action, who, body)
        assert resp.status_code == 200, resp.text
    return cid


async def test_the_street_rules_and_the_ruled_unit_can_no_longer_return_it(
    world: World, client: httpx.AsyncClient
) -> None:
    community = await world.staff("op_c11", "operator", "C11")
    street = await world.staff("op_s1", "operator", "S1")
    worker = await world.staff("gw_g1", "grid_worker", "C11-G1")
    cid = await _returned(world, client, community, worker)
    listed = (await client.get(f"/api/cases/{cid}", headers=street.headers)).json()
    assert listed["status"] == "returned" and listed["return_count"] == 1

    body = {"unit_id": str(world["C11-G1"].id), "reason": "the source is inside G1's blocks"}
    refused = await _post(client, cid, "arbitrate", community, body)
    assert refused.status_code == 403 and refused.json()["code"] == "not_arbitrator"

    resp = await _post(client, cid, "arbitrate", street, body)
    assert resp.status_code == 200, resp.text
    case = resp.json()
    assert case["status"] == "dispatched" and case["assigned_unit_id"] == str(world["C11-G1"].id)
    assert case["arbitrated_unit_id"] == str(world["C11-G1"].id)
    assert case["assignee_id"] == str(worker.id)  # the grid worker of the case's grid
    ruling = case["timeline"][-1]
    assert (ruling["action"], ruling["from_status"], ruling["to_status"]) == (
        "arbitrate",
        "returned",
        "dispatched",
    )
    assert ruling["note"] == "the source is inside G1's blocks"
    assert ruling["detail"]["ruling"]["responsible"]["code"] == "C11-G1"
    assert ruling["detail"]["ruling"]["by_unit"]["code"] == "S1"
    assert ruling["detail"]["ruling"]["disputes"] == 1 and ruling["detail"]["ruling"]["binding"]

    again = await _post(client, cid, "return", worker, {"reason": "still not ours"})
    assert again.status_code == 409 and again.json()["code"] == "arbitrated"
    await _post(client, cid, "accept", worker, None)
    again = await _post(client, cid, "return", worker, {"reason": "still not ours"})
    assert again.status_code == 409 and again.json()["code"] == "arbitrated"
    case = (await client.get(f"/api/cases/{cid}", headers=street.headers)).json()
    assert case["status"] == "accepted" and case["return_count"] == 1


async def test_returns_are_counted_as_disputes(world: World, client: httpx.AsyncClient) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    worker = await world.staff("gw_g1", "grid_worker", "C11-G1")
    other = await world.staff("gw_g2", "grid_worker", "C11-G2")
    cid = await _returned(world, client, operator, worker)
    await _post(client, cid, "dispatch", operator, {"unit_id": str(world["C11-G2"].id)})
    resp = await _post(client, cid, "return", other, {"reason": "not ours either"})
    assert resp.status_code == 200
    assert resp.json()["return_count"] == 2
    assert resp.json()["timeline"][-1]["detail"]["returns"] == 2


async def test_arbitrate_is_only_for_returned_cases_and_only_from_above(
    world: World, client: httpx.AsyncClient
) -> None:
    community = await world.staff("op_c11", "operator", "C11")
    street = await world.staff("op_s1", "operator", "S1")
    other_street = await world.staff("op_s2", "operator", "S2")
    district = await world.staff("op_d", "operator", "D")
    worker = await world.staff("gw_g1", "grid_worker", "C11-G1")
    body = {"unit_id": str(world["C11-G2"].id), "reason": "G2 owns the block"}

    fresh = str((await world.report()).id)
    await _post(client, fresh, "register", community, None)
    early = await _post(client, fresh, "arbitrate", street, body)
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"

    cid = await _returned(world, client, community, worker)
    hidden = await _post(client, cid, "arbitrate", other_street, body)
    assert hidden.status_code == 404
    by_worker = await _post(client, cid, "arbitrate", worker, body)
    assert by_worker.status_code == 403  # a grid worker holds no cases:arbitrate
    no_reason = await _post(client, cid, "arbitrate", street, {"unit_id": body["unit_id"]})
    assert no_reason.status_code == 422
    blank = await _post(client, cid, "arbitrate", street, {**body, "reason": "   "})
    assert blank.status_code == 422 and blank.json()["code"] == "reason_required"
    foreign = await _post(
        client, cid, "arbitrate", street, {**body, "unit_id": str(world["Z1"].id)}
    )
    assert foreign.status_code == 422 and foreign.json()["code"] == "unknown_unit"
    case = (await client.get(f"/api/cases/{cid}", headers=street.headers)).json()
    assert case["status"] == "returned" and case["arbitrated_unit_id"] is None

    resp = await _post(client, cid, "arbitrate", district, body)  # above the street is above too
    assert resp.status_code == 200, resp.text
    assert resp.json()["arbitrated_unit_id"] == str(world["C11-G2"].id)


async def test_after_escalation_the_district_arbitrates_not_the_street(
    world: World, client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    community = await world.staff("op_c11", "operator", "C11")
    street = await world.staff("op_s1", "operator", "S1")
    district = await world.staff("op_d", "operator", "D")
    worker = await world.staff("gw_g1", "grid_worker", "C11-G1")
    cid = await _returned(world, client, community, worker)
    clock.advance(timedelta(minutes=61))  # the re-dispatch waits past its 60 minutes
    assert await tasks.sweep_overdue() == 1
    async with session_scope() as session:
        case = await cases.get_case(session, uuid.UUID(cid), principal=district.principal)
        assert case.supervisor_unit_id == world["S1"].id

    body = {"unit_id": str(world["C11-G1"].id), "reason": "ruled at district level"}
    refused = await _post(client, cid, "arbitrate", street, body)
    assert refused.status_code == 403 and refused.json()["code"] == "not_arbitrator"
    resp = await _post(client, cid, "arbitrate", district, body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["timeline"][-1]["detail"]["ruling"]["by_unit"]["code"] == "D"
