"""The volunteers API: bad input is a 4xx problem+json with nothing stored, every object is
scoped to the caller's subtree, and the volunteer's own routes reach only their branch."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from factories import bearer
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.volunteers.models import Volunteer

from .conftest import Site


def _body(site: Site, **extra: Any) -> dict[str, Any]:
    return {
        "unit_id": str(site.tree.unit("S1-C1").id), "name": "Chen", "lon": 113.84, "lat": 22.52,
    } | extra  # fmt: skip


@pytest.mark.parametrize(
    "extra",
    [
        {"skills": ["juggling"]},
        {"qualifications": {"pilot_licence": "2030-01-01"}},
        {"windows": [{"weekday": 7, "start": "08:00", "end": "09:00"}]},
        {"windows": [{"weekday": 1, "start": "10:00", "end": "09:00"}]},
        {"lon": 500},
        {"languages": ["English!"]},
        {"name": "x" * 201},
        {"unit_id": "00000000-0000-0000-0000-000000000000"},
        {"account_id": "00000000-0000-0000-0000-000000000000"},
    ],
)
async def test_bad_profiles_are_refused(site: Site, extra: dict[str, Any]) -> None:
    resp = await site.client.post(
        "/api/volunteers", json=_body(site, **extra), headers=bearer(site.tokens["coord"])
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Volunteer)) == 2


async def test_bad_shifts_and_matching_are_refused(site: Site) -> None:
    programme = await site.programme()
    start = clock_mod.now() + timedelta(days=1)
    bad = [
        {"starts_at": start.isoformat(), "ends_at": start.isoformat(), "place": "X", "needed": 1},
        {"starts_at": (start - timedelta(days=2)).isoformat(),
         "ends_at": start.isoformat(), "place": "X", "needed": 1},
        {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
         "place": "X", "needed": 0},
    ]  # fmt: skip
    for body in bad:
        await site.call("POST", f"/api/programmes/{programme}/shifts", body, expect=422)
    unit = site.tree.unit("S1").id
    problem = await site.call(
        "GET", f"/api/volunteers/match?unit_id={unit}&lon=113.84&lat=22.52&skills=juggling",
        expect=422,
    )  # fmt: skip
    assert problem["code"] == "unknown_skill"
    found = await site.call("GET", f"/api/volunteers/match?unit_id={unit}&lon=113.84&lat=22.52")
    assert [m["display_name"] for m in found] == ["Ana", "Bo"]


async def test_scoped_to_the_subtree(site: Site) -> None:
    ana = site.volunteers["ana"]
    await site.call("GET", f"/api/volunteers/{ana}", by="other", expect=404)
    await site.call("PATCH", f"/api/volunteers/{ana}", {"active": False}, by="other", expect=404)
    assert (await site.call("GET", "/api/volunteers", by="other"))["items"] == []
    listed = await site.call("GET", "/api/volunteers")
    assert {v["id"] for v in listed["items"]} == set(site.volunteers.values())
    await site.call("GET", f"/api/volunteers/{ana}", by="gw", expect=403)
    detail = await site.call("GET", f"/api/volunteers/{ana}")
    assert detail["name"] == "Ana" and detail["phone"] == "+65 9000 0000"


async def test_volunteers_own_routes(site: Site) -> None:
    programme = await site.programme()
    shift = await site.shift(programme)
    await site.call("POST", f"/api/shifts/{shift}/signup", by="coord", expect=403)
    await site.call("GET", "/api/volunteers/me", by="gw", expect=403)
    await site.call("GET", f"/api/shifts/{shift}", by="ana", expect=403)
    # A shift of street 2 is off Ana's branch: it does not exist for her.
    other = await site.call(
        "POST", "/api/programmes",
        {"unit_id": str(site.tree.unit("S2-C1").id), "name": {"en": "Elsewhere"}}, by="other",
        expect=201,
    )  # fmt: skip
    start = clock_mod.now() + timedelta(days=1)
    body = {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(),
            "place": "Far", "needed": 1}  # fmt: skip
    far = await site.call(
        "POST", f"/api/programmes/{other['id']}/shifts", body, by="other", expect=201
    )
    await site.call("POST", f"/api/shifts/{far['id']}/signup", by="ana", expect=404)
    await site.call("DELETE", f"/api/shifts/{shift}/signup", by="ana", expect=404)
    me = await site.call("GET", "/api/volunteers/me", by="ana")
    assert me["volunteer"]["name"] == "Ana" and me["shifts"] == []
