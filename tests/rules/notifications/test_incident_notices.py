"""Incident notices delivered: stage 1 to every staff member of the area once, stage 2 by SMS to
residents in their language with the others listed for a call or a visit, no duplicates after a
restart, and the counts per channel on the notice."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from notify_world import dispatch, outbox
from sqlalchemy import func, select

from cases.conftest import build_world
from cases.incidents.conftest import (
    FLOOD_AREA,
    IN_FLOOD,
    IN_S2,
    OUTSIDE_FLOOD_IN_C11,
    STAFF,
    Room,
)
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.eventlog import EventLogCursor
from linli.registry import service as registry
from linli.registry.schemas import BuildingCreate, ResidentCreate
from linli.rules.notifications import incident_notices
from linli.rules.notifications import reach as reach_service
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.models import NoticeMessage, Notification
from linli.rules.notifications.schemas import ReachUpdate

pytestmark = pytest.mark.usefixtures("notify")


@pytest.fixture
async def room(db: str, clock: ManualClock, client: AsyncClient) -> Room:
    """The incident tests' district and staff (see tests/cases/incidents/conftest.py)."""
    r = Room(await build_world(), client)
    for username, (role, code) in STAFF.items():
        r.staff[username] = await r.world.staff(username, role, code)
    return r


def notice(stage: int, en: str, zh: str | None = None) -> dict[str, object]:
    return {"stage": stage, "text": {"en": en, **({"zh": zh} if zh else {})}}


async def inbox(room: Room, username: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await room.get("/api/notifications/inbox", by=username))["items"]
    return [i for i in items if i["kind"] == "incident.notice"]


async def residents(
    code: str, at: tuple[float, float], people: list[tuple[str, str | None, ReachUpdate | None]]
) -> dict[str, uuid.UUID]:
    """Register a building with residents (name, phone, how to reach them) and return their ids."""
    ids: dict[str, uuid.UUID] = {}
    async with session_scope() as session:
        building = await registry.create_building(
            session, data=BuildingCreate(code=code, name=code, lon=at[0], lat=at[1])
        )
        for name, phone, reach in people:
            resident = await registry.create_resident(
                session, data=ResidentCreate(building_id=building.id, name=name, phone=phone)
            )
            if reach is not None:
                await reach_service.set_reach(session, resident.id, data=reach)
            ids[name] = resident.id
    return ids


def local_window(clock: ManualClock, hours: int = 1) -> dict[str, str]:
    """Quiet hours (UTC) around the test's now."""
    start, end = clock.now() - timedelta(hours=hours), clock.now() + timedelta(hours=hours)
    return {
        "timezone": "UTC",
        "quiet_start": start.strftime("%H:%M"),
        "quiet_end": end.strftime("%H:%M"),
    }


async def test_stage_one_reaches_every_staff_member_of_the_area_once(
    room: Room, clock: ManualClock, notify: NotifySettings
) -> None:
    sms_prefs = {"channels": {"major": ["inapp", "sms"]}, "phone": "+8613800000011"}
    resp = await room.client.put(
        "/api/notifications/preferences",
        json={**sms_prefs, **local_window(clock)},
        headers=room.h("gw11"),
    )
    assert resp.status_code == 200, resp.text
    fid = (await room.declare(area=FLOOD_AREA, kind="flood", severity="major"))["id"]
    staged = await room.post(f"/api/incidents/{fid}/notices", notice(1, "Stand by", "待命"))

    read, _ = await dispatch()
    assert read >= 1
    # Inside the flood: S1's and C11's operators and C11's grid worker; C12, S2 and D-SAN dry.
    told = {u for u in room.staff if await inbox(room, u)}
    assert told == {"s1op", "c11op", "gw11"}
    assert staged["recipients"] == len(told), "everybody the notice counted was told"
    (note,) = await inbox(room, "gw11")
    assert "Stand by" in note["body"] and "Flooding along the river" in note["title"]
    assert note["suppressed"] == [], "a major flood breaks through quiet hours"
    (sms,) = outbox(notify.outbox_dir, "sms")
    assert sms["to"] == "+8613800000011" and "Stand by" in sms["body"]

    # A restart (and a rival run) read on from the cursor: nobody is told twice.
    await dispatch()
    await dispatch()
    assert [len(await inbox(room, u)) for u in sorted(told)] == [1, 1, 1]
    assert len(outbox(notify.outbox_dir, "sms")) == 1

    # Forgetting the cursor (a restored backup) still tells nobody twice.
    async with session_scope() as session:
        cursor = await session.get(EventLogCursor, incident_notices.CURSOR)
        assert cursor is not None
        cursor.seq = 0
    await dispatch()
    async with session_scope() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.dedupe_key == incident_notices.dedupe_key(uuid.UUID(staged["id"])))
        )
    assert total == 3
    assert len(outbox(notify.outbox_dir, "sms")) == 1


