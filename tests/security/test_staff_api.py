from __future__ import annotations

import uuid

import httpx
import pytest

from factories import PASSWORD, Tree, bearer, make_district, make_staff
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.security.permissions import ROLES
from linli.security.service import issue_token
from list_pages import assert_bad_paging_refused, total, walk


async def _setup() -> tuple[Tree, dict[str, str]]:
    """A district with an admin on the district and an admin of community S1-C1."""
    async with session_scope() as session:
        tree = await make_district(session)
        _, district_admin = await make_staff(
            session, username="dora", role="admin", unit=tree.district
        )
        _, community_admin = await make_staff(
            session, username="cai", role="admin", unit=tree.unit("S1-C1")
        )
        await make_staff(session, username="gus", role="grid_worker", unit=tree.unit("S2-C1-G1"))
    return tree, {"district": district_admin, "community": community_admin}


def _new_staff(username: str, role: str, unit_id: object) -> dict[str, object]:
    return {
        "username": username,
        "display_name": username.title(),
        "password": PASSWORD,
        "grants": [{"role": role, "unit_id": str(unit_id)}],
    }


async def test_admin_creates_staff_who_can_then_sign_in(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _setup()
    grid = tree.unit("S1-C1-G2")
    response = await client.post(
        "/api/staff",
        json=_new_staff("wang", "grid_worker", grid.id),
        headers=bearer(tokens["community"]),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["username"] == "wang"
    assert [(g["role"], g["unit_code"]) for g in body["grants"]] == [("grid_worker", grid.code)]
    assert "password" not in body and "password_hash" not in body

    login = await client.post("/api/auth/login", json={"username": "wang", "password": PASSWORD})
    assert login.status_code == 200

    taken = await client.post(
        "/api/staff",
        json=_new_staff("wang", "grid_worker", grid.id),
        headers=bearer(tokens["community"]),
    )
    assert taken.status_code == 409 and taken.json()["code"] == "username_taken"


async def test_staff_cannot_be_created_outside_the_callers_subtree(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _setup()
    for code in ("S2-C1", "S1", ""):  # a sibling community, the street above, the district
        unit = tree.unit(code) if code else tree.district
        response = await client.post(
            "/api/staff",
            json=_new_staff("eve", "admin", unit.id),
            headers=bearer(tokens["community"]),
        )
        assert response.status_code == 404, code  # outside the subtree: not even there
    listed = await client.get("/api/staff", headers=bearer(tokens["district"]))
    assert "eve" not in {s["username"] for s in listed.json()["items"]}


async def test_staff_list_shows_only_accounts_with_grants_in_scope(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    _, tokens = await _setup()
    whole = (await client.get("/api/staff", headers=bearer(tokens["district"]))).json()
    assert [s["username"] for s in whole["items"]] == ["cai", "dora", "gus"]
    assert await total(client, "/api/staff", bearer(tokens["district"])) == 3
    local = (await client.get("/api/staff", headers=bearer(tokens["community"]))).json()
    assert [s["username"] for s in local["items"]] == ["cai"]
    walked = await walk(client, "/api/staff", bearer(tokens["district"]), limit=1)
    assert [s["username"] for s in walked] == ["cai", "dora", "gus"]
    walked = await walk(client, "/api/staff", bearer(tokens["community"]), limit=1)
    assert [s["username"] for s in walked] == ["cai"]
    await assert_bad_paging_refused(client, "/api/staff", bearer(tokens["district"]))


async def test_grants_are_added_and_revoked_within_reach(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree, tokens = await _setup()
    staff = (await client.get("/api/staff", headers=bearer(tokens["district"]))).json()["items"]
    gus = next(s for s in staff if s["username"] == "gus")

    # The community admin of S1-C1 may not touch a grant in S2, nor give gus a role in S2.
    gus_grant = gus["grants"][0]
    denied = await client.delete(
        f"/api/staff/{gus['id']}/grants/{gus_grant['id']}", headers=bearer(tokens["community"])
    )
    assert denied.status_code == 404
    added = await client.post(
        f"/api/staff/{gus['id']}/grants",
        json={"role": "grid_worker", "unit_id": str(tree.unit("S1-C1-G1").id)},
        headers=bearer(tokens["community"]),
    )
    assert added.status_code == 201
    twice = await client.post(
        f"/api/staff/{gus['id']}/grants",
        json={"role": "grid_worker", "unit_id": str(tree.unit("S1-C1-G1").id)},
        headers=bearer(tokens["community"]),
    )
    assert twice.status_code == 409 and twice.json()["code"] == "grant_exists"

    # The new grant is effective at once: gus now reads S1-C1-G1.
    async with session_scope() as session:
        gus_token, _ = await issue_token(
            session, account_id=uuid.UUID(gus["id"]), name="t", actor="t"
        )
    grid_url = f"/api/org/units/{tree.unit('S1-C1-G1').id}"
    assert (await client.get(grid_url, headers=bearer(gus_token))).status_code == 200

    removed = await client.delete(
        f"/api/staff/{gus['id']}/grants/{added.json()['id']}", headers=bearer(tokens["community"])
    )
    assert removed.status_code == 204
    assert (await client.get(grid_url, headers=bearer(gus_token))).status_code == 404


async def test_a_role_cannot_be_granted_beyond_what_the_granter_holds(
    db: str,
    clock: clock_mod.ManualClock,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A role that may manage staff but holds little else, as a deployment might define.
    monkeypatch.setitem(
        ROLES, "staff_manager", frozenset({"org:read", "staff:read", "staff:write"})
    )
    tree, _ = await _setup()
    async with session_scope() as session:
        _, manager = await make_staff(
            session, username="hr", role="staff_manager", unit=tree.district
        )
    street = tree.unit("S1")
    for role in ("operator", "admin"):
        response = await client.post(
            "/api/staff", json=_new_staff(f"x{role}", role, street.id), headers=bearer(manager)
        )
        assert response.status_code == 403, role
        assert response.json()["code"] == "role_escalation"
        assert "cases:" in response.json()["detail"]
    ok = await client.post(
        "/api/staff", json=_new_staff("peer", "staff_manager", street.id), headers=bearer(manager)
    )
    assert ok.status_code == 201
    listed = (await client.get("/api/staff", headers=bearer(manager))).json()["items"]
    assert "xoperator" not in {s["username"] for s in listed}

    unknown = await client.post(
        "/api/staff", json=_new_staff("y", "superuser", street.id), headers=bearer(manager)
    )
    assert unknown.status_code == 422


async def test_staff_endpoints_need_staff_permissions(
    db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    tree = (await _setup())[0]
    async with session_scope() as session:
        _, operator = await make_staff(session, username="op", role="operator", unit=tree.district)
    assert (await client.get("/api/staff", headers=bearer(operator))).status_code == 200
    response = await client.post(
        "/api/staff", json=_new_staff("z", "operator", tree.district.id), headers=bearer(operator)
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
