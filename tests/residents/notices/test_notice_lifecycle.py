"""A notice's life: scheduled notices publish when their time comes (once, whoever runs the
task), residents see it until it expires or is withdrawn, in their language, and opening it
leaves one receipt per account."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.errors import NotFound
from linli.residents.notices import service, tasks
from linli.residents.notices.models import NoticeRead
from linli.residents.types import ResidentActor

from .notices_world import World, notice


async def _create(client: AsyncClient, w: World, **target: Any) -> str:
    created = await client.post(
        "/api/notices", json=notice(w.unit("S1-C1"), **target), headers=w.auth("gw_a")
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _titles(actor: ResidentActor) -> list[str]:
    async with session_scope() as session:
        page = await service.my_notices(session, actor)
    return [item.text.title for item in page.items]


async def test_a_scheduled_notice_publishes_when_its_time_comes_and_only_once(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    notice_id = await _create(client, world)
    at = clock.now() + timedelta(hours=2)
    scheduled = await client.post(
        f"/api/notices/{notice_id}/publish",
        json={"publish_at": at.isoformat()},
        headers=world.auth("gw_a"),
    )
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    resident = world.resident_of("A1")

    clock.advance(timedelta(hours=1, minutes=59))
    assert await tasks.publish_due_notices() == 0
    assert await _titles(resident) == []

    clock.advance(timedelta(minutes=1))
    assert await tasks.publish_due_notices() == 1
    assert await tasks.publish_due_notices() == 0  # a second worker finds nothing left
    shown = await client.get(f"/api/notices/{notice_id}", headers=world.auth("gw_a"))
    assert shown.json()["status"] == "published"
    assert shown.json()["published_at"].startswith(at.isoformat()[:16])
    assert await _titles(resident) == ["Water off on Friday"]


async def test_residents_see_notices_of_their_home_until_they_expire(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    for_a2 = await _create(client, world, building_ids=[str(world.buildings["A2"].id)])
    for_all = await _create(client, world)
    seniors = await _create(client, world, group="seniors_alone")
    ends = clock.now() + timedelta(days=1)
    for notice_id in (for_a2, for_all, seniors):
        published = await client.post(
            f"/api/notices/{notice_id}/publish",
            json={"expire_at": ends.isoformat()},
            headers=world.auth("gw_a"),
        )
        assert published.status_code == 200, published.text
        clock.advance(timedelta(minutes=1))

    async with session_scope() as session:
        in_a2 = await service.my_notices(session, world.resident_of("A2"))
        in_a1 = await service.my_notices(session, world.resident_of("A1"))
        in_b = await service.my_notices(session, world.resident_of("B"))
    assert [str(i.notice.id) for i in in_a2.items] == [for_all, for_a2]  # newest first
    assert [str(i.notice.id) for i in in_a1.items] == [for_all]
    assert in_b.items == []

    clock.advance(timedelta(days=1))
    assert await _titles(world.resident_of("A2")) == []


async def test_a_withdrawn_notice_is_gone_and_a_published_one_is_not_edited(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _create(client, world)
    await client.post(f"/api/notices/{notice_id}/publish", json={}, headers=world.auth("gw_a"))
    edit = await client.patch(
        f"/api/notices/{notice_id}", json={"group": "seniors_alone"}, headers=world.auth("gw_a")
    )
    assert edit.status_code == 409
    assert edit.json()["code"] == "notice_not_editable"
    assert await _titles(world.resident_of("A1")) == ["Water off on Friday"]

    withdrawn = await client.post(f"/api/notices/{notice_id}/withdraw", headers=world.auth("gw_a"))
    assert withdrawn.json()["status"] == "withdrawn"
    assert await _titles(world.resident_of("A1")) == []


async def test_each_resident_reads_their_language_or_the_fallback(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _create(client, world)
    await client.post(f"/api/notices/{notice_id}/publish", json={}, headers=world.auth("gw_a"))
    assert await _titles(world.resident_of("A1", locale="zh_Hans")) == ["周五停水"]
    assert await _titles(world.resident_of("A1", locale="ta")) == ["Water off on Friday"]


async def test_opening_a_notice_leaves_one_receipt_per_account(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _create(client, world)
    await client.post(f"/api/notices/{notice_id}/publish", json={}, headers=world.auth("gw_a"))
    reader, other = world.resident_of("A1"), world.resident_of("A2")
    assert [i.read for i in (await _page(reader)).items] == [False]
    for actor in (reader, reader, other):
        async with session_scope() as session:
            opened = await service.my_notice(session, actor, uuid.UUID(notice_id))
            assert opened.read
    assert [i.read for i in (await _page(reader)).items] == [True]
    async with session_scope() as session:
        receipts = await session.scalar(select(func.count(NoticeRead.id)))
    assert receipts == 2
    figures = await client.get(f"/api/notices/{notice_id}/figures", headers=world.auth("gw_a"))
    by_building = {t["building"]: t for t in figures.json()["targets"]}
    assert figures.json()["read"] == 2
    assert by_building["Block A1"]["read"] == 1
    assert by_building["Block A1"]["share"] == round(1 / 3, 4)


async def test_a_notice_for_another_home_cannot_be_opened(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _create(client, world)
    await client.post(f"/api/notices/{notice_id}/publish", json={}, headers=world.auth("gw_a"))
    async with session_scope() as session:
        try:
            await service.my_notice(session, world.resident_of("B"), uuid.UUID(notice_id))
        except NotFound as err:
            assert err.code == "notice_not_found"
        else:
            raise AssertionError("a resident of another area opened the notice")
        assert await session.scalar(select(func.count(NoticeRead.id))) == 0


async def _page(actor: ResidentActor) -> Any:
    async with session_scope() as session:
        return await service.my_notices(session, actor)
