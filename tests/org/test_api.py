"""The org API as staff see it: scoped lists, the map's GeoJSON, locate, routing, calendars."""

from __future__ import annotations

import httpx
import pytest

from factories import Tree, bearer, center, make_district, make_staff, square
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from list_pages import assert_bad_paging_refused, total, walk


async def _tree_with_staff() -> tuple[Tree, dict[str, str]]:
    async with session_scope() as session:
        tree = await make_district(session)
        tokens = {}
        for name, role, code in [
            ("district_admin", "admin", ""),
            ("community_admin", "admin", "S1-C1"),
            ("worker", "grid_worker", "S1-C1"),
            ("operator", "operator", ""),
        ]:
            unit = tree.unit(code) if code else tree.district
            _, tokens[name] = await make_staff(session, username=name, role=role, unit=unit)
    return tree, tokens


async def test_a_community_worker_sees_only_their_subtree(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    response = await client.get("/api/org/units", headers=bearer(tokens["worker"]))
    assert response.status_code == 200
    body = response.json()
    assert [u["code"] for u in body["items"]] == ["T-S1-C1", "T-S1-C1-G1", "T-S1-C1-G2"]
    assert await total(client, "/api/org/units", bearer(tokens["worker"])) == 3

    other = tree.unit("S2-C1")
    hidden = await client.get(f"/api/org/units/{other.id}", headers=bearer(tokens["worker"]))
    assert hidden.status_code == 404 and hidden.json()["code"] == "unit_not_found"
    parent = await client.get(
        f"/api/org/units/{tree.unit('S1').id}", headers=bearer(tokens["worker"])
    )
    assert parent.status_code == 404

    assert await total(client, "/api/org/units", bearer(tokens["operator"])) == 16


async def test_unit_list_filters_and_pages(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    headers = bearer(tokens["operator"])
    grids = (await client.get("/api/org/units?kind=grid", headers=headers)).json()
    assert len(grids["items"]) == 8 and {u["kind"] for u in grids["items"]} == {"grid"}
    assert await total(client, "/api/org/units?kind=grid", headers) == 8
    children = await client.get(f"/api/org/units?parent={tree.district.id}", headers=headers)
    assert [u["code"] for u in children.json()["items"]] == ["T-DEPT", "T-S1", "T-S2"]
    first = (await client.get("/api/org/units?kind=grid&limit=3", headers=headers)).json()
    second = await client.get(
        "/api/org/units",
        params={"kind": "grid", "limit": 3, "cursor": first["next"]},
        headers=headers,
    )
    assert [u["code"] for u in second.json()["items"]] == [
        "T-S1-C2-G2",
        "T-S2-C1-G1",
        "T-S2-C1-G2",
    ]
    await assert_bad_paging_refused(client, "/api/org/units", headers)


@pytest.mark.parametrize("limit", [1, 4])
async def test_walking_the_unit_pages_shows_each_visible_unit_once(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient, limit: int
) -> None:
    _, tokens = await _tree_with_staff()
    everything = await walk(client, "/api/org/units", bearer(tokens["operator"]), limit=limit)
    codes = [u["code"] for u in everything]
    assert len(codes) == len(set(codes)) == 16
    assert codes == sorted(codes, key=lambda c: (c.count("-"), c)), "by depth, then code"
    mine = await walk(client, "/api/org/units", bearer(tokens["community_admin"]), limit=limit)
    assert [u["code"] for u in mine] == ["T-S1-C1", "T-S1-C1-G1", "T-S1-C1-G2"]


async def test_unit_detail_carries_the_boundary(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    grid = tree.unit("S1-C1-G2")
    body = (await client.get(f"/api/org/units/{grid.id}", headers=bearer(tokens["worker"]))).json()
    assert body["code"] == grid.code and body["kind"] == "grid"
    assert body["parent_id"] == str(tree.unit("S1-C1").id)
    assert body["boundary"]["type"] == "Polygon"


async def test_geojson_gives_the_map_every_boundary_in_scope(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    response = await client.get(
        "/api/org/units?format=geojson&kind=grid", headers=bearer(tokens["worker"])
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["code"] for f in features] == ["T-S1-C1-G1", "T-S1-C1-G2"]
    grid = tree.unit("S1-C1-G1")
    assert features[0]["geometry"]["type"] == "Polygon"
    assert features[0]["properties"] == {
        "id": str(grid.id),
        "code": grid.code,
        "name": grid.name,
        "name_zh": None,
        "kind": "grid",
        "parent_id": str(grid.parent_id),
    }
    whole = await client.get("/api/org/units?format=geojson", headers=bearer(tokens["operator"]))
    codes = [f["properties"]["code"] for f in whole.json()["features"]]
    assert len(codes) == 15 and "T-DEPT" not in codes  # the department has no boundary
    assert whole.json()["features"][0]["properties"]["name_zh"] == "测试区"


async def test_creating_units_needs_org_write_on_the_parent(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    community = tree.unit("S1-C1")
    new_grid = {
        "parent_id": str(community.id),
        "kind": "grid",
        "code": "T-S1-C1-G3",
        "name": "Grid 1.1.3",
        "boundary": square(113.80, 22.50, 113.81, 22.51),
    }
    created = await client.post(
        "/api/org/units", json=new_grid, headers=bearer(tokens["community_admin"])
    )
    assert created.status_code == 201, created.text
    unit = created.json()
    assert unit["path"].startswith(community.path) and unit["depth"] == community.depth + 1
    assert unit["profile"] == "grid"

    again = await client.post(
        "/api/org/units", json=new_grid, headers=bearer(tokens["district_admin"])
    )
    assert again.status_code == 409 and again.json()["code"] == "unit_code_taken"

    elsewhere = {**new_grid, "parent_id": str(tree.unit("S2-C1").id), "code": "T-S2-C1-G9"}
    outside = await client.post(
        "/api/org/units", json=elsewhere, headers=bearer(tokens["community_admin"])
    )
    assert outside.status_code == 404
    operator = await client.post(
        "/api/org/units", json=elsewhere, headers=bearer(tokens["operator"])
    )
    assert operator.status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "planet"},
        {"code": ""},
        {"code": "has space"},
        {"name": ""},
        {"boundary": {"type": "Point", "coordinates": [113.8, 22.5]}},
        {"parent_id": "not-a-uuid"},
    ],
)
async def test_invalid_units_are_refused(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient, change: dict[str, object]
) -> None:
    tree, tokens = await _tree_with_staff()
    body = {"parent_id": str(tree.district.id), "kind": "zone", "code": "Z1", "name": "Z", **change}
    response = await client.post(
        "/api/org/units", json=body, headers=bearer(tokens["district_admin"])
    )
    assert response.status_code == 422
    listed = await client.get("/api/org/units?kind=zone", headers=bearer(tokens["district_admin"]))
    assert listed.json()["items"] == []


async def test_locate_answers_the_deepest_unit_in_scope(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    lon, lat = center(tree.unit("S1-C1-G2"))
    mine = await client.get(
        f"/api/org/locate?lon={lon}&lat={lat}", headers=bearer(tokens["worker"])
    )
    assert mine.status_code == 200 and mine.json()["code"] == "T-S1-C1-G2"

    lon, lat = center(tree.unit("S2-C2-G1"))
    theirs = await client.get(
        f"/api/org/locate?lon={lon}&lat={lat}", headers=bearer(tokens["worker"])
    )
    assert theirs.status_code == 404 and theirs.json()["code"] == "outside_boundaries"
    operator = await client.get(
        f"/api/org/locate?lon={lon}&lat={lat}", headers=bearer(tokens["operator"])
    )
    assert operator.json()["code"] == "T-S2-C2-G1"

    sea = await client.get("/api/org/locate?lon=114.5&lat=22.2", headers=bearer(tokens["operator"]))
    assert sea.status_code == 404 and sea.json()["code"] == "outside_boundaries"


@pytest.mark.parametrize("query", ["lon=181&lat=22", "lon=113&lat=-90.5", "lon=abc&lat=1", "lon=1"])
async def test_locate_refuses_impossible_coordinates(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient, query: str
) -> None:
    _, tokens = await _tree_with_staff()
    response = await client.get(f"/api/org/locate?{query}", headers=bearer(tokens["operator"]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_routing_rules_are_set_and_listed_within_scope(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    community = tree.unit("S1-C1")
    rule = {
        "category_code": "waste.bulky",
        "scope_unit_id": str(community.id),
        "target_unit_id": str(tree.department.id),
    }
    response = await client.put(
        "/api/org/routing", json=rule, headers=bearer(tokens["community_admin"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope_code"] == "T-S1-C1" and response.json()["target_code"] == "T-DEPT"
    district_rule = {**rule, "scope_unit_id": str(tree.district.id), "category_code": "waste"}
    refused = await client.put(
        "/api/org/routing", json=district_rule, headers=bearer(tokens["community_admin"])
    )
    assert refused.status_code == 404
    assert (
        await client.put("/api/org/routing", json=district_rule, headers=bearer(tokens["operator"]))
    ).status_code == 403
    ok = await client.put(
        "/api/org/routing", json=district_rule, headers=bearer(tokens["district_admin"])
    )
    assert ok.status_code == 200

    # Replacing a rule keeps one rule per (category, scope).
    rule["target_unit_id"] = str(community.id)
    await client.put("/api/org/routing", json=rule, headers=bearer(tokens["community_admin"]))

    seen_locally = (await client.get("/api/org/routing", headers=bearer(tokens["worker"]))).json()
    assert [(r["category_code"], r["target_code"]) for r in seen_locally] == [
        ("waste.bulky", "T-S1-C1")
    ]
    seen_all = (await client.get("/api/org/routing", headers=bearer(tokens["operator"]))).json()
    assert [(r["category_code"], r["scope_code"]) for r in seen_all] == [
        ("waste", "T"),
        ("waste.bulky", "T-S1-C1"),
    ]
    filtered = await client.get(
        "/api/org/routing?category=waste", headers=bearer(tokens["operator"])
    )
    assert len(filtered.json()) == 1


async def test_routing_targets_stay_in_the_same_tree(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    async with session_scope() as session:
        other = await make_district(session, prefix="O")
    rule = {
        "category_code": "waste",
        "scope_unit_id": str(tree.district.id),
        "target_unit_id": str(other.department.id),
    }
    response = await client.put(
        "/api/org/routing", json=rule, headers=bearer(tokens["district_admin"])
    )
    assert response.status_code == 422 and response.json()["code"] == "target_outside_tree"
    bad_code = {**rule, "category_code": "Waste Bulky!", "target_unit_id": str(tree.department.id)}
    invalid = await client.put(
        "/api/org/routing", json=bad_code, headers=bearer(tokens["district_admin"])
    )
    assert invalid.status_code == 422


async def test_calendars_are_read_inherited_and_set(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    community = tree.unit("S1-C1")
    url = f"/api/org/units/{tree.unit('S1-C1-G1').id}/calendar"
    inherited = (await client.get(url, headers=bearer(tokens["worker"]))).json()
    assert inherited["own"] is False and inherited["timezone"] == "Asia/Shanghai"
    assert inherited["workdays"] == "01234" and inherited["day_start"] == "09:00:00"

    new_calendar = {
        "timezone": "Asia/Singapore",
        "workdays": "012345",
        "day_start": "08:30:00",
        "day_end": "17:30:00",
        "holidays": ["2026-05-01", "2026-10-01", "2026-05-01"],
    }
    community_url = f"/api/org/units/{community.id}/calendar"
    forbidden = await client.put(community_url, json=new_calendar, headers=bearer(tokens["worker"]))
    assert forbidden.status_code == 403
    response = await client.put(
        community_url, json=new_calendar, headers=bearer(tokens["community_admin"])
    )
    assert response.status_code == 200, response.text
    assert response.json()["own"] is True
    now_inherited = (await client.get(url, headers=bearer(tokens["worker"]))).json()
    assert now_inherited["timezone"] == "Asia/Singapore"
    assert now_inherited["holidays"] == ["2026-05-01", "2026-10-01"]
    assert now_inherited["day_end"] == "17:30:00"

    district_url = f"/api/org/units/{tree.district.id}/calendar"
    assert (await client.get(district_url, headers=bearer(tokens["worker"]))).status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Asia/Atlantis"},
        {"timezone": "../../etc/passwd"},
        {"workdays": "7"},
        {"workdays": ""},
        {"day_start": "25:00"},
    ],
)
async def test_bad_calendars_are_refused_over_http(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient, change: dict[str, str]
) -> None:
    tree, tokens = await _tree_with_staff()
    body = {"timezone": "Asia/Shanghai", **change}
    response = await client.put(
        f"/api/org/units/{tree.district.id}/calendar",
        json=body,
        headers=bearer(tokens["district_admin"]),
    )
    assert response.status_code == 422
    after = await client.get(
        f"/api/org/units/{tree.district.id}/calendar", headers=bearer(tokens["district_admin"])
    )
    assert after.json()["timezone"] == "Asia/Shanghai"


async def test_org_changes_are_audited(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _tree_with_staff()
    headers = bearer(tokens["district_admin"])
    await client.put(
        f"/api/org/units/{tree.district.id}/calendar",
        json={"timezone": "Asia/Shanghai", "workdays": "0123456"},
        headers=headers,
    )
    await client.put(
        "/api/org/routing",
        json={
            "category_code": "lift",
            "scope_unit_id": str(tree.district.id),
            "target_unit_id": str(tree.department.id),
        },
        headers=headers,
    )
    entries = (await client.get("/api/audit", headers=headers)).json()["items"]
    actions = [(e["action"], e["actor"]) for e in entries[:2]]
    assert actions == [
        ("routing.set", "staff:district_admin"),
        ("calendar.set", "staff:district_admin"),
    ]
