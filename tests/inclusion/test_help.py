"""Help requests to digital ambassadors: a resident asks, an ambassador of the subtree takes it
(oldest first in the queue), schedules it and marks it helped; the resident is told in their
language at each step; staff ask for a caller; another subtree's ambassador sees 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.inclusion.models import HelpRequest
from linli.residents.models import ResidentMessage
from linli.residents.types import Level
from residents.helpers import act_as, make_account

from .conftest import Hub

BASE = "/api/inclusion/help-requests"


async def _told(account_id: object) -> list[ResidentMessage]:
    async with session_scope() as session:
        stmt = (
            select(ResidentMessage)
            .where(ResidentMessage.account_id == account_id, ResidentMessage.channel == "inapp")
            .order_by(ResidentMessage.created_at)
        )
        return list((await session.scalars(stmt)).all())


async def _queue(hub: Hub) -> list[str]:
    resp = await hub.client.get(BASE, params={"status": "open"}, headers=hub.h("amb"))
    return [r["id"] for r in resp.json()["items"]]


async def test_a_request_taken_scheduled_and_helped_tells_the_resident(
    hub: Hub, clock: clock_mod.ManualClock
) -> None:
    senior = await make_account(
        level=Level.SIGNED_IN, org_unit=hub.tree.unit("S1-C1-G1"), locale="zh_Hans"
    )
    await act_as(hub.client, senior)
    asked = await hub.client.post(
        "/api/my/digital-help",
        json={"topic": "video_calls", "mode": "phone", "preferred_times": "weekday mornings"},
    )
    assert asked.status_code == 201, asked.text
    rid = asked.json()["id"]
    assert asked.json()["language"] == "zh_Hans" and asked.json()["status"] == "open"
    clock.advance(timedelta(minutes=5))
    # A later request by staff for a caller queues behind it.
    later = await hub.call(
        "POST", BASE,
        {"unit_id": str(hub.unit("S1-C1")), "topic": "scam_safety", "name": "Mdm Wong",
         "phone": "+65 9000 1111", "mode": "phone", "language": "ms"},
        expect=201,
    )  # fmt: skip
    assert await _queue(hub) == [rid, later["id"]]  # oldest first
    newest = await hub.call("GET", BASE, by="amb")
    assert [r["id"] for r in newest["items"]] == [later["id"], rid]

    # Street 2's ambassador does not see it; the operator may read but not take it.
    other = await hub.client.post(f"{BASE}/{rid}/take", headers=hub.h("amb2"))
    assert other.status_code == 404
    op = await hub.client.post(f"{BASE}/{rid}/take", headers=hub.h("op"))
    assert op.status_code == 403

    taken = await hub.call("POST", f"{BASE}/{rid}/take", by="amb")
    assert taken["status"] == "taken" and taken["ambassador_id"] == str(hub.ids["amb"])
    again = await hub.client.post(f"{BASE}/{rid}/take", headers=hub.h("amb"))
    assert again.status_code == 409 and again.json()["code"] == "bad_help_transition"

    when = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shenzhen the next day
    scheduled = await hub.call(
        "POST", f"{BASE}/{rid}/schedule", {"appointment_at": when.isoformat()}, by="amb"
    )
    assert scheduled["status"] == "scheduled"
    clock.advance(timedelta(days=1, hours=1))
    done = await hub.call(
        "POST", f"{BASE}/{rid}/outcome", {"outcome": "helped", "note": "set up WeChat"}, by="amb"
    )
    assert done["status"] == "closed" and done["outcome"] == "helped"

    told = await _told(senior.id)
    assert [m.locale for m in told] == ["zh_Hans", "zh_Hans"]
    assert "视频通话" in told[0].body  # the topic, in their language
    assert "2026-03-03 10:00" in told[1].body and told[1].link == "/my/digital-help"
    mine = (await hub.client.get("/api/my/digital-help")).json()["items"]
    assert [(m["id"], m["outcome"]) for m in mine] == [(rid, "helped")]
    assert await _queue(hub) == [later["id"]]


async def test_bad_input_is_refused_with_problem_json(hub: Hub) -> None:
    senior = await make_account(level=Level.SIGNED_IN, org_unit=hub.tree.unit("S1-C1-G1"))
    await act_as(hub.client, senior)
    for body in (
        {"topic": "astrology"},
        {"topic": "video_calls", "mode": "by_pigeon"},
        {"topic": "video_calls", "preferred_times": "x" * 301},
    ):
        resp = await hub.client.post("/api/my/digital-help", json=body)
        assert resp.status_code == 422, body
        assert resp.headers["content-type"].startswith("application/problem+json")
    homeless = await make_account(level=Level.SIGNED_IN)
    await act_as(hub.client, homeless)
    resp = await hub.client.post("/api/my/digital-help", json={"topic": "video_calls"})
    assert resp.status_code == 422 and resp.json()["code"] == "home_unknown"
    nobody = await hub.client.post(
        BASE, json={"unit_id": str(hub.unit("S1-C1")), "topic": "scam_safety"},
        headers=hub.h("op"),
    )  # fmt: skip
    assert nobody.status_code == 422 and nobody.json()["code"] == "walk_in_needs_name"
    rid = (
        await hub.call(
            "POST", BASE,
            {"unit_id": str(hub.unit("S1-C1")), "topic": "scam_safety", "name": "Mr Lee"},
            expect=201,
        )
    )["id"]  # fmt: skip
    await hub.call("POST", f"{BASE}/{rid}/take", by="amb")
    past = clock_mod.now() - timedelta(hours=1)
    resp = await hub.client.post(
        f"{BASE}/{rid}/schedule", json={"appointment_at": past.isoformat()}, headers=hub.h("amb")
    )
    assert resp.status_code == 422 and resp.json()["code"] == "appointment_in_past"
    resp = await hub.client.post(
        f"{BASE}/{rid}/outcome", json={"outcome": "magic"}, headers=hub.h("amb")
    )
    assert resp.status_code == 422
    async with session_scope() as session:
        row = await session.get(HelpRequest, uuid.UUID(rid))
        assert row is not None and row.status == "taken" and row.appointment_at is None
