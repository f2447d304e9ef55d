"""Booking a facility: accepted under its rules, refused with a reason the resident reads in
their language when it overlaps, is over the weekly quota, too soon or too far ahead, outside
the opening hours, too long, or the resident may not book it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking, BookingSlot
from linli.residents.types import Level, ResidentActor
from linli.security.models import AuditEntry

from .conftest import TUESDAY, Site, local


async def _book(site: Site, actor: ResidentActor, start: object, end: object) -> Booking:
    async with session_scope() as session:
        return await service.book(
            session,
            actor,
            facility_id=site.facility.id,
            starts_at=start,  # type: ignore[arg-type]
            ends_at=end,  # type: ignore[arg-type]
        )


async def _refusal(site: Site, actor: ResidentActor, start: object, end: object) -> LinliError:
    with pytest.raises(LinliError) as caught:
        await _book(site, actor, start, end)
    return caught.value


async def test_a_booking_holds_its_slots_and_its_fee_is_due(site: Site) -> None:
    booking = await _book(site, await site.resident(), local(TUESDAY, 10), local(TUESDAY, 12))
    assert booking.status == "confirmed" and booking.ref.startswith("BK-")
    assert (booking.fee, booking.currency, booking.fee_status) == (2500, "CNY", "due")
    async with session_scope() as session:
        held = await session.scalars(
            select(BookingSlot.starts_at).where(BookingSlot.booking_id == booking.id)
        )
        assert sorted(held) == [local(TUESDAY, 10), local(TUESDAY, 11)]


async def test_an_overlapping_booking_is_refused_in_the_residents_language(site: Site) -> None:
    await _book(site, await site.resident(), local(TUESDAY, 10), local(TUESDAY, 12))
    err = await _refusal(
        site, await site.resident(locale="zh_Hans"), local(TUESDAY, 11), local(TUESDAY, 13)
    )
    assert (err.status, err.code) == (409, "slot_taken")
    assert "already booked" in err.detail
    assert "等候" in err.extra["reason"]  # told in Chinese to join the waiting list
    # The hour before and the hour after are still free.
    await _book(site, await site.resident(), local(TUESDAY, 9), local(TUESDAY, 10))
    await _book(site, await site.resident(), local(TUESDAY, 12), local(TUESDAY, 13))


async def test_over_the_weekly_quota_is_refused_and_next_week_is_not(site: Site) -> None:
    resident = await site.resident(locale="ms")
    await _book(site, resident, local(TUESDAY, 10), local(TUESDAY, 11))
    await _book(site, resident, local((2026, 3, 8), 10), local((2026, 3, 8), 11))  # Sunday
    err = await _refusal(site, resident, local(TUESDAY, 14), local(TUESDAY, 15))
    assert (err.status, err.code, err.extra["quota"]) == (409, "over_weekly_quota", "2")
    assert "2" in err.extra["reason"] and err.extra["reason"] != err.detail
    await _book(site, resident, local((2026, 3, 9), 10), local((2026, 3, 9), 11))  # Monday


async def test_too_soon_too_far_and_past_times_are_refused(site: Site, clock: ManualClock) -> None:
    now = clock.now()  # Monday 09:00 on the site's clock
    err = await _refusal(site, await site.resident(), now, now + timedelta(hours=1))
    assert err.code == "in_the_past"
    clock.advance(timedelta(minutes=30))  # 10:00 is half an hour ahead; bookings need an hour
    err = await _refusal(
        site, await site.resident(), now + timedelta(hours=1), now + timedelta(hours=2)
    )
    assert (err.code, err.status, err.extra["minutes"]) == ("too_soon", 422, "60")
    far = (2026, 3, 17)  # 15 days ahead, the facility opens bookings 14 days ahead
    err = await _refusal(site, await site.resident(), local(far, 10), local(far, 11))
    assert (err.code, err.extra["days"]) == ("too_far_ahead", "14")


async def test_times_outside_the_hours_off_the_slots_or_too_long_are_refused(site: Site) -> None:
    resident = await site.resident()
    err = await _refusal(site, resident, local(TUESDAY, 21), local(TUESDAY, 23))
    assert (err.code, err.extra["hours"]) == ("outside_opening_hours", "08:00–22:00")
    err = await _refusal(site, resident, local(TUESDAY, 7), local(TUESDAY, 8))
    assert err.code == "outside_opening_hours"
    err = await _refusal(site, resident, local(TUESDAY, 10, 30), local(TUESDAY, 11, 30))
    assert err.code == "not_on_slot"
    err = await _refusal(site, resident, local(TUESDAY, 10), local(TUESDAY, 13))
    assert (err.code, err.extra["minutes"]) == ("too_long", "120")
    err = await _refusal(site, resident, local(TUESDAY, 12), local(TUESDAY, 10))
    assert err.code == "outside_opening_hours"
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0


async def test_residents_the_facility_is_not_for_are_refused(site: Site) -> None:
    err = await _refusal(
        site, await site.resident(level=Level.SIGNED_IN), local(TUESDAY, 10), local(TUESDAY, 11)
    )
    assert (err.status, err.code) == (403, "verification_needed")
    assert "Phone confirmed" in err.detail
    err = await _refusal(
        site, await site.resident(home="S2-C1"), local(TUESDAY, 10), local(TUESDAY, 11)
    )
    assert (err.status, err.code) == (403, "outside_area")


async def test_a_proxy_booking_records_who_booked_for_whom(site: Site) -> None:
    son = await site.resident()
    mother = await site.resident(proxy=son.account_id)
    booking = await _book(site, mother, local(TUESDAY, 10), local(TUESDAY, 11))
    assert booking.account_id == mother.account_id
    assert booking.proxy_account_id == son.account_id
    assert booking.actor == f"resident:{son.account_id} for resident:{mother.account_id}"
    async with session_scope() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "booking.create")
        )
    assert entry is not None and entry.actor == booking.actor


async def test_an_inactive_facility_takes_no_bookings(site: Site) -> None:
    from linli.residents.bookings.schemas import FacilityUpdate

    async with session_scope() as session:
        await service.update_facility(
            session, site.facility.id, data=FacilityUpdate(active=False), principal=site.admin
        )
    err = await _refusal(site, await site.resident(), local(TUESDAY, 10), local(TUESDAY, 11))
    assert err.code == "facility_closed"