async def test_quiet_hours_hold_back_a_notice_that_is_not_urgent(
    room: Room, clock: ManualClock, notify: NotifySettings
) -> None:
    resp = await room.client.put(
        "/api/notifications/preferences",
        json={
            "channels": {"major": ["inapp", "sms"]},
            "phone": "+8613800000021",
            **local_window(clock),
        },
        headers=room.h("gw21"),
    )
    assert resp.status_code == 200, resp.text
    fid = (await room.declare("s2op", unit="S2", commander="s2op", kind="outage",
                              severity="major", title="Power cut"))["id"]  # fmt: skip
    await room.post(f"/api/incidents/{fid}/notices", notice(1, "Generators coming"), by="s2op")
    await dispatch()
    (note,) = await inbox(room, "gw21")
    assert note["suppressed"] == ["sms"], "an outage waits for the morning on the phone"
    assert outbox(notify.outbox_dir, "sms") == []


async def test_stage_two_texts_residents_in_their_language_and_lists_the_others(
    room: Room, clock: ManualClock, notify: NotifySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    wet = await residents(
        "B-WET",
        IN_FLOOD,
        [
            ("Chen", "+8613911110001", ReachUpdate(has_smartphone=True, language="zh_Hans")),
            ("Siti", "+8613911110002", ReachUpdate(has_smartphone=True, language="ms")),
            ("Old Li", "+8613911110003", ReachUpdate(has_smartphone=False, language="zh_Hans")),
            ("Muthu", None, ReachUpdate(has_smartphone=False, language="ta", method="visit")),
            ("Nobody", None, None),
        ],
    )
    await residents("B-DRY", OUTSIDE_FLOOD_IN_C11, [("Dry", "+8613911110009", None)])
    await residents("B-S2", IN_S2, [("Far", "+8613911110008", None)])
    fid = (await room.declare(area=FLOOD_AREA))["id"]
    base = f"/api/incidents/{fid}/notices"
    await room.post(base, notice(1, "Stand by"))
    staged = await room.post(base, notice(2, "Move to higher floors", "请转移到高层"))
    assert staged["recipients"] == len(wet)

    await dispatch()
    sent = {m["to"]: m for m in outbox(notify.outbox_dir, "sms")}
    assert set(sent) == {"+8613911110001", "+8613911110002", "+8613911110003"}
    assert sent["+8613911110001"]["body"] == "请转移到高层"
    assert sent["+8613911110001"]["locale"] == "zh_Hans"
    assert sent["+8613911110002"]["body"] == "Move to higher floors"
    assert sent["+8613911110002"]["locale"] == "ms"

    # The residents without a smartphone are on the incident's list to phone or visit.
    page = await room.client.get(f"/incidents/{fid}/notices/print", headers=room.h("c11op"))
    assert page.status_code == 200, page.text
    rows = page.text.split('data-resident-id="')[1:]
    listed = {row.split('"')[0] for row in rows}
    assert listed == {str(wet["Old Li"]), str(wet["Muthu"])}
    assert "请转移到高层" in page.text

    # The notice shows what became of it, per channel.
    report = await room.get(f"/api/notifications/incidents/{fid}/deliveries")
    by_stage = {n["stage"]: n for n in report["items"]}
    assert by_stage[2]["channels"]["sms"] == {"sent": 3}
    assert by_stage[2]["channels"]["phone"] == {"listed": 1}
    assert by_stage[2]["channels"]["visit"] == {"listed": 1}
    assert by_stage[1]["notified_staff"] == 3
    assert by_stage[1]["channels"]["inapp"] == {"sent": 3}

    # Staff outside the incident's area see neither the list nor the counts.
    outside = await room.client.get(f"/incidents/{fid}/notices/print", headers=room.h("gw21"))
    assert outside.status_code == 404
    hidden = await room.get(f"/api/notifications/incidents/{fid}/deliveries", by="gw21", expect=404)
    assert hidden["code"] == "incident_not_found"

    # Restart from a forgotten cursor: nobody texted or listed twice.
    async with session_scope() as session:
        cursor = await session.get(EventLogCursor, incident_notices.CURSOR)
        assert cursor is not None
        cursor.seq = 0
    await dispatch()
    assert len(outbox(notify.outbox_dir, "sms")) == 3
    async with session_scope() as session:
        made = await session.scalar(select(func.count()).select_from(NoticeMessage))
    assert made == 5

    # The SMS gateway's delivery receipt lands on the resident's message.
    monkeypatch.setenv("LINLI_NOTIFY_RECEIPT_TOKEN", "gateway-token")
    get_notify_settings.cache_clear()
    receipt = {"receipt_id": sent["+8613911110001"]["id"], "status": "delivered"}
    url = "/api/notifications/receipts/file"
    answer = await room.client.post(url, json=receipt, headers={"X-Gateway-Token": "gateway-token"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["kind"] == "notice_message" and answer.json()["delivered_at"]
    async with session_scope() as session:
        delivered = await session.scalar(
            select(func.count())
            .select_from(NoticeMessage)
            .where(NoticeMessage.delivered_at.is_not(None))
        )
    assert delivered == 1


async def test_the_all_clear_reaches_staff_and_residents_and_a_stale_notice_is_not_sent(
    room: Room, clock: ManualClock, notify: NotifySettings
) -> None:
    await residents("B-WET", IN_FLOOD, [("Chen", "+8613911110001", None)])
    fid = (await room.declare(area=FLOOD_AREA))["id"]
    await room.post(f"/api/incidents/{fid}/notices", notice(1, "Stand by"))
    await dispatch()
    await room.post(
        f"/api/incidents/{fid}/close",
        {"summary": "Receded", "all_clear": {"en": "All clear"}},
        expect=200,
    )
    await dispatch()
    assert [m["body"] for m in outbox(notify.outbox_dir, "sms")] == ["All clear"]
    assert len(await inbox(room, "gw11")) == 2

    # A notice the consumer reads half a day late is history: it is skipped.
    other = (await room.declare("s2op", unit="S2", commander="s2op", title="Fire"))["id"]
    await room.post(f"/api/incidents/{other}/notices", notice(1, "Too late"), by="s2op")
    clock.advance(incident_notices.STALE_AFTER + timedelta(minutes=1))
    await dispatch()
    assert await inbox(room, "s2op") == []


async def test_a_failing_sms_gateway_retries_then_gives_up(
    room: Room, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nothing listens on: every attempt is refused
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    monkeypatch.setenv("LINLI_NOTIFY_SMS_GATEWAY", "http")
    monkeypatch.setenv("LINLI_NOTIFY_SMS_URL", f"http://127.0.0.1:{closed}/")
    get_notify_settings.cache_clear()
    settings = get_notify_settings()
    await residents("B-WET", IN_FLOOD, [("Chen", "+8613911110001", None)])
    fid = (await room.declare(area=FLOOD_AREA))["id"]
    await room.post(f"/api/incidents/{fid}/notices", notice(1, "Stand by"))
    await room.post(f"/api/incidents/{fid}/notices", notice(2, "Go up"))
    for _ in range(settings.max_attempts):
        await dispatch()
        clock.advance(timedelta(days=1))
    report = await room.get(f"/api/notifications/incidents/{fid}/deliveries")
    stage2 = next(n for n in report["items"] if n["stage"] == 2)
    assert stage2["channels"]["sms"] == {"dead": 1}
