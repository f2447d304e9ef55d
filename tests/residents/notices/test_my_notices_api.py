"""Residents' notices over the API: the notices for my home, newest first with the unread
marked, opening one records my receipt once; the signed-in audience is told when a notice is
published (scheduled ones when their time comes), once, in each one's language."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient
from sqlalchemy import func, select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.residents.models import ResidentAccount, ResidentMessage
from linli.residents.notices import tasks
from linli.residents.notices.models import NoticeRead
from linli.residents.types import Level

from ..helpers import act_as, make_account, sign_in_resident, sign_out_resident
from .notices_world import World, notice


async def _publish(client: AsyncClient, w: World, **target: object) -> str:
    created = await client.post(
        "/api/notices", json=notice(w.unit("S1-C1"), **target), headers=w.auth("gw_a")
    )
    assert created.status_code == 201, created.text
    notice_id = str(created.json()["id"])
    published = await client.post(
        f"/api/notices/{notice_id}/publish", json={}, headers=w.auth("gw_a")
    )
    assert published.status_code == 200, published.text
    return notice_id


async def _inapp(account_id: object) -> list[ResidentMessage]:
    async with session_scope() as session:
        found = await session.scalars(
            select(ResidentMessage).where(
                ResidentMessage.account_id == account_id, ResidentMessage.channel == "inapp"
            )
        )
        return list(found)


async def test_a_resident_lists_and_opens_the_notices_for_their_home(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _publish(client, world)
    await sign_in_resident(
        client, level=Level.PHONE, building=world.buildings["A1"], locale="zh_Hans"
    )
    listed = await client.get("/api/my/notices")
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert (item["id"], item["title"], item["read"]) == (notice_id, "周五停水", False)

    for _ in range(2):
        opened = await client.get(f"/api/my/notices/{notice_id}")
        assert opened.status_code == 200
        assert opened.json()["body"] == "9:00-12:00停水。"
    assert (await client.get("/api/my/notices")).json()["items"][0]["read"] is True
    async with session_scope() as session:
        assert await session.scalar(select(func.count(NoticeRead.id))) == 1


async def test_a_resident_elsewhere_sees_nothing_and_staff_are_refused(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _publish(client, world)
    staff = await client.get("/api/my/notices", headers=world.auth("gw_a"))
    assert staff.status_code == 403
    anonymous = await client.get("/api/my/notices")
    assert anonymous.status_code == 401
    await sign_in_resident(client, building=world.buildings["B"])
    assert (await client.get("/api/my/notices")).json()["items"] == []
    refused = await client.get(f"/api/my/notices/{notice_id}")
    assert refused.status_code == 404
    assert refused.json()["code"] == "notice_not_found"


async def test_publishing_tells_each_account_of_the_target_once_in_its_language(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    in_a1 = await make_account(building=world.buildings["A1"], locale="zh_Hans")
    in_a2 = await make_account(building=world.buildings["A2"])
    in_b = await make_account(building=world.buildings["B"])
    created = await client.post(
        "/api/notices",
        json=notice(world.unit("S1-C1"), building_ids=[str(world.buildings["A1"].id)]),
        headers=world.auth("gw_a"),
    )
    notice_id = created.json()["id"]
    at = clock.now() + timedelta(hours=1)
    await client.post(
        f"/api/notices/{notice_id}/publish",
        json={"publish_at": at.isoformat()},
        headers=world.auth("gw_a"),
    )
    assert await _inapp(in_a1.id) == []  # scheduled: nobody is told yet

    clock.advance(timedelta(hours=1))
    assert await tasks.publish_due_notices() == 1
    assert await tasks.publish_due_notices() == 0
    (told,) = await _inapp(in_a1.id)
    assert told.subject == "通知：周五停水"
    assert told.body == "您家有一条新通知：周五停水"
    assert told.link == f"/my/notices/{notice_id}"
    assert await _inapp(in_a2.id) == []  # another building of the area
    assert await _inapp(in_b.id) == []  # another area


async def test_a_notice_for_seniors_living_alone_reaches_the_accounts_matched_to_one(
    world: World, client: AsyncClient
) -> None:
    senior = await make_account(level=Level.REGISTRY, building=world.buildings["A1"])
    younger = await make_account(level=Level.REGISTRY, building=world.buildings["A1"])
    async with session_scope() as session:
        for account, name in ((senior, "Chen Wei"), (younger, "Tan Mei")):
            row = await session.get(ResidentAccount, account.id)
            assert row is not None
            row.registry_resident_id = world.residents[name].id
    notice_id = await _publish(client, world, group="seniors_alone")
    assert len(await _inapp(senior.id)) == 1
    assert await _inapp(younger.id) == []

    await act_as(client, senior)
    assert [n["id"] for n in (await client.get("/api/my/notices")).json()["items"]] == [notice_id]
    sign_out_resident(client)
    await act_as(client, younger)
    assert (await client.get("/api/my/notices")).json()["items"] == []
