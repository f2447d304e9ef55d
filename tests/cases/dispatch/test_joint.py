"""Joint cases: a lead unit handles, supporting units see the case and contribute their part."""

from __future__ import annotations

from typing import Any

import httpx

from ..conftest import Staff, World


async def _post(
    client: httpx.AsyncClient, cid: str, action: str, who: Staff, body: dict[str, Any] | None
) -> httpx.Response:
    return await client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)


async def _joint(world: World, client: httpx.AsyncClient, operator: Staff) -> str:
    """A C11 noise case led by grid C11-G1, supported by the sanitation department."""
    cid = str((await world.report()).id)
    await _post(client, cid, "register", operator, None)
    body = {
        "unit_id": str(world["C11-G1"].id),
        "supporting_unit_ids": [str(world["D-SAN"].id)],
    }
    resp = await _post(client, cid, "dispatch", operator, body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["timeline"][-1]["detail"]["supporting"] == [
        {"id": str(world["D-SAN"].id), "code": "D-SAN"}
    ]
    return cid


async def test_supporting_unit_sees_the_case_and_the_lead_handles_after_its_part(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    lead = await world.staff("gw_g1", "grid_worker", "C11-G1")
    helper = await world.staff("san", "department_staff", "D-SAN")
    cid = await _joint(world, client, operator)

    seen = await client.get(f"/api/cases/{cid}", headers=helper.headers)
    assert seen.status_code == 200
    listed = await client.get("/api/cases", headers=helper.headers)
    assert [c["id"] for c in listed.json()["items"]] == [cid]
    units = (await client.get(f"/api/cases/{cid}/participants", headers=lead.headers)).json()
    assert [(p["unit_id"], p["role"], p["status"]) for p in units] == [
        (str(world["C11-G1"].id), "lead", "open"),
        (str(world["D-SAN"].id), "supporting", "open"),
    ]

    await _post(client, cid, "accept", lead, None)
    await _post(client, cid, "start", lead, None)
    early = await _post(client, cid, "handle", lead, {"note": "done"})
    assert early.status_code == 409 and early.json()["code"] == "support_open"

    part = await _post(client, cid, "contribute", helper, {"note": "bins moved off the lane"})
    assert part.status_code == 200, part.text
    entry = part.json()["timeline"][-1]
    assert (entry["action"], entry["actor"], entry["note"]) == (
        "contribute",
        "staff:san",
        "bins moved off the lane",
    )
    assert entry["from_status"] == entry["to_status"] == "in_progress"
    assert entry["detail"] == {
        "unit": {"id": str(world["D-SAN"].id), "code": "D-SAN", "name": "Department D-SAN"},
        "done": False,
    }
    still = await _post(client, cid, "handle", lead, {"note": "done"})
    assert still.status_code == 409

    done = await _post(client, cid, "contribute", helper, {"note": "lane swept", "done": True})
    assert done.status_code == 200
    handled = await _post(client, cid, "handle", lead, {"note": "quiet and clean"})
    assert handled.status_code == 200, handled.text
    assert handled.json()["status"] == "handled"
    late = await _post(client, cid, "contribute", helper, {"note": "one more thing"})
    assert late.status_code == 409 and late.json()["code"] == "illegal_transition"


async def test_only_supporting_units_contribute_and_only_the_lead_handles(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    lead = await world.staff("gw_g1", "grid_worker", "C11-G1")
    helper = await world.staff("san", "department_staff", "D-SAN")
    stranger = await world.staff("gw_c21", "grid_worker", "C21")
    cid = await _joint(world, client, operator)

    by_lead = await _post(client, cid, "contribute", lead, {"note": "me too"})
    assert by_lead.status_code == 403 and by_lead.json()["code"] == "not_supporting"
    hidden = await _post(client, cid, "contribute", stranger, {"note": "hello"})
    assert hidden.status_code == 404
    assert (await client.get(f"/api/cases/{cid}", headers=stranger.headers)).status_code == 404
    empty = await _post(client, cid, "contribute", helper, {"note": ""})
    assert empty.status_code == 422
    for action in ("accept", "return"):
        resp = await _post(client, cid, action, helper, {"reason": "x"})
        assert resp.status_code == 403, action  # supporting units do not take the case


async def test_bad_supporting_units_are_refused_and_nothing_is_stored(
    world: World, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    cid = str((await world.report()).id)
    await _post(client, cid, "register", operator, None)
    lead_too = {
        "unit_id": str(world["C11-G1"].id),
        "supporting_unit_ids": [str(world["C11-G1"].id)],
    }
    resp = await _post(client, cid, "dispatch", operator, lead_too)
    assert resp.status_code == 422 and resp.json()["code"] == "lead_is_supporting"
    foreign = {"supporting_unit_ids": [str(world["T-TC"].id)]}
    resp = await _post(client, cid, "dispatch", operator, foreign)
    assert resp.status_code == 422 and resp.json()["code"] == "unknown_unit"
    case = (await client.get(f"/api/cases/{cid}", headers=operator.headers)).json()
    assert case["status"] == "registered"
    parts = await client.get(f"/api/cases/{cid}/participants", headers=operator.headers)
    assert parts.json() == []


async def test_a_return_ends_the_joint_arrangement(world: World, client: httpx.AsyncClient) -> None:
    operator = await world.staff("op_c11", "operator", "C11")
    lead = await world.staff("gw_g1", "grid_worker", "C11-G1")
    helper = await world.staff("san", "department_staff", "D-SAN")
    cid = await _joint(world, client, operator)
    resp = await _post(client, cid, "return", lead, {"reason": "not a noise case"})
    assert resp.status_code == 200
    assert (await client.get(f"/api/cases/{cid}", headers=helper.headers)).status_code == 404
    parts = await client.get(f"/api/cases/{cid}/participants", headers=operator.headers)
    assert parts.json() == []


async def test_supporting_unit_attaches_its_own_photo_as_proof(
    world: World, client: httpx.AsyncClient
) -> None:
    from factories import tiny_png

    operator = await world.staff("op_c11", "operator", "C11")
    helper = await world.staff("san", "department_staff", "D-SAN")
    outsider = await world.staff("gw_c21", "grid_worker", "C21-G1")
    cid = await _joint(world, client, operator)

    def upload(who: Staff) -> Any:
        return client.post(
            f"/api/cases/{cid}/attachments",
            files={"file": ("lane.png", tiny_png(), "image/png")},
            headers=who.headers,
        )

    photo = await upload(helper)
    assert photo.status_code == 201, photo.text
    part = await _post(
        client, cid, "contribute", helper, {"note": "lane swept", "evidence": [photo.json()["id"]]}
    )
    assert part.status_code == 200, part.text
    assert part.json()["timeline"][-1]["evidence"] == [photo.json()["id"]]
    assert (await upload(outsider)).status_code == 404
