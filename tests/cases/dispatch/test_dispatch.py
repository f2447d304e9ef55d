"""Dispatch to a person: named, picked automatically (grid worker / least loaded), re-assigned."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from linli.cases import service as cases
from linli.cases.models import Case
from linli.core.database import session_scope

from ..conftest import Staff, World


async def _registered(
    world: World, by: Staff, where: str = "C11-G1", category: str = "public.order.noise"
) -> str:
    """Report a case and have `by` register it; return its id."""
    reported = await world.report(where=where, category=category)
    async with session_scope() as session:
        await cases.register_case(session, reported.id, principal=by.principal)
    return str(reported.id)


async def _post(
    client: httpx.AsyncClient, cid: str, action: str, who: Staff, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)


async def _stored(cid: str) -> Case:
    async with session_scope() as session:
        found = await session.get(Case, uuid.UUID(cid))
        assert found is not None
        return found


async def test_dispatch_names_a_person_who_finds_it_on_their_workbench(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    worker = await world.staff("gw_g1", "grid_worker", "C11-G1")
    other = await world.staff("gw_g1b", "grid_worker", "C11-G1")
    cid = await _registered(world, operator)

    resp = await _post(client, cid, "dispatch", operator, {"assignee_id": str(worker.id)})
    assert resp.status_code == 200, resp.text
    case = resp.json()
    assert case["assigned_unit_id"] == str(world["C11-G1"].id)
    assert case["assignee_id"] == str(worker.id)
    dispatch = case["timeline"][-1]
    assert dispatch["action"] == "dispatch"
    assert dispatch["detail"]["assignee"] == {"id": str(worker.id), "name": "Gw_G1"}

    mine = await client.get("/api/cases", params={"assigned_to_me": "true"}, headers=worker.headers)
    assert [c["id"] for c in mine.json()["items"]] == [cid]
    theirs = await client.get(
        "/api/cases", params={"assigned_to_me": "true"}, headers=other.headers
    )
    assert theirs.json()["items"] == []


async def test_someone_else_of_the_unit_may_accept_and_becomes_the_assignee(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    named = await world.staff("gw_g1", "grid_worker", "C11-G1")
    colleague = await world.staff("gw_g1b", "grid_worker", "C11-G1")
    cid = await _registered(world, operator)
    await _post(client, cid, "dispatch", operator, {"assignee_id": str(named.id)})

    resp = await _post(client, cid, "accept", colleague, None)
    assert resp.status_code == 200, resp.text
    assert resp.json()["assignee_id"] == str(colleague.id)


async def test_auto_picks_the_grid_worker_of_the_case_grid(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    await world.staff("aaa_community", "grid_worker", "C11")  # first by name, but not the grid's
    own = await world.staff("zz_g1", "grid_worker", "C11-G1")
    await world.staff("bb_g2", "grid_worker", "C11-G2")

    for target in ("C11-G1", "C11"):  # the grid itself, or its community
        cid = await _registered(world, operator)
        body = {"unit_id": str(world[target].id), "assign": "auto"}
        resp = await _post(client, cid, "dispatch", operator, body)
        assert resp.status_code == 200, resp.text
        assert resp.json()["assignee_id"] == str(own.id), target


async def test_auto_picks_the_least_loaded_staff_of_a_department_ties_by_name(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    busy = await world.staff("anna", "department_staff", "D-SAN")
    free = await world.staff("bob", "department_staff", "D-SAN")
    await world.staff("carl", "department_staff", "D-SAN")
    await world.staff("op_san", "operator", "D-SAN")  # cannot handle cases: never picked

    first = await _registered(world, operator, category="env.waste")
    resp = await _post(client, first, "dispatch", operator, {"assign": "auto"})
    assert resp.json()["assignee_id"] == str(busy.id)  # all idle: the first by name

    second = await _registered(world, operator, category="env.waste")
    resp = await _post(client, second, "dispatch", operator, {"assign": "auto"})
    assert resp.json()["assignee_id"] == str(free.id)  # anna has one open case now


async def test_auto_leaves_the_case_to_the_unit_when_it_has_nobody(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    cid = await _registered(world, operator, category="env.waste")
    resp = await _post(client, cid, "dispatch", operator, {"assign": "auto"})
    assert resp.status_code == 200
    assert resp.json()["assignee_id"] is None
    assert resp.json()["timeline"][-1]["detail"]["assignee"] is None


async def test_a_person_outside_the_target_unit_is_refused_and_nothing_moves(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    elsewhere = await world.staff("gw_g2", "grid_worker", "C11-G2")
    clerk = await world.staff("clerk", "operator", "C11-G1")  # in the unit, but no cases:handle
    cid = await _registered(world, operator)
    for person in (elsewhere.id, clerk.id, uuid.uuid4()):
        resp = await _post(client, cid, "dispatch", operator, {"assignee_id": str(person)})
        assert resp.status_code == 422, resp.text
        assert resp.json()["code"] == "unknown_assignee"
    both = {"assignee_id": str(elsewhere.id), "assign": "auto"}
    resp = await _post(client, cid, "dispatch", operator, both)
    assert resp.status_code == 422 and resp.json()["code"] == "assign_conflict"
    bad = await _post(client, cid, "dispatch", operator, {"assign": "someone"})
    assert bad.status_code == 422
    case = await _stored(cid)
    assert case.status == "registered" and case.assignee_id is None


async def test_the_dispatcher_reassigns_within_the_unit(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    first = await world.staff("gw_a", "grid_worker", "C11-G1")
    second = await world.staff("gw_b", "grid_worker", "C11-G1")
    outsider = await world.staff("gw_c", "grid_worker", "C12-G1")
    cid = await _registered(world, operator)

    early = await _post(client, cid, "assign", operator, {"assignee_id": str(first.id)})
    assert early.status_code == 409 and early.json()["code"] == "illegal_transition"

    await _post(client, cid, "dispatch", operator, {"assignee_id": str(first.id)})
    await _post(client, cid, "accept", first, None)
    resp = await _post(
        client, cid, "assign", operator, {"assignee_id": str(second.id), "note": "first is ill"}
    )
    assert resp.status_code == 200, resp.text
    case = resp.json()
    assert case["assignee_id"] == str(second.id) and case["status"] == "accepted"
    last = case["timeline"][-1]
    assert (last["action"], last["from_status"], last["to_status"]) == (
        "reassign",
        "accepted",
        "accepted",
    )
    assert last["detail"]["previous"] == str(first.id) and last["note"] == "first is ill"

    wrong = await _post(client, cid, "assign", operator, {"assignee_id": str(outsider.id)})
    assert wrong.status_code == 422 and wrong.json()["code"] == "unknown_assignee"
    empty = await _post(client, cid, "assign", operator, {})
    assert empty.status_code == 422 and empty.json()["code"] == "assignee_required"
    by_worker = await _post(client, cid, "assign", second, {"assignee_id": str(first.id)})
    assert by_worker.status_code == 403
    assert (await _stored(cid)).assignee_id == second.id


async def test_town_system_dispatch_names_a_person_grid_leaves_it_to_the_operator(
    world: World, client: httpx.AsyncClient
) -> None:
    council = await world.staff("tc_officer", "department_staff", "T-TC")
    lon, lat = world.at("Z1")
    async with session_scope() as session:
        town = await cases.open_case_from_alarm(
            session,
            alarm_id=uuid.uuid4(),
            category_code="env.waste",
            unit=world["Z1"],
            title="Bin full",
            description="",
            lon=lon,
            lat=lat,
        )
    assert town.status == "dispatched" and town.assignee_id == council.id

    operator = await world.staff("op_d", "operator", "D")
    await world.staff("san", "department_staff", "D-SAN")
    cid = await _registered(world, operator, category="env.waste")
    resp = await _post(client, cid, "dispatch", operator, None)
    assert resp.json()["assigned_unit_id"] == str(world["D-SAN"].id)
    assert resp.json()["assignee_id"] is None  # grid: the unit picks, unless asked
