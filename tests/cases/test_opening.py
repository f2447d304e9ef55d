from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from linli.cases import service as cases
from linli.core import events
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.errors import Forbidden, ValidationFailed

from .conftest import World


async def _post_case(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: object
) -> httpx.Response:
    body = {"category_code": "public.order.noise", "title": "Noise", **fields}
    return await client.post("/api/cases", json=body, headers=headers)


async def test_staff_report_is_placed_by_its_point_and_refused_outside_every_boundary(
    world: World, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    lon, lat = world.at("C11-G2")
    placed = await _post_case(client, worker.headers, lon=lon, lat=lat)
    assert placed.status_code == 201
    assert placed.json()["org_unit_id"] == str(world["C11-G2"].id)
    assert placed.json()["priority"] == 3

    outside = await _post_case(client, worker.headers, lon=10.0, lat=10.0)
    assert outside.status_code == 422 and outside.json()["code"] == "outside_boundaries"
    nowhere = await _post_case(client, worker.headers)
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "location_required"
    unknown = await _post_case(
        client, worker.headers, lon=lon, lat=lat, category_code="no.such.thing"
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_category"
    elsewhere = await _post_case(client, worker.headers, unit_id=str(world["C22"].id))
    assert elsewhere.status_code == 403


@pytest.mark.parametrize(
    ("title", "description", "ok"),
    [
        ("x", "", True),
        ("x" * 200, "d" * 4000, True),
        ("", "", False),
        ("   ", "", False),
        ("x" * 201, "", False),
        ("x", "d" * 4001, False),
    ],
)
async def test_title_and_description_lengths(
    world: World, title: str, description: str, ok: bool
) -> None:
    lon, lat = world.at("C11-G1")
    async with session_scope() as session:
        call = cases.report_case(
            session,
            actor="hotline:desk-1",
            category_code="public.order.noise",
            title=title,
            description=description,
            lon=lon,
            lat=lat,
            source="hotline",
        )
        if ok:
            assert (await call).title == title.strip()
        else:
            with pytest.raises(ValidationFailed):
                await call


async def test_a_grid_worker_cannot_report_outside_their_area(world: World) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    with pytest.raises(Forbidden):
        await world.report(worker, where="C21-G1")


async def test_case_refs_carry_the_local_day_and_a_number_that_never_restarts(
    world: World, clock: ManualClock
) -> None:
    first = await world.report()
    town = await world.report(where="Z1", category="env.waste")
    clock.advance(timedelta(hours=15))  # 00:00 the next day in Shenzhen and Singapore
    next_day = await world.report()
    days = [case.ref.split("-")[1] for case in (first, town, next_day)]
    numbers = [int(case.ref.split("-")[2]) for case in (first, town, next_day)]
    assert days == ["260302", "260302", "260303"]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert all(re.fullmatch(r"C-\d{6}-\d{6}", case.ref) for case in (first, town, next_day))


async def test_live_events_are_published_after_commit(world: World) -> None:
    seen: list[dict[str, object]] = []

    async def collect(event: events.Event) -> None:
        seen.append(event.envelope())

    subscription = events.get_bus().subscribe("case.*", collect)
    try:
        admin = await world.staff("admin", "admin", "D")
        case = await world.report(admin)
        assert [e["subject"] for e in seen] == ["case.opened"]
        with pytest.raises(RuntimeError):
            async with session_scope() as session:
                await cases.register_case(session, case.id, principal=admin.principal)
                raise RuntimeError("the request failed after the transition")
        assert len(seen) == 1  # rolled back: nobody heard of it
        async with session_scope() as session:
            await cases.register_case(session, case.id, principal=admin.principal)
    finally:
        subscription.close()
    opened, changed = seen
    assert changed["subject"] == "case.changed" and changed["status"] == "registered"
    assert changed["case_id"] == str(case.id) and changed["org_path"] == world["C11-G1"].path
    assert {"ref", "title", "assigned_path", "priority", "lon", "lat"} <= set(changed)
    assert opened["lon"] == pytest.approx(world.at("C11-G1")[0])


async def test_categories_are_listed_to_readers_and_edited_by_tree_admins(
    world: World, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw", "grid_worker", "C11")
    admin = await world.install_admin("admin")
    community_admin = await world.staff("cadmin", "admin", "C11")
    listed = (await client.get("/api/categories", headers=worker.headers)).json()
    assert [c["code"] for c in listed] == ["env.air", "env.waste", "public.order.noise"]

    body = {"name": "Lifts", "name_zh": "电梯", "priority": 1, "step_limits": {"accept": 30}}
    assert (
        await client.put("/api/categories/estate.lift", json=body, headers=worker.headers)
    ).status_code == 403
    assert (
        await client.put("/api/categories/estate.lift", json=body, headers=community_admin.headers)
    ).status_code == 403
    saved = await client.put("/api/categories/estate.lift", json=body, headers=admin.headers)
    assert saved.status_code == 200 and saved.json()["step_limits"] == {"accept": 30}
    bad = await client.put(
        "/api/categories/estate.lift",
        json={**body, "step_limits": {"lunch": 30}},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "bad_step_limits"
