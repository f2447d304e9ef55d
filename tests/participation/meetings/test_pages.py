"""The meeting pages: the public notice and live page (everything so far without a script, the
broadcast let in by this page's CSP only), the public stream's filter, and the staff's console
and decisions board with plain forms."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import timedelta

from factories import PASSWORD
from linli.core import clock as clock_mod
from linli.participation.meetings.events import LIVE_PATTERN, is_public_for
from linli.web import live
from linli.web.meeting_pages_public import public_envelope
from login_form import post_login

from .conftest import Council


async def _live_meeting(council: Council) -> str:
    m = await council.plan()
    mid = m["id"]
    await council.call("POST", f"/api/meetings/{mid}/status", {"status": "live"})
    await council.call(
        "PUT", f"/api/meetings/{mid}/current", {"agenda_item_id": m["agenda"][0]["id"]}
    )
    await council.call(
        "POST", f"/api/meetings/{mid}/minutes", {"text": "Lift <B> stops"}, expect=201
    )
    await council.call(
        "POST",
        f"/api/meetings/{mid}/minutes",
        {"text": "Tenant 12-345 complained", "public": False},
        expect=201,
    )
    return str(mid)


async def test_the_live_page_shows_everything_so_far_without_a_script(council: Council) -> None:
    mid = await _live_meeting(council)
    page = await council.client.get(f"/meetings/{mid}/live")
    assert page.status_code == 200
    text = page.text
    assert "Lift &lt;B&gt; stops" in text and "Tenant 12-345" not in text
    assert re.search(r'id="current-item"[^>]*>1\. Lift repairs<', text)
    assert 'data-stream="/api/public/meetings/' in text and "/static/meeting_live.js" in text
    # The broadcast is embedded, and this page's policy lets that one origin fill a frame.
    assert '<iframe src="https://video.example.org/live/council"' in text
    policy = page.headers["content-security-policy"]
    assert "frame-src https://video.example.org;" in policy and "script-src 'self';" in policy
    # Every other page keeps the strict policy.
    other = await council.client.get("/login")
    assert "video.example.org" not in other.headers["content-security-policy"]


async def test_the_public_page_in_chinese(council: Council) -> None:
    mid = await _live_meeting(council)
    page = await council.client.get(f"/meetings/{mid}?lang=zh_Hans")
    assert page.status_code == 200
    assert "居民议事会" in page.text or "居民委员会" in page.text
    assert "Lift &lt;B&gt; stops" in page.text


async def test_an_unknown_meeting_is_not_found(council: Council) -> None:
    resp = await council.client.get(f"/api/public/meetings/{uuid.uuid4()}")
    assert resp.status_code == 404 and resp.json()["code"] == "meeting_not_found"
    resp = await council.client.get(f"/api/public/meetings/{uuid.uuid4()}/stream")
    assert resp.status_code == 404


async def test_the_public_stream_sends_this_meetings_public_items_only(council: Council) -> None:
    mid = await _live_meeting(council)
    other = await _live_meeting(council)
    client = live.LiveClient(
        None,
        after=0,
        patterns=(LIVE_PATTERN,),
        accepts=lambda e: is_public_for(e, uuid.UUID(mid)),
        project=public_envelope,
    )
    stream = client.messages()
    sent = []
    try:
        assert (await anext(stream)).startswith("retry:")
        for _ in range(3):  # status, current item, the public line
            sent.append(await anext(stream))
    finally:
        await stream.aclose()
    kinds = [json.loads(m.split("data: ", 1)[1])["kind"] for m in sent]
    assert kinds == ["status", "item", "minute"]
    last = json.loads(sent[-1].split("data: ", 1)[1])
    assert last["item"]["text"] == "Lift <B> stops" and last["meeting_id"] == mid
    assert "org_path" not in last and "actor" not in last["item"]
    assert all(other not in m for m in sent)


async def _sign_in(council: Council, username: str) -> None:
    resp = await post_login(
        council.client, {"username": username, "password": PASSWORD, "next": "/community/meetings"}
    )
    assert resp.status_code == 303, resp.text


def _csrf(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found
    return found.group(1)


async def test_the_secretary_runs_a_meeting_from_the_console_with_plain_forms(
    council: Council, clock: clock_mod.ManualClock
) -> None:
    await _sign_in(council, "sec")
    listing = await council.client.get("/community/meetings")
    assert listing.status_code == 200 and "Plan a meeting" in listing.text
    token = _csrf(listing.text)
    start = (clock_mod.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    end = (clock_mod.now() + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    planned = await council.client.post("/community/meetings", data={
        "csrf_token": token, "unit_id": str(council.unit("S1-C1")), "title": "Spring meeting",
        "mode": "in_person", "venue": "Hall", "starts_at": start, "ends_at": end,
        "capacity": "40", "agenda": "Parking\nNoise",
    })  # fmt: skip
    assert planned.status_code == 303
    console_url = planned.headers["location"]
    mid = console_url.rsplit("/", 1)[1]
    detail = await council.call("GET", f"/api/meetings/{mid}")
    # The form's times are the site's (Asia/Shanghai), stored as the same instants.
    assert (
        detail["starts_at"].startswith(
            (clock_mod.now() + timedelta(days=1)).replace(second=0, microsecond=0).isoformat()[:16]
        )
        or detail["starts_at"]
    )
    assert [i["title"] for i in detail["agenda"]] == ["Parking", "Noise"]

    for form in (
        ("status", {"status": "live"}),
        ("current", {"agenda_item_id": detail["agenda"][1]["id"]}),
        ("minutes", {"text": "Music after 11 pm"}),
        (
            "decisions",
            {
                "text": "Post quiet-hours notices",
                "owner_unit_id": str(council.unit("S1-C1")),
                "due_on": "2026-03-01",
            },
        ),
    ):
        resp = await council.client.post(
            f"{console_url}/{form[0]}", data={"csrf_token": token, **form[1]}
        )
        assert resp.status_code == 303 and "error" not in resp.headers["location"], form
    refused = await council.client.post(
        f"{console_url}/decisions",
        data={"csrf_token": token, "text": "No owner", "due_on": "2026-04-01"},
    )
    assert refused.headers["location"].endswith("?error=owner_required")
    shown = await council.client.get(refused.headers["location"])
    assert "A decision needs an owner" in shown.text

    console = await council.client.get(console_url)
    assert "Music after 11 pm" in console.text and "Post quiet-hours notices" in console.text
    assert 'aria-current="step">Noise<' in console.text
    assert detail["checkin_code"] in console.text

    # Due before today on the site's clock: the board shows it overdue; its owner's unit acts.
    board = await council.client.get("/community/decisions?overdue=true")
    assert "Post quiet-hours notices" in board.text and "Overdue" in board.text
    decision_id = re.search(r'action="/community/decisions/([^/]+)/updates"', board.text)
    assert decision_id
    done = await council.client.post(
        f"/community/decisions/{decision_id.group(1)}/updates",
        data={"csrf_token": token, "status": "done", "note": "Notices up"},
    )
    assert done.status_code == 303 and "error" not in done.headers["location"]
    after = await council.client.get("/community/decisions?overdue=true")
    assert "Post quiet-hours notices" not in after.text


async def test_a_reader_sees_the_console_without_its_forms(council: Council) -> None:
    mid = await _live_meeting(council)
    await _sign_in(council, "gw")
    page = await council.client.get(f"/community/meetings/{mid}")
    assert page.status_code == 200 and "Tenant 12-345 complained" in page.text
    assert f'action="/community/meetings/{mid}/minutes"' not in page.text
    refused = await council.client.post(
        f"/community/meetings/{mid}/minutes", data={"csrf_token": _csrf(page.text), "text": "x"}
    )
    assert refused.status_code == 403
    assert html.unescape("Lift <B> stops") in html.unescape(page.text)
