"""The waiting list: a resident refused for a taken time waits for it; when the booking is
cancelled the first one waiting is offered it (told by an event), and may accept it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.core.eventlog import EventLogEntry
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking, WaitlistEntry
from linli.residents.bookings.tasks import sweep_bookings
from linli.residents.models import ResidentMessage
from linli.residents.types import ResidentActor

from .conftest import TUESDAY, Site, local

START, END = local(TUESDAY, 10), local(TUESDAY, 11)


async def _book(site: Site, actor: ResidentActor) -> Booking:
    async with session_scope() as session:
        return await service.book(
            session, actor, facility_id=site.facility.id, starts_at=START, ends_at=END
        )


async def _wait(site: Site, actor: ResidentActor) -> WaitlistEntry:
    async with session_scope() as session:
        return await service.join_waitlist(
            session, actor, facility_id=site.facility.id, starts_at=START, ends_at=END
        )


async def _bookings_of(actor: ResidentActor) -> list[Booking]:
    async with session_scope() as session:
        stmt = select(Booking).where(Booking.account_id == actor.account_id)
        return list(await session.scalars(stmt))


async def test_cancelling_offers_the_time_to_the_first_resident_waiting(site: Site) -> None:
    holder, second = await site.resident(), await site.resident()
    first = await site.resident(locale="zh_Hans")
    booking = await _book(site, holder)
    with pytest.raises(LinliError, match="already booked"):
        await _book(site, first)
    await _wait(site, first)
    await _wait(site, second)
    with pytest.raises(LinliError) as again:
        await _wait(site, first)
    assert again.value.code == "already_waiting"

    async with session_scope() as session:
        await service.cancel_my_booking(session, holder, booking.id)

    (offer,) = await _bookings_of(first)
    assert offer.status == "offered" and (offer.starts_at, offer.ends_at) == (START, END)
    assert offer.offer_expires_at is not None and offer.offer_expires_at <= START
    assert await _bookings_of(second) == []
    async with session_scope() as session:
        told = await session.scalar(
            select(EventLogEntry).where(EventLogEntry.subject == "booking.offered")
        )
    assert told is not None and told.payload["account_id"] == str(first.account_id)
    async with session_scope() as session:
        messages = list(
            await session.scalars(
                select(ResidentMessage).where(ResidentMessage.account_id == first.account_id)
            )
        )
    # Told on the portal, by SMS and by e-mail, in their language, with the hall's Chinese name.
    assert {m.channel for m in messages} == {"inapp", "sms", "email"}
    assert all("社区礼堂" in m.body and "我的预订" in m.body for m in messages)
    assert messages[0].link == "/my/bookings"

    async with session_scope() as session:
        accepted = await service.accept_my_offer(session, first, offer.id)
    assert accepted.status == "confirmed"
    with pytest.raises(LinliError) as taken:
        await _book(site, await site.resident())
    assert taken.value.code == "slot_taken"


async def test_a_declined_offer_goes_to_the_next_in_line(site: Site) -> None:
    holder, first, second = await site.resident(), await site.resident(), await site.resident()
    booking = await _book(site, holder)
    await _wait(site, first)
    await _wait(site, second)
    async with session_scope() as session:
        await service.cancel_booking(
            session, booking.id, principal=site.admin, reason="hall needed for a vaccination day"
        )
    (offer,) = await _bookings_of(first)
    async with session_scope() as session:
        await service.cancel_my_booking(session, first, offer.id)  # declines the offer
    (declined,) = await _bookings_of(first)
    assert declined.status == "cancelled" and declined.cancel_reason == "offer declined"
    (second_offer,) = await _bookings_of(second)
    assert second_offer.status == "offered"


async def test_an_offer_nobody_accepts_expires_and_moves_on(site: Site, clock: ManualClock) -> None:
    holder, first, second = await site.resident(), await site.resident(), await site.resident()
    booking = await _book(site, holder)
    await _wait(site, first)
    await _wait(site, second)
    async with session_scope() as session:
        await service.cancel_my_booking(session, holder, booking.id)
    (offer,) = await _bookings_of(first)
    assert offer.offer_expires_at is not None
    clock.set(offer.offer_expires_at + timedelta(minutes=1))
    await sweep_bookings()
    (expired,) = await _bookings_of(first)
    assert expired.status == "cancelled" and expired.cancel_reason == "offer expired"
    (moved,) = await _bookings_of(second)
    assert moved.status == "offered"
    with pytest.raises(LinliError) as late:
        async with session_scope() as session:
            await service.accept_my_offer(session, first, offer.id)
    assert late.value.code == "no_offer"


async def test_a_free_time_is_booked_not_waited_for(site: Site) -> None:
    with pytest.raises(LinliError) as caught:
        await _wait(site, await site.resident())
    assert caught.value.code == "slot_free"
