from __future__ import annotations

import uuid

import httpx

from linli.cases import service as cases
from linli.core.database import session_scope

from .conftest import World


async def test_grid_worker_of_one_community_cannot_see_another_communitys_case(
    world: World, client: httpx.AsyncClient
) -> None:
    worker_a = await world.staff("gw_a", "grid_worker", "C11")
    worker_b = await world.staff("gw_b", "grid_worker", "C12")
    ours = await world.report(where="C11-G2", title="Ours")
    theirs = await world.report(where="C12-G1", title="Theirs")

    resp = await client.get(f"/api/cases/{theirs.id}", headers=worker_a.headers)
    assert resp.status_code == 404 and resp.json()["code"] == "case_not_found"
    missing = await client.get(f"/api/cases/{uuid.uuid4()}", headers=worker_a.headers)
    assert missing.json() == {**resp.json(), "instance": missing.json()["instance"]}

    listed = (await client.get("/api/cases?count=true", headers=worker_a.headers)).json()
    assert [c["id"] for c in listed["items"]] == [str(ours.id)] and listed["total"] == 1
    seen_by_b = (await client.get("/api/cases", headers=worker_b.headers)).json()
    assert [c["title"] for c in seen_by_b["items"]] == ["Theirs"]

    acting = await client.post(f"/api/cases/{theirs.id}/accept", headers=worker_a.headers)
    assert acting.status_code == 404
    upload = await client.post(
        f"/api/cases/{theirs.id}/attachments",
        files={"file": ("x.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        headers=worker_a.headers,
    )
    assert upload.status_code == 404


async def test_department_staff_see_only_cases_dispatched_to_their_department(
    world: World, client: httpx.AsyncClient
) -> None:
    admin = await world.staff("admin", "admin", "D")
    sanitation = await world.staff("san", "department_staff", "D-SAN")
    waste = await world.report(category="env.waste", title="Overflowing bin")
    noise = await world.report(title="Drilling at night")
    for case in (waste, noise):
        async with session_scope() as session:
            await cases.register_case(session, case.id, principal=admin.principal)
            await cases.dispatch_case(session, case.id, principal=admin.principal)

    listed = (await client.get("/api/cases", headers=sanitation.headers)).json()
    assert [c["id"] for c in listed["items"]] == [str(waste.id)]
    assert (await client.get(f"/api/cases/{waste.id}", headers=sanitation.headers)).is_success
    hidden = await client.get(f"/api/cases/{noise.id}", headers=sanitation.headers)
    assert hidden.status_code == 404

    accepted = await client.post(f"/api/cases/{waste.id}/accept", headers=sanitation.headers)
    assert accepted.status_code == 200, accepted.text
    mine = await client.get(
        "/api/cases", params={"assigned_to_me": "true"}, headers=sanitation.headers
    )
    assert [c["id"] for c in mine.json()["items"]] == [str(waste.id)]
    none_for_admin = await client.get(
        "/api/cases", params={"assigned_to_me": "true"}, headers=admin.headers
    )
    assert none_for_admin.json()["items"] == []


async def test_reading_is_not_acting(world: World, client: httpx.AsyncClient) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    case = await world.report()
    resp = await client.post(f"/api/cases/{case.id}/register", headers=worker.headers)
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    elsewhere = await world.staff("op_c12", "operator", "C12")
    case_in_c11_seen_by_c12 = await client.post(
        f"/api/cases/{case.id}/register", headers=elsewhere.headers
    )
    assert case_in_c11_seen_by_c12.status_code == 404


async def test_list_filters_by_status_and_text(world: World, client: httpx.AsyncClient) -> None:
    admin = await world.staff("admin", "admin", "D")
    first = await world.report(title="Barking dog")
    second = await world.report(title="Karaoke bar")
    async with session_scope() as session:
        await cases.register_case(session, second.id, principal=admin.principal)

    def ids(resp: httpx.Response) -> list[str]:
        return [c["id"] for c in resp.json()["items"]]

    by_status = await client.get(
        "/api/cases", params={"status": ["registered", "dispatched"]}, headers=admin.headers
    )
    assert ids(by_status) == [str(second.id)]
    by_text = await client.get("/api/cases", params={"q": "dog"}, headers=admin.headers)
    assert ids(by_text) == [str(first.id)]
    by_ref = await client.get("/api/cases", params={"q": first.ref}, headers=admin.headers)
    assert ids(by_ref) == [str(first.id)]
    page = await client.get("/api/cases", params={"limit": 1, "count": True}, headers=admin.headers)
    assert ids(page) == [str(second.id)] and page.json()["total"] == 2
    page2 = await client.get(
        "/api/cases", params={"limit": 1, "cursor": page.json()["next"]}, headers=admin.headers
    )
    assert ids(page2) == [str(first.id)] and page2.json()["next"] is None
    too_many = await client.get("/api/cases", params={"limit": 500}, headers=admin.headers)
    assert too_many.status_code == 422
    bad = await client.get("/api/cases", params={"status": "lost"}, headers=admin.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_status"


async def test_unauthenticated_callers_get_401(world: World, client: httpx.AsyncClient) -> None:
    case = await world.report()
    for method, url in (
        ("GET", "/api/cases"),
        ("POST", "/api/cases"),
        ("GET", f"/api/cases/{case.id}"),
        ("POST", f"/api/cases/{case.id}/register"),
        ("POST", f"/api/cases/{case.id}/attachments"),
        ("GET", "/api/categories"),
    ):
        resp = await client.request(method, url)
        assert resp.status_code == 401, (method, url)
        assert resp.headers["content-type"].startswith("application/problem+json")
    bad_token = await client.get("/api/cases", headers={"Authorization": "Bearer lt_nope"})
    assert bad_token.status_code == 401
