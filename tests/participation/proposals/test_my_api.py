"""A resident's own proposal actions over HTTP, signed in as a resident: propose for their
area, support once and withdraw it, comment, withdraw their proposal; staff credentials and
residents of other areas are refused."""

from __future__ import annotations

import asyncio

import httpx

from linli.residents.types import Level
from residents.helpers import sign_in_resident

from .conftest import Scene


async def test_a_resident_proposes_supports_comments_and_withdraws(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    me = await sign_in_resident(client, level=Level.SIGNED_IN, org_unit=scene.tree.unit("S1-C1-G1"))
    made = await client.post(
        "/api/my/proposals",
        json={"area_id": str(scene.tree.unit("S1-C1").id), "title": "Bike racks",
              "body": "By the market, please.", "display_name": "Kumar"},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    ref = made.json()["ref"]
    far = await client.post(
        "/api/my/proposals",
        json={"area_id": str(scene.tree.unit("S2").id), "title": "x", "body": "y"},
    )
    assert far.status_code == 403 and far.json()["code"] == "outside_area"
    presses = await asyncio.gather(
        *(client.post(f"/api/my/proposals/{ref}/support") for _ in range(3))
    )
    assert all(p.status_code == 200 for p in presses)
    assert presses[-1].json() | {} == {"ref": ref, "support_count": 1, "supported": True}
    gone = await client.delete(f"/api/my/proposals/{ref}/support")
    assert gone.json() == {"ref": ref, "support_count": 0, "supported": False}
    said = await client.post(f"/api/my/proposals/{ref}/comments", json={"body": "Near the lift"})
    assert said.status_code == 201 and said.json()["body"] == "Near the lift"
    mine = await client.get("/api/my/proposals")
    assert [p["ref"] for p in mine.json()["items"]] == [ref]
    assert "author_id" not in mine.text and str(me.account_id) not in mine.text
    withdrawn = await client.post(f"/api/my/proposals/{ref}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    again = await client.post(f"/api/my/proposals/{ref}/withdraw")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"
    closed = await client.post(f"/api/my/proposals/{ref}/support")
    assert closed.status_code == 409 and closed.json()["code"] == "proposal_closed"


async def test_residents_of_other_areas_and_staff_are_refused(
    scene: Scene, client: httpx.AsyncClient
) -> None:
    made = await scene.propose(scene.resident())
    anonymous = await client.post(f"/api/my/proposals/{made.ref}/support")
    assert anonymous.status_code == 401
    staff = await client.post(
        f"/api/my/proposals/{made.ref}/support", headers=scene.operator.headers
    )
    assert staff.status_code == 403
    await sign_in_resident(client, level=Level.SIGNED_IN, org_unit=scene.tree.unit("S2-C1-G1"))
    outsider = await client.post(f"/api/my/proposals/{made.ref}/support")
    assert outsider.status_code == 403 and outsider.json()["code"] == "outside_area"
    not_mine = await client.post(f"/api/my/proposals/{made.ref}/withdraw")
    assert not_mine.status_code == 403 and not_mine.json()["code"] == "not_the_author"
    missing = await client.post("/api/my/proposals/P-000000-000000/support")
    assert missing.status_code == 404
