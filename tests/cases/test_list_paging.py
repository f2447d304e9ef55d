"""The case network's lists page by cursor: every visible row once, in order, nothing else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from linli.core import clock as clock_mod

from .conftest import Staff, World

LISTS = ("/api/cases", "/api/incidents", "/api/overdue")


async def _walk(
    client: httpx.AsyncClient, who: Staff, limit: int, **params: Any
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        resp = await client.get("/api/cases", params=query, headers=who.headers)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body["items"]) <= limit and body["total"] is None
        seen += body["items"]
        if body["next"] is None:
            return seen
        cursor = body["next"]


@pytest.mark.parametrize("limit", [1, 2, 5])
async def test_walking_pages_visits_every_visible_case_once_and_no_other_trees(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient, limit: int
) -> None:
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    admin = await world.staff("admin", "admin", "D")
    ours, theirs = [], []
    for i in range(7):
        if i % 3 == 0:  # several cases share a report time: the reference orders them
            clock.advance(timedelta(minutes=1))
        ours.append(await world.report(where=("C11-G1", "C11-G2")[i % 2], title=f"Ours {i}"))
        theirs.append(await world.report(where="C12-G1", title=f"Theirs {i}"))

    seen = await _walk(client, worker, limit)
    assert [c["id"] for c in seen] == [str(c.id) for c in reversed(ours)]
    everything = await _walk(client, admin, limit)
    assert len(everything) == len({c["id"] for c in everything}) == 14
    assert [c["ref"] for c in everything] == sorted((c["ref"] for c in everything), reverse=True)
    counted = await client.get("/api/cases?count=true&limit=2", headers=worker.headers)
    assert (counted.json()["total"], counted.json()["total_capped"]) == (7, False)
    # Filters hold on every page.
    mine = await _walk(client, worker, limit, q="Ours 1")
    assert [c["title"] for c in mine] == ["Ours 1"]


async def test_a_whole_list_on_one_page_is_counted_from_the_page(
    world: World, client: httpx.AsyncClient
) -> None:
    worker = await world.staff("gw_c11", "grid_worker", "C11")
    await world.report(where="C11-G1")
    body = (await client.get("/api/cases?count=true", headers=worker.headers)).json()
    assert (len(body["items"]), body["next"], body["total"]) == (1, None, 1)


@pytest.mark.parametrize("path", LISTS)
async def test_bad_paging_is_a_422_problem_never_a_server_error(
    world: World, client: httpx.AsyncClient, path: str
) -> None:
    admin = await world.staff("admin", "admin", "D")
    await world.report()
    for params in (
        {"cursor": "not a cursor"},
        {"cursor": "WyJ4IiwieSJd"},  # ["x","y"]: not this list's keys
        {"cursor": "WyIyMDI2LTAzLTAyVDAxOjAwOjAwKzAwOjAwIiwxXQ"},  # a number for a reference
    ):
        resp = await client.get(path, params=params, headers=admin.headers)
        assert resp.status_code == 422, (params, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["code"] == "bad_cursor"
    for params in ({"limit": "1e20"}, {"limit": "0"}, {"limit": "201"}, {"cursor": "x" * 600}):
        resp = await client.get(path, params=params, headers=admin.headers)
        assert resp.status_code == 422, (params, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    # The old offset is no parameter any more: ignored, never a 5xx.
    assert (await client.get(path, params={"offset": "1e20"}, headers=admin.headers)).is_success


async def test_a_cursor_of_one_list_is_refused_by_another(
    world: World, client: httpx.AsyncClient
) -> None:
    admin = await world.staff("admin", "admin", "D")
    for _ in range(2):
        await world.report()
    cursor = (await client.get("/api/cases?limit=1", headers=admin.headers)).json()["next"]
    assert cursor
    resp = await client.get("/api/incidents", params={"cursor": cursor}, headers=admin.headers)
    assert resp.status_code == 422 and resp.json()["code"] == "bad_cursor"
