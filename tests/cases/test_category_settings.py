"""Each top-level tree keeps its own category settings: a district's change never reaches a town."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from linli.cases import service as cases
from linli.cases.models import Case
from linli.cases.triage import service as triage_service
from linli.core.database import session_scope

from .conftest import World

BAOAN_LIMITS = {"register": 5, "dispatch": 10, "accept": 20, "handle": 60, "verify": 30}
TOWN_WASTE = {"register": 30, "dispatch": 30, "accept": 60, "handle": 240}


def _by_code(listed: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(c["code"]): c for c in listed}


async def _bring_to_work(world: World, case: Case, admin_code: str = "D") -> None:
    admin = await world.staff(f"op-{case.ref}", "admin", admin_code)
    async with session_scope() as session:
        await cases.register_case(session, case.id, principal=admin.principal)
        await cases.dispatch_case(
            session, case.id, principal=admin.principal, unit_id=world["C11-G1"].id
        )
        await cases.accept_case(session, case.id, principal=admin.principal)
        await cases.start_case(session, case.id, principal=admin.principal)


async def test_a_district_admins_change_applies_to_the_district_only(
    world: World, client: httpx.AsyncClient
) -> None:
    baoan = await world.staff("baoan", "admin", "D")
    sengkang = await world.staff("sengkang", "admin", "T")
    changed = await client.put(
        "/api/categories/env.waste",
        json={
            "name": "Waste",
            "requires_photo": True,
            "step_limits": BAOAN_LIMITS,
            "duplicate_radius_m": 500,
            "public": False,
        },
        headers=baoan.headers,
    )
    assert changed.status_code == 200, changed.text
    shown = changed.json()
    assert shown["requires_photo"] is True and shown["required_evidence"] == ["photo"]
    assert shown["step_limits"] == BAOAN_LIMITS and shown["duplicate_radius_m"] == 500

    # Each tree's admin reads the settings in force in their own tree.
    mine = _by_code((await client.get("/api/categories", headers=baoan.headers)).json())
    theirs = _by_code((await client.get("/api/categories", headers=sengkang.headers)).json())
    assert mine["env.waste"]["requires_photo"] is True
    assert mine["env.waste"]["public"] is False
    assert theirs["env.waste"]["requires_photo"] is False
    assert theirs["env.waste"]["step_limits"] == TOWN_WASTE
    assert theirs["env.waste"]["duplicate_radius_m"] == 300  # the env family's
    assert theirs["env.waste"]["public"] is True
    # The shared row is untouched.
    async with session_scope() as session:
        shared = await cases.get_category(session, "env.waste")
        assert (shared.requires_photo, shared.step_limits) == (False, TOWN_WASTE)

    # SLA: the district's case runs on the district's limits, the town's on the defaults.
    district_case = await world.report(category="env.waste", where="C11-G1", title="Bins full")
    town_case = await world.report(category="env.waste", where="Z1", title="Bins full")
    async with session_scope() as session:
        d = await session.scalar(select(Case).where(Case.id == district_case.id))
        t = await session.scalar(select(Case).where(Case.id == town_case.id))
        assert d is not None and t is not None
        assert d.step == "register" and d.step_deadline_at is not None
        assert (d.step_deadline_at - d.created_at).total_seconds() == 5 * 60
        assert t.step is not None and t.step_deadline_at is not None
        assert t.step_started_at is not None
        town_minutes = (t.step_deadline_at - t.step_started_at).total_seconds() / 60
        assert town_minutes == TOWN_WASTE[t.step]

    # Photo rule: the district's case cannot be handled without a photo.
    await _bring_to_work(world, district_case)
    refused = await client.post(
        f"/api/cases/{district_case.id}/handle", json={"note": "emptied"}, headers=baoan.headers
    )
    assert refused.status_code == 409 and refused.json()["code"] == "photo_required"


async def test_the_photo_rule_change_leaves_the_other_trees_cases_alone(
    world: World, client: httpx.AsyncClient
) -> None:
    baoan = await world.staff("baoan", "admin", "D")
    root = await world.install_admin()
    # The install's administrator asks for a photo everywhere by default ...
    made = await client.put(
        "/api/categories/public.order.noise",
        json={"name": "Noise", "name_zh": "噪音", "requires_photo": True, "step_limits": {}},
        headers=root.headers,
    )
    assert made.status_code == 200 and made.json()["requires_photo"] is True
    # ... and Bao'an alone drops it for its own cases.
    dropped = await client.put(
        "/api/categories/public.order.noise",
        json={"name": "Noise", "requires_photo": False},
        headers=baoan.headers,
    )
    assert dropped.status_code == 200 and dropped.json()["requires_photo"] is False
    case = await world.report(where="C11-G1")
    await _bring_to_work(world, case)
    handled = await client.post(
        f"/api/cases/{case.id}/handle", json={"note": "quiet now"}, headers=baoan.headers
    )
    assert handled.status_code == 200, handled.text
    other = await world.staff("sk", "admin", "T")
    listed = _by_code((await client.get("/api/categories", headers=other.headers)).json())
    assert listed["public.order.noise"]["requires_photo"] is True


async def test_a_district_admin_cannot_change_a_towns_settings(
    world: World, client: httpx.AsyncClient
) -> None:
    baoan = await world.staff("baoan", "admin", "D")
    sengkang = await world.staff("sengkang", "admin", "T")
    town = world["T"].id
    refused = await client.put(
        f"/api/categories/env.waste?tree={town}",
        json={"name": "Waste", "requires_photo": True},
        headers=baoan.headers,
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    peek = await client.get(f"/api/categories?tree={town}", headers=baoan.headers)
    assert peek.status_code == 403
    # Nor the shared defaults: names, the catalogue's shape and new categories.
    for body, code in (
        ({"name": "Rubbish"}, "env.waste"),
        ({"name": "Lifts"}, "estate.lift"),
    ):
        shared = await client.put(f"/api/categories/{code}", json=body, headers=baoan.headers)
        assert shared.status_code == 403 and shared.json()["code"] == "shared_category_field"
    listed = _by_code((await client.get("/api/categories", headers=sengkang.headers)).json())
    assert listed["env.waste"]["name"] == "Waste"
    assert listed["env.waste"]["requires_photo"] is False
    own = await client.put(
        f"/api/categories/env.waste?tree={town}",
        json={"name": "Waste", "round_location_m": 50},
        headers=sengkang.headers,
    )
    assert own.status_code == 200 and own.json()["round_location_m"] == 50


async def test_public_views_follow_the_cases_tree(world: World, client: httpx.AsyncClient) -> None:
    baoan = await world.staff("baoan", "admin", "D")
    hidden = await client.put(
        "/api/categories/public.order.noise",
        json={"name": "Noise", "public": False},
        headers=baoan.headers,
    )
    assert hidden.status_code == 200
    district_case = await world.report(where="C11-G1", source="resident")
    town_case = await world.report(where="Z1", source="resident")
    async with session_scope() as session:
        assert not await cases.shown_publicly(session, district_case)
        assert await cases.shown_publicly(session, town_case)
        shown = {c.ref for c in (await cases.public_cases(session)).items}
    assert town_case.ref in shown and district_case.ref not in shown


async def test_duplicate_search_uses_the_radius_of_the_tree_the_point_lies_in(
    world: World, client: httpx.AsyncClient
) -> None:
    baoan = await world.staff("baoan", "admin", "D")
    wider = await client.put(
        "/api/categories/public.order.noise",
        json={"name": "Noise", "duplicate_radius_m": 800},
        headers=baoan.headers,
    )
    assert wider.status_code == 200
    title = "Loud music after midnight"
    found: dict[str, bool] = {}
    for where in ("C11-G1", "Z1"):
        case = await world.report(where=where, title=title)
        lon, lat = world.at(where)
        async with session_scope() as session:
            noise = await cases.get_category(session, "public.order.noise")
            near = await triage_service.candidates_for(
                session,
                noise,
                text=title,
                lon=lon,
                lat=lat + 0.003,  # about 330 m north
            )
        found[where] = case.id in {c.case_id for c in near}
    assert found == {"C11-G1": True, "Z1": False}
