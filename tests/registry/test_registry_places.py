"""Buildings and places: located in the org tree from their coordinates, seen only in scope."""

from __future__ import annotations

import uuid

from httpx import AsyncClient
from registry_world import IN_A, IN_B, OUTSIDE, World

from list_pages import assert_bad_paging_refused, total, walk


async def test_building_is_placed_in_the_deepest_unit_containing_it(
    world: World, client: AsyncClient
) -> None:
    lon, lat = IN_A
    response = await client.post(
        "/api/buildings",
        json={"code": "BLK-101", "name": "Block 101", "lon": lon, "lat": lat, "floors": 12},
        headers=world.auth("admin"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    grid = world.tree.unit("S1-C1-G1")
    assert body["org_unit_id"] == str(grid.id)
    assert body["org_path"] == grid.path
    assert body["floors"] == 12

    shown = await client.get(f"/api/buildings/{body['id']}", headers=world.auth("gw_a"))
    assert shown.status_code == 200
    assert shown.json()["code"] == "BLK-101"


async def test_building_outside_every_boundary_is_refused(
    world: World, client: AsyncClient
) -> None:
    lon, lat = OUTSIDE
    response = await client.post(
        "/api/buildings",
        json={"code": "BLK-X", "name": "Nowhere", "lon": lon, "lat": lat},
        headers=world.auth("admin"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "outside_boundaries"
    listed = await client.get("/api/buildings", headers=world.auth("admin"))
    assert "BLK-X" not in [b["code"] for b in listed.json()["items"]]


async def test_building_codes_are_unique(world: World, client: AsyncClient) -> None:
    lon, lat = IN_B
    response = await client.post(
        "/api/buildings",
        json={"code": "BLK-A", "name": "Again", "lon": lon, "lat": lat},
        headers=world.auth("admin"),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "building_code_taken"


async def test_grid_worker_sees_only_buildings_of_their_community(
    world: World, client: AsyncClient
) -> None:
    listed = await client.get("/api/buildings", headers=world.auth("gw_a"))
    assert listed.status_code == 200
    assert [b["code"] for b in listed.json()["items"]] == ["BLK-A"]
    assert await total(client, "/api/buildings", world.auth("gw_a")) == 1

    other = world.buildings["B"].id
    response = await client.get(f"/api/buildings/{other}", headers=world.auth("gw_a"))
    assert response.status_code == 404
    missing = await client.get(f"/api/buildings/{uuid.uuid4()}", headers=world.auth("gw_a"))
    assert missing.status_code == 404
    assert response.json()["code"] == missing.json()["code"] == "building_not_found"

    everything = await client.get("/api/buildings", headers=world.auth("op"))
    assert [b["code"] for b in everything.json()["items"]] == ["BLK-A", "BLK-B"]
    walked = await walk(client, "/api/buildings", world.auth("op"), limit=1)
    assert [b["code"] for b in walked] == ["BLK-A", "BLK-B"]
    await assert_bad_paging_refused(client, "/api/buildings", world.auth("op"))


async def test_grid_worker_cannot_register_buildings(world: World, client: AsyncClient) -> None:
    lon, lat = IN_A
    response = await client.post(
        "/api/buildings",
        json={"code": "BLK-9", "name": "Block 9", "lon": lon, "lat": lat},
        headers=world.auth("gw_a"),
    )
    assert response.status_code == 403


async def test_places_are_listed_by_kind_within_scope(world: World, client: AsyncClient) -> None:
    for kind, name, (lon, lat) in [
        ("clinic", "Polyclinic A", IN_A),
        ("bus_stop", "Stop A", IN_A),
        ("clinic", "Clinic B", IN_B),
    ]:
        response = await client.post(
            "/api/places",
            json={"kind": kind, "name": name, "lon": lon, "lat": lat},
            headers=world.auth("admin"),
        )
        assert response.status_code == 201, response.text

    clinics = await client.get("/api/places?kind=clinic", headers=world.auth("op"))
    assert [p["name"] for p in clinics.json()["items"]] == ["Clinic B", "Polyclinic A"]
    for _ in range(3):  # namesakes: the list still walks each once
        await client.post(
            "/api/places",
            json={"kind": "clinic", "name": "Clinic B", "lon": IN_B[0], "lat": IN_B[1]},
            headers=world.auth("admin"),
        )
    walked = await walk(client, "/api/places?kind=clinic", world.auth("op"), limit=2)
    assert [p["name"] for p in walked] == ["Clinic B"] * 4 + ["Polyclinic A"]
    assert len({p["id"] for p in walked}) == 5
    assert await total(client, "/api/places?kind=clinic", world.auth("op")) == 5
    await assert_bad_paging_refused(client, "/api/places", world.auth("op"))
    mine = await client.get("/api/places", headers=world.auth("gw_a"))
    assert sorted(p["name"] for p in mine.json()["items"]) == ["Polyclinic A", "Stop A"]
    assert mine.json()["items"][0]["org_path"].startswith(world.tree.unit("S1-C1").path)


async def test_unknown_place_kind_is_refused(world: World, client: AsyncClient) -> None:
    lon, lat = IN_A
    response = await client.post(
        "/api/places",
        json={"kind": "spaceport", "name": "Pad 39A", "lon": lon, "lat": lat},
        headers=world.auth("admin"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_place_kind"
