"""Many residents asking for one slot at once: exactly one booking is stored, the others are
told the time is taken; the slots' key refuses a second holder even without the checks."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking, BookingSlot

from .conftest import TUESDAY, Site, local

REQUESTS = 24


async def test_concurrent_requests_for_one_slot_store_exactly_one_booking(site: Site) -> None:
    start, end = local(TUESDAY, 18), local(TUESDAY, 20)
    residents = [await site.resident() for _ in range(REQUESTS)]
    gate = asyncio.Event()

    async def attempt(n: int) -> str:
        await gate.wait()
        try:
            async with session_scope() as session:
                # Half ask for the two hours, half for the second hour alone: overlaps too.
                begins = start if n % 2 else local(TUESDAY, 19)
                await service.book(
                    session,
                    residents[n],
                    facility_id=site.facility.id,
                    starts_at=begins,
                    ends_at=end,
                )
        except LinliError as err:
            return err.code
        return "booked"

    tasks = [asyncio.create_task(attempt(n)) for n in range(REQUESTS)]
    gate.set()
    outcomes = await asyncio.gather(*tasks)
    assert outcomes.count("booked") == 1, outcomes
    assert set(outcomes) == {"booked", "slot_taken"}
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
        holders = await session.scalars(select(BookingSlot.booking_id).distinct())
        assert len(list(holders)) == 1


async def test_the_slot_key_refuses_a_second_holder_whatever_the_checks(site: Site) -> None:
    booking = await _stored(site)
    with pytest.raises(IntegrityError):
        async with session_scope() as session:
            session.add(
                BookingSlot(
                    facility_id=site.facility.id,
                    starts_at=local(TUESDAY, 10),
                    booking_id=booking.id,
                )
            )
            await session.flush()


async def _stored(site: Site) -> Booking:
    async with session_scope() as session:
        return await service.book(
            session,
            await site.resident(),
            facility_id=site.facility.id,
            starts_at=local(TUESDAY, 10),
            ends_at=local(TUESDAY, 11),
        )
