"""Supervision per level: per child unit, what is open, late, unexplained, due soon, escalated."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event

from linli.cases.sla import tasks
from linli.core import clock as clock_mod
from linli.core.database import get_engine, session_scope
from linli.org import service as org_service

from ..conftest import World, square


def _rows(view: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    keys = ("open", "overdue", "unexplained_overdue", "due_soon", "escalated_here")
    return {c["code"]: tuple(c[k] for k in keys) for c in view["children"]}


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_street_sees_its_communities_figures_and_why_cases_are_late(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    street = await world.staff("op_s1", "operator", "S1")
    community = await world.staff("op_c11", "operator", "C11")
    late = await world.report(where="C11-G1", title="Late noise")
    await world.report(where="C21-G1", title="Another street's case")
    clock.advance(timedelta(minutes=61))
    assert await tasks.sweep_overdue() == 2  # both escalate to their street
    soon = await world.report(where="C12-G1", title="Fresh noise")  # due in 60 min
    await world.report(where="C12-G2", category="env.air", title="Smoke")  # no deadline

    resp = await client.get(
        "/api/supervision", params={"unit": str(world["S1"].id)}, headers=street.headers
    )
    assert resp.status_code == 200, resp.text
    view = resp.json()
    assert view["due_within_hours"] == 4
    assert _rows(view) == {"C11": (1, 1, 1, 0, 1), "C12": (2, 0, 0, 1, 0)}
    (item,) = view["overdue_cases"]
    assert item["ref"] == late.ref and item["step"] == "register"
    assert item["place"] == "Grid C11-G1" and item["unit_name"] == "Grid C11-G1"
    assert item["why"] == "none given"
    assert soon.id not in [o["case_id"] for o in view["overdue_cases"]]

    explain = await client.post(
        f"/api/cases/{late.id}/overdue/explain",
        json={"explanation": "operator on leave"},
        headers=community.headers,
    )
    assert explain.status_code == 200
    view = (
        await client.get(
            "/api/supervision", params={"unit": str(world["S1"].id)}, headers=street.headers
        )
    ).json()
    assert _rows(view)["C11"] == (1, 1, 0, 0, 1)
    assert view["overdue_cases"][0]["why"] == "operator on leave"

    district = await client.get(
        "/api/supervision", params={"unit": str(world["D"].id)}, headers=street.headers
    )
    assert district.status_code == 404  # above the caller's subtree
    other = await client.get(
        "/api/supervision", params={"unit": str(world["S1"].id)}, headers=community.headers
    )
    assert other.status_code == 404


async def test_the_view_costs_the_same_queries_whatever_the_number_of_children(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    street = await world.staff("op_s1", "operator", "S1")
    await world.report(where="C11-G1")
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    params = {"unit": str(world["S1"].id)}
    with _statements() as few:
        assert (
            await client.get("/api/supervision", params=params, headers=street.headers)
        ).is_success

    async with session_scope() as session:
        for n in range(5):
            lat0 = 22.50 + n * 0.001
            await org_service.create_unit(
                session,
                kind="community",
                code=f"C1X{n}",
                name=f"Extra {n}",
                parent=world["S1"],
                boundary=square(113.7 - n * 0.01, lat0, 113.705 - n * 0.01, lat0 + 0.0005),
            )
    for n in range(5):
        await world.report(where="C12-G1", title=f"case {n}")
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    with _statements() as many:
        resp = await client.get("/api/supervision", params=params, headers=street.headers)
    assert len(resp.json()["children"]) == 7
    assert len(resp.json()["overdue_cases"]) == 6
    assert len(many) == len(few)


async def test_bad_supervision_requests(world: World, client: httpx.AsyncClient) -> None:
    street = await world.staff("op_s1", "operator", "S1")
    bad: list[dict[str, str]] = [{}, {"unit": "x"}, {"unit": str(world["S1"].id), "hours": "0"}]
    for params in bad:
        resp = await client.get("/api/supervision", params=params, headers=street.headers)
        assert resp.status_code == 422, params
    unknown = await client.get(
        "/api/supervision",
        params={"unit": "00000000-0000-0000-0000-000000000000"},
        headers=street.headers,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "unit_not_found"
