"""Residents at meetings: the limit holds under concurrent registrations (exactly the limit
registered, the rest on the waitlist, in order), cancelling lets the waitlist in, check-in by
code or by staff, and what a resident needs to register."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import Forbidden
from linli.core.pagination import PageQuery
from linli.participation.meetings import service
from linli.participation.meetings.errors import MeetingClosed, WrongCode
from linli.participation.meetings.models import Meeting, Registration
from linli.residents.types import Level, ResidentActor

from .conftest import Council

PAGE = PageQuery(limit=50)


async def _register(meeting_id: uuid.UUID, actor: ResidentActor) -> str:
    async with session_scope() as session:
        return (await service.register(session, meeting_id, actor=actor)).status


async def _counts(meeting_id: uuid.UUID) -> tuple[int, dict[str, int]]:
    async with session_scope() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        view = await service.view_meeting(session, meeting)
        return meeting.registered_count, view.counts


async def test_concurrent_registrations_fill_exactly_the_limit(council: Council) -> None:
    mid = uuid.UUID((await council.plan(capacity=5))["id"])
    residents = [council.resident() for _ in range(16)]
    statuses = await asyncio.gather(*(_register(mid, r) for r in residents))
    assert statuses.count("registered") == 5 and statuses.count("waitlisted") == 11
    registered, counts = await _counts(mid)
    assert registered == 5 and counts["registered"] == 5 and counts["waitlisted"] == 11
    public = (await council.client.get(f"/api/public/meetings/{mid}")).json()
    assert public["places_left"] == 0


async def test_a_cancelled_place_goes_to_the_longest_waiting(
    council: Council, clock: clock_mod.ManualClock
) -> None:
    mid = uuid.UUID((await council.plan(capacity=2))["id"])
    a, b, c, d = (council.resident() for _ in range(4))
    for who in (a, b, c, d):
        await _register(mid, who)
        clock.advance(timedelta(seconds=1))
    assert await _register(mid, a) == "registered"  # twice changes nothing
    async with session_scope() as session:
        await service.cancel_registration(session, mid, actor=b)
    async with session_scope() as session:
        mine = await service.my_registrations(session, actor=c, paging=PAGE)
        assert [r.status for r in mine.items] == ["registered"]
        theirs = await service.my_registrations(session, actor=d, paging=PAGE)
        assert [r.status for r in theirs.items] == ["waitlisted"]
    assert (await _counts(mid))[0] == 2
    # A larger room lets the rest of the waitlist in.
    await council.call("PATCH", f"/api/meetings/{mid}", {"capacity": 3})
    assert (await _counts(mid))[1] == {"attended": 0, "registered": 3, "cancelled": 1}


async def test_checking_in_by_the_code_said_at_the_venue(council: Council) -> None:
    m = await council.plan()
    mid = uuid.UUID(m["id"])
    resident, stranger = council.resident(), council.resident()
    await _register(mid, resident)
    async with session_scope() as session:
        with pytest.raises(MeetingClosed):
            await service.self_check_in(session, mid, m["checkin_code"], actor=resident)
    await council.call("POST", f"/api/meetings/{mid}/status", {"status": "live"})
    async with session_scope() as session:
        with pytest.raises(WrongCode):
            await service.self_check_in(session, mid, "000000x", actor=resident)
        done = await service.self_check_in(session, mid, m["checkin_code"], actor=resident)
        assert done.attended_at == clock_mod.now() and done.checked_in_by == resident.actor
    # Staff check in the one who forgot the code.
    await _register(mid, stranger)
    listed = await council.call("GET", f"/api/meetings/{mid}/registrations")
    waiting = [r for r in listed["items"] if r["attended_at"] is None]
    assert len(waiting) == 1
    checked = await council.call(
        "POST", f"/api/meetings/{mid}/registrations/{waiting[0]['id']}/check-in"
    )
    assert checked["checked_in_by"] == "staff:sec"
    assert (await council.call("GET", f"/api/meetings/{mid}"))["attended"] == 2


async def test_who_may_register(council: Council) -> None:
    mid = uuid.UUID((await council.plan(unit="S1-C1"))["id"])
    for actor, code in (
        (council.resident(level=Level.SIGNED_IN), "verification_needed"),
        (council.resident(at="S2-C1-G1"), "outside_area"),
        (ResidentActor(uuid.uuid4(), Level.PHONE, None), "outside_area"),
    ):
        async with session_scope() as session:
            with pytest.raises(Forbidden) as refused:
                await service.register(session, mid, actor=actor)
            assert refused.value.code == code
    # Someone acting for a senior with consent: the record says who acted for whom.
    senior = ResidentActor(
        uuid.uuid4(), Level.PHONE, council.tree.unit("S1-C1-G2").path,
        proxy_account_id=uuid.uuid4(), consent_id=uuid.uuid4(),
    )  # fmt: skip
    async with session_scope() as session:
        registration = await service.register(session, mid, actor=senior)
        assert registration.actor == senior.actor and " for resident:" in registration.actor
        assert registration.account_id == senior.account_id
    # Upcoming meetings of the resident's councils only.
    async with session_scope() as session:
        mine = await service.upcoming_for(session, actor=council.resident(), paging=PAGE)
        assert [m.id for m in mine.items] == [mid]
        elsewhere = await service.upcoming_for(
            session, actor=council.resident(at="S2-C1-G1"), paging=PAGE
        )
        assert elsewhere.items == []


async def test_nobody_registers_for_a_meeting_that_is_over(
    council: Council, clock: clock_mod.ManualClock
) -> None:
    mid = uuid.UUID((await council.plan())["id"])
    clock.advance(timedelta(hours=4))
    async with session_scope() as session:
        with pytest.raises(MeetingClosed):
            await service.register(session, mid, actor=council.resident())
        assert (await session.get(Meeting, mid)).registered_count == 0  # type: ignore[union-attr]
        assert (await session.scalar(select(func.count()).select_from(Registration))) == 0
