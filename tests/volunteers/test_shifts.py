"""Shifts: overlaps refused with a reason, the waitlist and its promotion, confirmation by a
coordinator, check-in and check-out hours, the warning of a short shift (once) and reminders."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.rules.notifications.models import Notification
from linli.volunteers import tasks
from linli.volunteers.models import Signup

from .conftest import Site


async def _notes(account_id: object, kind: str) -> list[Notification]:
    async with session_scope() as session:
        rows = await session.scalars(
            select(Notification).where(
                Notification.account_id == account_id, Notification.kind == kind
            )
        )
        return list(rows.all())


async def test_overlapping_shift_refused_with_reason(site: Site) -> None:
    programme = await site.programme()
    first = await site.shift(programme, hours=24, length=3, needed=5)
    clash = await site.shift(programme, hours=26, length=2, needed=5)
    apart = await site.shift(programme, hours=27, length=1, needed=5)
    await site.call("POST", f"/api/shifts/{first}/signup", by="ana", expect=201)
    problem = await site.call("POST", f"/api/shifts/{clash}/signup", by="ana", expect=409)
    assert problem["code"] == "overlapping_shift"
    assert "overlaps" in problem["detail"]
    body = {"volunteer_id": site.volunteers["ana"]}
    problem = await site.call("POST", f"/api/shifts/{clash}/signups", body, expect=409)
    assert problem["code"] == "overlapping_shift"
    async with session_scope() as session:
        count = await session.scalar(select(func.count()).select_from(Signup))
    assert count == 1  # nothing stored for the refused ones
    await site.call("POST", f"/api/shifts/{apart}/signup", by="ana", expect=201)


async def test_full_shift_waitlists_and_cancelling_promotes(site: Site) -> None:
    programme = await site.programme()
    shift = await site.shift(programme, needed=1)
    ana = await site.call("POST", f"/api/shifts/{shift}/signup", by="ana", expect=201)
    bo = await site.call("POST", f"/api/shifts/{shift}/signup", by="bo", expect=201)
    assert (ana["status"], bo["status"]) == ("confirmed", "waitlisted")
    assert (await site.call("GET", f"/api/shifts/{shift}"))["confirmed_count"] == 1
    gone = await site.call("DELETE", f"/api/shifts/{shift}/signup", by="ana")
    assert gone["status"] == "cancelled"
    page = await site.call("GET", f"/api/shifts/{shift}/signups")
    status = {s["volunteer_id"]: s["status"] for s in page["items"]}
    assert status[site.volunteers["bo"]] == "confirmed"
    assert (await site.call("GET", f"/api/shifts/{shift}"))["confirmed_count"] == 1


async def test_confirmation_by_coordinator(site: Site) -> None:
    programme = await site.programme(confirm=True)
    shift = await site.shift(programme, needed=1)
    ana = await site.call("POST", f"/api/shifts/{shift}/signup", by="ana", expect=201)
    assert ana["status"] == "pending"
    done = await site.call("POST", f"/api/shifts/{shift}/signups/{ana['id']}/confirm")
    assert done["status"] == "confirmed"
    again = await site.call("POST", f"/api/shifts/{shift}/signups/{ana['id']}/confirm", expect=409)
    assert again["code"] == "not_pending"


async def test_check_in_and_out_count_hours(site: Site, clock: clock_mod.ManualClock) -> None:
    programme = await site.programme()
    shift = await site.shift(programme, hours=1, length=3, needed=1)
    ana = await site.call("POST", f"/api/shifts/{shift}/signup", by="ana", expect=201)
    url = f"/api/shifts/{shift}/signups/{ana['id']}"
    await site.call("POST", f"{url}/check-out", expect=409)  # not in yet
    clock.advance(timedelta(minutes=50))
    await site.call("POST", f"{url}/check-in")
    await site.call("POST", f"{url}/check-in", expect=409)
    clock.advance(timedelta(hours=2, minutes=40))  # 2.5 h after the shift started
    out = await site.call("POST", f"{url}/check-out")
    assert out["minutes"] == 150
    me = await site.call("GET", "/api/volunteers/me", by="ana")
    assert me["hours"] == 2.5 and me["shifts"][0]["id"] == ana["id"]
    assert [b["earned"] for b in me["badges"]] == [False, False, False]
    hours = await site.call("GET", f"/api/volunteers/{site.volunteers['ana']}/hours")
    assert hours["hours"] == 2.5
    unit = site.tree.unit("S1").id
    figure = await site.call("GET", f"/api/volunteers/figures/hours?unit_id={unit}")
    assert figure["hours"] == 2.5 and figure["hours_per_1000_residents"] is None


async def test_short_shift_warns_its_coordinator_once(
    site: Site, clock: clock_mod.ManualClock
) -> None:
    programme = await site.programme()
    short = await site.shift(programme, hours=5, needed=2)
    full = await site.shift(programme, hours=5.5, needed=1)
    await site.call("POST", f"/api/shifts/{short}/signup", by="ana", expect=201)
    await site.call("POST", f"/api/shifts/{full}/signup", by="bo", expect=201)
    async with session_scope() as session:
        assert await tasks.warn_short_shifts(session) == 0  # five hours ahead: not yet
    clock.advance(timedelta(hours=3, minutes=30))  # 1.5 h before the short shift
    async with session_scope() as session:
        assert await tasks.warn_short_shifts(session) == 1
    clock.advance(timedelta(minutes=10))
    async with session_scope() as session:
        assert await tasks.warn_short_shifts(session) == 0
    warned = await _notes(site.accounts["coord"], "shift.short")
    assert len(warned) == 1
    assert "Block 12 kitchen" in warned[0].title and "1 of the 2" in warned[0].body


async def test_reminder_the_day_before(site: Site, clock: clock_mod.ManualClock) -> None:
    programme = await site.programme()
    shift = await site.shift(programme, hours=30, needed=1)
    await site.call("POST", f"/api/shifts/{shift}/signup", by="ana", expect=201)
    await site.call("POST", f"/api/shifts/{shift}/signup", by="bo", expect=201)  # waitlisted
    async with session_scope() as session:
        assert await tasks.remind_volunteers(session) == 0
    clock.advance(timedelta(hours=7))
    async with session_scope() as session:
        assert await tasks.remind_volunteers(session) == 1
    async with session_scope() as session:
        assert await tasks.remind_volunteers(session) == 0
    assert len(await _notes(site.accounts["ana"], "shift.reminder")) == 1
    assert await _notes(site.accounts["bo"], "shift.reminder") == []
