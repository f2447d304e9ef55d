"""Staff pages of notices, used as a browser without scripts does: plain forms posting,
redirected back, and the pages saying what changed."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from linli.core.clock import ManualClock

from .notices_world import World


def _form(w: World, action: str, **extra: str) -> dict[str, str]:
    return {
        "unit_id": w.unit("S1-C1"),
        "group": "everyone",
        "title_en": "Lift repairs on Monday",
        "body_en": "Lift B is stopped from 9:00 to 17:00.",
        "title_zh_Hans": "周一电梯维修",
        "body_zh_Hans": "B梯9:00至17:00停用。",
        "fallback_locale": "en",
        "action": action,
        **extra,
    }


async def _publish_by_form(client: AsyncClient, w: World) -> str:
    response = await client.post(
        "/community/notices/new", data=_form(w, "publish"), headers=w.auth("gw_a")
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


async def test_counting_then_publishing_a_notice_by_plain_forms(
    world: World, client: AsyncClient
) -> None:
    counted = await client.post(
        "/community/notices/new", data=_form(world, "preview"), headers=world.auth("gw_a")
    )
    assert counted.status_code == 200
    assert "This notice would reach 6 residents" in counted.text
    assert "Lift repairs on Monday" in counted.text  # the words typed are kept

    page_url = await _publish_by_form(client, world)
    page = await client.get(page_url, headers=world.auth("gw_a"))
    assert page.status_code == 200
    assert "Lift repairs on Monday" in page.text and "周一电梯维修" in page.text
    assert 'id="notice-status">Published' in page.text
    listed = await client.get("/community/notices", headers=world.auth("gw_a"))
    assert "Lift repairs on Monday" in listed.text


async def test_a_form_with_no_words_is_shown_again_with_the_reason(
    world: World, client: AsyncClient
) -> None:
    form = _form(world, "draft", title_en="", body_en="", title_zh_Hans="", body_zh_Hans="")
    response = await client.post("/community/notices/new", data=form, headers=world.auth("gw_a"))
    assert response.status_code == 422
    assert 'id="notice-errors"' in response.text
    listed = await client.get("/api/notices", headers=world.auth("gw_a"))
    assert listed.json()["items"] == []


async def test_a_refused_publication_keeps_no_draft(world: World, client: AsyncClient) -> None:
    form = _form(world, "publish", publish_at="2026-03-05T10:00", expire_at="2026-03-05T09:00")
    response = await client.post("/community/notices/new", data=form, headers=world.auth("gw_a"))
    assert response.status_code == 422
    assert "a notice must expire after it is published" in response.text
    listed = await client.get("/api/notices", headers=world.auth("gw_a"))
    assert listed.json()["items"] == []


async def test_scheduling_by_form_uses_the_sites_clock(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    # 09:00 in Shanghai (the district's calendar) is 01:00 UTC, the test clock's start.
    local = (clock.now() + timedelta(hours=8 + 3)).strftime("%Y-%m-%dT%H:%M")
    response = await client.post(
        "/community/notices/new",
        data=_form(world, "publish", publish_at=local),
        headers=world.auth("gw_a"),
    )
    assert response.status_code == 303, response.text
    notice_id = response.headers["location"].rsplit("/", 1)[1]
    shown = (await client.get(f"/api/notices/{notice_id}", headers=world.auth("gw_a"))).json()
    assert shown["status"] == "scheduled"
    assert shown["publish_at"].startswith((clock.now() + timedelta(hours=3)).isoformat()[:16])


async def test_recording_calls_on_the_phone_list_and_withdrawing(
    world: World, client: AsyncClient
) -> None:
    page_url = await _publish_by_form(client, world)
    calls = await client.get(f"{page_url}/calls", headers=world.auth("gw_a"))
    assert calls.status_code == 200
    assert "Chen **" in calls.text and "Chen Wei" not in calls.text
    revealed = await client.get(f"{page_url}/calls?reveal=1", headers=world.auth("gw_a"))
    assert "Chen Wei" in revealed.text

    chen = str(world.residents["Chen Wei"].id)
    recorded = await client.post(
        f"{page_url}/calls",
        data={"resident_id": chen, "outcome": "reached", "note": "she knows", "reveal": "1"},
        headers=world.auth("gw_a"),
    )
    assert recorded.status_code == 303
    assert recorded.headers["location"].endswith("/calls?reveal=1")
    page = await client.get(page_url, headers=world.auth("gw_a"))
    assert "reached by a call: 1" in page.text

    printed = await client.get(f"{page_url}/print", headers=world.auth("gw_a"))
    assert printed.status_code == 200
    assert "Households to visit" in printed.text and "Lim **" in printed.text
    assert "周一电梯维修" in printed.text  # Chen Wei is told in Chinese

    withdrawn = await client.post(f"{page_url}/withdraw", headers=world.auth("gw_a"))
    assert withdrawn.status_code == 303
    page = await client.get(page_url, headers=world.auth("gw_a"))
    assert 'id="notice-status">Withdrawn' in page.text


async def test_pages_of_another_subtree_are_not_found(world: World, client: AsyncClient) -> None:
    page_url = await _publish_by_form(client, world)
    for suffix in ("", "/calls", "/print"):
        response = await client.get(f"{page_url}{suffix}", headers=world.auth("gw_b"))
        assert response.status_code == 404, suffix
