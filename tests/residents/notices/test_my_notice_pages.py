"""The resident's notices pages, read as a browser without scripts does."""

from __future__ import annotations

from httpx import AsyncClient

from linli.residents.types import Level

from ..helpers import sign_in_resident
from .notices_world import World, notice


async def _publish(client: AsyncClient, w: World) -> str:
    created = await client.post(
        "/api/notices", json=notice(w.unit("S1-C1")), headers=w.auth("gw_a")
    )
    notice_id = str(created.json()["id"])
    await client.post(f"/api/notices/{notice_id}/publish", json={}, headers=w.auth("gw_a"))
    return notice_id


async def test_the_list_marks_the_unread_and_opening_marks_it_read(
    world: World, client: AsyncClient
) -> None:
    notice_id = await _publish(client, world)
    await sign_in_resident(client, level=Level.PHONE, building=world.buildings["A2"])
    listed = await client.get("/my/notices")
    assert listed.status_code == 200
    assert "Water off on Friday" in listed.text
    assert 'class="card unread"' in listed.text

    opened = await client.get(f"/my/notices/{notice_id}")
    assert opened.status_code == 200
    assert "Water is off 9:00-12:00." in opened.text
    again = await client.get("/my/notices")
    assert 'class="card unread"' not in again.text


async def test_the_page_speaks_the_residents_language(world: World, client: AsyncClient) -> None:
    notice_id = await _publish(client, world)
    await sign_in_resident(client, building=world.buildings["A1"], locale="zh_Hans")
    opened = await client.get(f"/my/notices/{notice_id}")
    assert "周五停水" in opened.text and 'lang="zh-Hans"' in opened.text


async def test_signed_out_browsers_go_to_the_residents_sign_in(
    world: World, client: AsyncClient
) -> None:
    response = await client.get("/my/notices")
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/my/sign-in")
