"""Planning and running a meeting through the API: agenda, status, current item, minutes,
decisions and their follow-up, the public read, scope."""

from __future__ import annotations

from datetime import date, timedelta

from linli.core import clock as clock_mod

from .conftest import Council


async def test_a_secretary_plans_runs_and_closes_a_meeting(council: Council) -> None:
    m = await council.plan()
    mid = m["id"]
    assert m["status"] == "planned" and m["body"] == "Residents' council"
    assert [i["title"] for i in m["agenda"]] == [
        "Lift repairs",
        "Summer festival",
        "Any other business",
    ]
    assert len(m["checkin_code"]) == 6

    # Minutes wait for the meeting to start.
    early = await council.call("POST", f"/api/meetings/{mid}/minutes", {"text": "x"}, expect=409)
    assert early["code"] == "meeting_not_live"

    await council.call("POST", f"/api/meetings/{mid}/status", {"status": "live"})
    first = m["agenda"][0]["id"]
    now = await council.call("PUT", f"/api/meetings/{mid}/current", {"agenda_item_id": first})
    assert now["current_item_id"] == first
    line = await council.call(
        "POST", f"/api/meetings/{mid}/minutes", {"text": "Lift B stops between floors"}, expect=201
    )
    assert line["agenda_item_id"] == first and line["seq"] == 1
    await council.call(
        "POST", f"/api/meetings/{mid}/minutes",
        {"text": "Names of the tenants who complained", "public": False}, expect=201,
    )  # fmt: skip
    due = (date(2026, 3, 2) + timedelta(days=14)).isoformat()
    decision = await council.call(
        "POST",
        f"/api/meetings/{mid}/decisions",
        {"text": "Call the lift contractor this week", "owner_unit_id": str(council.unit("DEPT")),
         "due_on": due},
        expect=201,
    )  # fmt: skip
    assert decision["status"] == "open" and decision["overdue"] is False
    no_owner = await council.call(
        "POST", f"/api/meetings/{mid}/decisions", {"text": "Someone should", "due_on": due},
        expect=422,
    )  # fmt: skip
    assert no_owner["code"] == "owner_required"

    # The public reads the public lines only, and never who wrote them.
    seen = (await council.client.get(f"/api/public/meetings/{mid}")).json()
    assert [x["text"] for x in seen["minutes"]] == ["Lift B stops between floors"]
    assert seen["decisions"][0]["owner_unit"] == "Sanitation"
    assert "checkin_code" not in seen and "actor" not in str(seen["minutes"])

    await council.call("POST", f"/api/meetings/{mid}/status", {"status": "ended"})
    again = await council.call(
        "POST", f"/api/meetings/{mid}/status", {"status": "live"}, expect=409
    )
    assert again["code"] == "bad_meeting_transition"
    published = await council.call("POST", f"/api/meetings/{mid}/publish")
    assert published["minutes_published_at"] is not None


async def test_decisions_are_followed_up_to_done_and_overdue_ones_show(
    council: Council, clock: clock_mod.ManualClock
) -> None:
    mid = (await council.plan())["id"]
    await council.call("POST", f"/api/meetings/{mid}/status", {"status": "live"})
    today = clock_mod.now().date()
    d = await council.call(
        "POST", f"/api/meetings/{mid}/decisions",
        {"text": "Repaint the playground", "owner_account_id": str(council.ids["dept"]),
         "due_on": (today + timedelta(days=3)).isoformat()},
        expect=201,
    )  # fmt: skip
    board = await council.call("GET", "/api/decisions?overdue=true")
    assert board["items"] == []

    clock.advance(timedelta(days=5))
    late = await council.call("GET", "/api/decisions?overdue=true")
    assert [x["id"] for x in late["items"]] == [d["id"]] and late["items"][0]["overdue"]

    # The owner (a department outside the street) reports progress; done needs a note.
    url = f"/api/decisions/{d['id']}/updates"
    await council.call(
        "POST", url, {"status": "in_progress", "note": "Paint bought"}, by="dept", expect=201
    )
    silent = await council.call("POST", url, {"status": "done"}, by="dept", expect=422)
    assert silent["code"] == "note_required"
    await council.call("POST", url, {"status": "done", "note": "Painted"}, by="dept", expect=201)
    # A grid worker who reads the board may not report on someone else's decision.
    refused = await council.call("POST", url, {"status": "open"}, by="gw", expect=403)
    assert refused["code"] == "forbidden_scope"

    detail = await council.call("GET", f"/api/decisions/{d['id']}")
    assert detail["status"] == "done" and not detail["overdue"]
    assert [u["status"] for u in detail["updates"]] == ["in_progress", "done"]
    assert (await council.call("GET", "/api/decisions?overdue=true"))["items"] == []


async def test_meetings_are_scoped_to_the_subtree(council: Council) -> None:
    mid = (await council.plan())["id"]
    assert (await council.call("GET", f"/api/meetings/{mid}", by="gw"))["id"] == mid
    missing = await council.call("GET", f"/api/meetings/{mid}", by="other", expect=404)
    assert missing["code"] == "meeting_not_found"
    assert (await council.call("GET", "/api/meetings", by="other"))["items"] == []
    listed = await council.call("GET", "/api/meetings?upcoming=true", by="gw")
    assert [x["id"] for x in listed["items"]] == [mid]
    # A grid worker reads but does not run meetings; nobody plans outside their subtree.
    await council.call(
        "POST", f"/api/meetings/{mid}/status", {"status": "live"}, by="gw", expect=403
    )
    outside = await council.plan(by="other", expect=403)
    assert outside["code"] == "forbidden_scope"


async def test_bad_input_is_refused_with_a_reason(council: Council) -> None:
    backwards = await council.plan(
        starts_at=(clock_mod.now() + timedelta(hours=3)).isoformat(), expect=422
    )
    assert backwards["code"] == "ends_before_start"
    plain = await council.plan(stream_url="http://video.example.org/x", expect=422)
    assert plain["code"] == "validation_failed"
    online = await council.plan(mode="online", stream_url=None, expect=422)
    assert online["code"] == "stream_url_required"
    naive = await council.plan(starts_at="2026-03-02T10:00:00", expect=422)
    assert naive["code"] == "validation_failed"
    assert (await council.call("GET", "/api/meetings", by="sec"))["items"] == []
