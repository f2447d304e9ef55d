"""The overdue ledger: every missed deadline is written down and explained by the unit at fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from linli.cases.sla import tasks
from linli.core import clock as clock_mod

from ..conftest import Staff, World

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def _post(
    client: httpx.AsyncClient, path: str, who: Staff, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.post(path, json=body, headers=who.headers)


async def _ledger(client: httpx.AsyncClient, who: Staff, **params: Any) -> list[dict[str, Any]]:
    resp = await client.get("/api/overdue", params={**params, "count": True}, headers=who.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["total"] == len(resp.json()["items"]) and resp.json()["next"] is None
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


async def test_a_missed_deadline_is_written_to_the_ledger_and_explained(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    community = await world.staff("op_c11", "operator", "C11")
    district = await world.staff("op_d", "operator", "D")
    neighbour = await world.staff("op_c21", "operator", "C21")
    case = await world.report()  # 60 working minutes to register, at community C11
    clock.advance(timedelta(minutes=61))
    assert await tasks.sweep_overdue() == 1

    (entry,) = await _ledger(client, district)
    assert entry["case_id"] == str(case.id) and entry["case_ref"] == case.ref
    assert entry["step"] == "register" and entry["unit_id"] == str(world["C11"].id)
    assert entry["level"] == 0 and entry["explanation"] is None
    assert datetime.fromisoformat(entry["overdue_at"]) == START + timedelta(minutes=60)
    assert await _ledger(client, neighbour) == []
    assert len(await _ledger(client, district, unexplained="true")) == 1
    assert len(await _ledger(client, district, unit=str(world["C11"].id))) == 1
    assert await _ledger(client, district, unit=str(world["C12"].id)) == []

    path = f"/api/cases/{case.id}/overdue/explain"
    hidden = await _post(client, path, neighbour, {"explanation": "not us"})
    assert hidden.status_code == 404
    empty = await _post(client, path, community, {"explanation": ""})
    assert empty.status_code == 422
    resp = await _post(client, path, community, {"explanation": "the hotline was down"})
    assert resp.status_code == 200, resp.text
    (explained,) = resp.json()
    assert explained["explanation"] == "the hotline was down"
    assert explained["explained_by"] == "staff:op_c11"
    assert await _ledger(client, district, unexplained="true") == []
    assert len(await _ledger(client, district, unexplained="false")) == 1
    again = await _post(client, path, community, {"explanation": "twice"})
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_explain"

    detail = (await client.get(f"/api/cases/{case.id}", headers=district.headers)).json()
    last = detail["timeline"][-1]
    assert (last["action"], last["note"]) == ("explain_overdue", "the hotline was down")


async def test_each_level_missed_is_an_entry_and_the_escalated_miss_is_the_streets(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    district = await world.staff("op_d", "operator", "D")
    await world.report()
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()  # the district misses it too: flagged, written, not escalated
    entries = await _ledger(client, district)
    assert [(e["unit_id"], e["level"]) for e in entries] == [
        (str(world["C11"].id), 0),
        (str(world["S1"].id), 1),
        (str(world["D"].id), 2),
    ]
    clock.advance(timedelta(hours=8))
    await tasks.sweep_overdue()
    assert len(await _ledger(client, district)) == 3  # never twice for one miss


async def test_the_unit_at_fault_explains_not_the_one_that_sent_it(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    community = await world.staff("op_c11", "operator", "C11")
    sanitation = await world.staff("san", "department_staff", "D-SAN")
    case = await world.report(category="env.waste", title="Overflowing bin")
    cid = str(case.id)
    await _post(client, f"/api/cases/{cid}/register", operator, None)
    await _post(client, f"/api/cases/{cid}/dispatch", operator, None)  # to D-SAN, 60 min to accept
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    (entry,) = await _ledger(client, operator)
    assert entry["step"] == "accept" and entry["unit_id"] == str(world["D-SAN"].id)
    assert len(await _ledger(client, sanitation)) == 1  # their own miss, in their subtree

    path = f"/api/cases/{cid}/overdue/explain"
    refused = await _post(client, path, community, {"explanation": "not our bin"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_responsible"
    resp = await _post(client, path, sanitation, {"explanation": "truck broke down"})
    assert resp.status_code == 200


async def test_closing_the_case_takes_it_off_the_open_ledger_but_keeps_it(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    worker = await world.staff("gw", "grid_worker", "C11-G1")
    case = await world.report()
    cid = str(case.id)
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    for action, who, body in (
        ("register", operator, None),
        ("dispatch", operator, None),
        ("accept", worker, None),
        ("start", worker, None),
        ("handle", worker, {"note": "spoke to them"}),
        ("verify", operator, {"passed": True}),
    ):
        resp = await _post(client, f"/api/cases/{cid}/{action}", who, body)
        assert resp.status_code == 200, resp.text
    assert len(await _ledger(client, operator)) == 1  # still open until the case closes
    await _post(client, f"/api/cases/{cid}/close", operator, None)
    assert await _ledger(client, operator) == []
    (kept,) = await _ledger(client, operator, resolved="true")
    assert datetime.fromisoformat(kept["resolved_at"]) == clock.now()


async def test_ledger_refuses_a_unit_filter_outside_the_callers_subtree(
    world: World, client: httpx.AsyncClient
) -> None:
    community = await world.staff("op_c11", "operator", "C11")
    resp = await client.get(
        "/api/overdue", params={"unit": str(world["C21"].id)}, headers=community.headers
    )
    assert resp.status_code == 404 and resp.json()["code"] == "unit_not_found"
    bad = await client.get("/api/overdue", params={"unit": "nope"}, headers=community.headers)
    assert bad.status_code == 422
