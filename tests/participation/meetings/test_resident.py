"""A resident's side of meetings, signed in as residents sign in: the meetings of their
council, registering and the waitlist, giving a place up (the next one is told), checking in
with the venue's code, through the API and through the page's plain forms."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from linli.core.database import session_scope
from linli.residents.models import ResidentMessage
from linli.residents.types import Level
from residents.helpers import act_as, make_account, sign_out_resident

from .conftest import Council


async def _resident(council: Council, *, at: str = "S1-C1-G1", level: Level = Level.PHONE):  # type: ignore[no-untyped-def]
    return await make_account(level=level, org_unit=council.tree.unit(at))


async def test_register_through_the_api_with_a_waitlist_and_a_freed_place(
    council: Council,
) -> None:
    mid = (await council.plan(capacity=1))["id"]
    client = council.client
    first, second = await _resident(council), await _resident(council)

    await act_as(client, first)
    listed = (await client.get("/api/my/meetings")).json()
    assert [m["meeting"]["id"] for m in listed["items"]] == [mid]
    assert listed["items"][0]["registration"] is None
    assert listed["items"][0]["meeting"]["body"] == "Residents' council"
    took = await client.post(f"/api/my/meetings/{mid}/registration")
    assert took.status_code == 201 and took.json()["status"] == "registered"

    await act_as(client, second)
    waits = await client.post(f"/api/my/meetings/{mid}/registration")
    assert waits.json()["status"] == "waitlisted"
    assert (await client.get("/api/my/meetings")).json()["items"][0]["registration"]["status"] == (
        "waitlisted"
    )

    await act_as(client, first)
    assert (await client.delete(f"/api/my/meetings/{mid}/registration")).json()["status"] == (
        "cancelled"
    )
    await act_as(client, second)
    mine = (await client.get("/api/my/meetings")).json()["items"][0]["registration"]
    assert mine["status"] == "registered"
    async with session_scope() as session:
        told = (
            await session.scalars(
                select(ResidentMessage).where(ResidentMessage.account_id == second.id)
            )
        ).all()
    assert any("place" in m.subject and m.link == "/my/meetings" for m in told)


async def test_who_may_use_the_residents_meeting_routes(council: Council) -> None:
    mid = (await council.plan())["id"]
    client = council.client
    assert (await client.get("/api/my/meetings")).status_code == 401
    page = await client.get("/my/meetings")
    assert page.status_code in (302, 303) and page.headers["location"].startswith("/my/sign-in")
    staff = await client.get("/api/my/meetings", headers=council.h("sec"))
    assert staff.status_code == 403
    # Signed in, but without a confirmed phone: the rule refuses registering.
    await act_as(client, await _resident(council, level=Level.SIGNED_IN))
    refused = await client.post(f"/api/my/meetings/{mid}/registration")
    assert refused.status_code == 403 and refused.json()["code"] == "verification_needed"
    # A resident of another street is not of this council.
    await act_as(client, await _resident(council, at="S2-C1-G1"))
    assert (await client.get("/api/my/meetings")).json()["items"] == []
    outside = await client.post(f"/api/my/meetings/{mid}/registration")
    assert outside.status_code == 403 and outside.json()["code"] == "outside_area"
    sign_out_resident(client)


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found and found.group(1)
    return found.group(1)


async def test_the_page_registers_and_checks_in_without_a_script(council: Council) -> None:
    m = await council.plan()
    mid = m["id"]
    client: httpx.AsyncClient = council.client
    await act_as(client, await _resident(council))
    client.headers.pop("X-CSRF-Token", None)  # a browser's form carries the token itself
    page = await client.get("/my/meetings")
    assert page.status_code == 200 and "Register to attend" in page.text
    done = await client.post(f"/my/meetings/{mid}/register", data={"csrf_token": _csrf(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/my/meetings?note=registered"
    page = await client.get(done.headers["location"])
    assert "You have a place. See you there." in page.text and "You have a place." in page.text

    await council.call("POST", f"/api/meetings/{mid}/status", {"status": "live"})
    page = await client.get("/my/meetings")
    token = _csrf(page.text)
    wrong = await client.post(
        f"/my/meetings/{mid}/check-in", data={"csrf_token": token, "code": "1"}
    )
    assert wrong.headers["location"].endswith("note=wrong_checkin_code")
    right = await client.post(
        f"/my/meetings/{mid}/check-in", data={"csrf_token": token, "code": m["checkin_code"]}
    )
    assert right.headers["location"].endswith("note=checked_in")
    assert (await council.call("GET", f"/api/meetings/{mid}"))["attended"] == 1
    # Without the form's token nothing happens.
    forged = await client.post(f"/my/meetings/{mid}/cancel", data={})
    assert forged.status_code == 403
    zh = await client.get("/my/meetings?lang=zh_Hans")
    assert "你已签到。" in zh.text
