"""Whom a notice reaches: an area's subtree, some of its buildings, or its seniors living alone —
exactly those, counted before it is written and fixed when it is published."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from .notices_world import RESIDENTS, World, notice


async def _preview(client: AsyncClient, w: World, **target: Any) -> dict[str, Any]:
    response = await client.post("/api/notices/audience", json=target, headers=w.auth("admin"))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _audience_names(client: AsyncClient, w: World, notice_id: str) -> set[str]:
    """Return the names of everyone the phone list and the figures count, revealed."""
    figures = await client.get(f"/api/notices/{notice_id}/figures", headers=w.auth("admin"))
    assert figures.status_code == 200, figures.text
    listed = await client.get(
        f"/api/notices/{notice_id}/phone-list", params={"reveal": True}, headers=w.auth("admin")
    )
    assert listed.status_code == 200, listed.text
    return {row["name"] for row in listed.json()["items"]}


def _living_in(*buildings: str) -> set[str]:
    return {name for name, (b, *_) in RESIDENTS.items() if b in buildings}


async def test_an_area_reaches_everyone_living_in_its_subtree(
    world: World, client: AsyncClient
) -> None:
    community = await _preview(client, world, unit_id=world.unit("S1-C1"))
    assert community["residents"] == len(_living_in("A1", "A2"))
    assert community["buildings"] == 2
    street = await _preview(client, world, unit_id=world.unit("S1"))
    assert street["residents"] == len(_living_in("A1", "A2", "C"))
    district = await _preview(client, world, unit_id=world.unit("T"))
    assert district["residents"] == len(RESIDENTS)
    # Without a smartphone: Chen Wei, Wong Siu, Kumar Raj to phone; Lim Ah Kow to visit.
    assert (community["to_phone"], community["to_visit"]) == (3, 1)


async def test_buildings_narrow_the_area_and_must_lie_inside_it(
    world: World, client: AsyncClient
) -> None:
    a2 = str(world.buildings["A2"].id)
    only_a2 = await _preview(client, world, unit_id=world.unit("S1-C1"), building_ids=[a2])
    assert only_a2["residents"] == len(_living_in("A2"))
    assert only_a2["buildings"] == 1

    outside = await client.post(
        "/api/notices/audience",
        json={"unit_id": world.unit("S1-C1"), "building_ids": [str(world.buildings["B"].id)]},
        headers=world.auth("admin"),
    )
    assert outside.status_code == 422
    assert outside.json()["code"] == "building_outside_area"


async def test_seniors_living_alone_are_those_alone_and_65_or_more(
    world: World, client: AsyncClient
) -> None:
    created = await client.post(
        "/api/notices",
        json=notice(world.unit("S1"), group="seniors_alone"),
        headers=world.auth("admin"),
    )
    assert created.status_code == 201, created.text
    notice_id = created.json()["id"]
    published = await client.post(
        f"/api/notices/{notice_id}/publish", json={}, headers=world.auth("admin")
    )
    assert published.status_code == 200, published.text
    # Chen Wei (1940) and Lim Ah Kow (1955) in S1-C1, Goh Cee (1944) in S1-C2: not Wong Siu
    # (64), Lee Nobirth (no birth year), Kumar Raj (not alone), nor Ong Bee (another street).
    assert published.json()["audience_count"] == 3
    assert await _audience_names(client, world, notice_id) == {"Chen Wei", "Lim Ah Kow", "Goh Cee"}


async def test_households_are_reached_once_each(world: World, client: AsyncClient) -> None:
    households = await _preview(client, world, unit_id=world.unit("S1-C1"), group="households")
    # A1: 05-123 and 05-124; A2: 07-201 and Lee Nobirth, whose unit is not known.
    assert (households["residents"], households["buildings"]) == (4, 2)
    created = await client.post(
        "/api/notices",
        json=notice(world.unit("S1-C1"), group="households"),
        headers=world.auth("admin"),
    )
    notice_id = created.json()["id"]
    await client.post(f"/api/notices/{notice_id}/publish", json={}, headers=world.auth("admin"))
    figures = await client.get(f"/api/notices/{notice_id}/figures", headers=world.auth("admin"))
    per_building = {t["building"]: t["audience"] for t in figures.json()["targets"]}
    assert per_building == {"Block A1": 2, "Block A2": 2}
    listed = await client.get(
        f"/api/notices/{notice_id}/phone-list", params={"reveal": True}, headers=world.auth("admin")
    )
    names = {row["name"] for row in listed.json()["items"]}
    assert len(names & {"Chen Wei", "Tan Mei"}) <= 1  # one per household
    assert len(names & {"Wong Siu", "Kumar Raj"}) == 1  # both lack a smartphone: one listed
    assert "Lim Ah Kow" in names


async def test_an_area_outside_the_writers_subtree_is_unknown_to_them(
    world: World, client: AsyncClient
) -> None:
    response = await client.post(
        "/api/notices", json=notice(world.unit("S1-C1")), headers=world.auth("gw_b")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_unit"
    listed = await client.get("/api/notices", headers=world.auth("admin"))
    assert listed.json()["items"] == []


async def test_the_fallback_language_must_be_written(world: World, client: AsyncClient) -> None:
    body = notice(world.unit("S1-C1"))
    body["fallback_locale"] = "ta"
    response = await client.post("/api/notices", json=body, headers=world.auth("admin"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
