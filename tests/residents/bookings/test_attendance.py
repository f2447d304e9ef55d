"""Check-in on site and no-shows: a booking nobody checked in by the end of its grace time is
a no-show (marked by the periodic sweep, on the controlled clock); reaching the facility's
no-show limit suspends booking it for its number of weeks. Residents cancel before a cutoff."""

from __future__ import annotations

import pytest

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking
from linli.residents.bookings.tasks import sweep_bookings
from linli.residents.types import ResidentActor

from .conftest import TUESDAY, Site, local

WEDNESDAY = (2026, 3, 4)


async def _book(site: Site, actor: ResidentActor, day: tuple[int, int, int], hour: int) -> Booking:
    async with session_scope() as session:
        return await service.book(
            session,
            actor,
            facility_id=site.facility.id,
            starts_at=local(day, hour),
            ends_at=local(day, hour + 1),
        )


async def _status(booking: Booking) -> str:
    async with session_scope() as session:
        found = await session.get(Booking, booking.id)
        assert found is not None
        return found.status


async def test_no_shows_are_marked_after_the_grace_time_and_suspend_the_second_time(
    site: Site, clock: ManualClock
) -> None:
    resident = await site.resident(locale="zh_Hans")
    first = await _book(site, resident, TUESDAY, 10)
    second = await _book(site, resident, WEDNESDAY, 10)
    clock.set(local(TUESDAY, 10, 14))
    assert await sweep_bookings() == 0  # still within the 15 minutes' grace
    assert await _status(first) == "confirmed"
    clock.set(local(TUESDAY, 10, 16))
    assert await sweep_bookings() == 1
    assert await _status(first) == "no_show"
    assert await _status(second) == "confirmed"
    clock.set(local(WEDNESDAY, 10, 20))
    assert await sweep_bookings() == 1
    assert await _status(second) == "no_show"
    clock.set(local(WEDNESDAY, 12))
    with pytest.raises(LinliError) as caught:
        await _book(site, resident, (2026, 3, 5), 10)
    assert (caught.value.status, caught.value.code) == (403, "booking_suspended")
    assert caught.value.extra["until"] == "2026年3月18日"  # two weeks, on the site's calendar
    # Two weeks later the resident books again.
    clock.set(local((2026, 3, 18), 12))
    await _book(site, resident, (2026, 3, 19), 10)


async def test_one_no_show_does_not_suspend(site: Site, clock: ManualClock) -> None:
    resident = await site.resident()
    await _book(site, resident, TUESDAY, 10)
    clock.set(local(TUESDAY, 11))
    assert await sweep_bookings() == 1
    await _book(site, resident, WEDNESDAY, 10)


async def test_a_resident_checks_in_on_site_with_the_code_within_the_window(
    site: Site, clock: ManualClock
) -> None:
    resident = await site.resident()
    booking = await _book(site, resident, TUESDAY, 10)
    code = site.facility.checkin_code

    async def check_in(with_code: str) -> Booking:
        async with session_scope() as session:
            return await service.check_in_myself(session, resident, booking.id, code=with_code)

    clock.set(local(TUESDAY, 9, 40))
    with pytest.raises(LinliError) as early:
        await check_in(code)
    assert early.value.code == "checkin_closed"
    clock.set(local(TUESDAY, 9, 50))
    with pytest.raises(LinliError) as wrong:
        await check_in("WRONG1")
    assert wrong.value.code == "wrong_checkin_code"
    checked = await check_in(code.lower())
    assert checked.status == "checked_in" and checked.checked_in_by == resident.actor
    clock.set(local(TUESDAY, 12))
    assert await sweep_bookings() == 0
    assert await _status(booking) == "checked_in"


async def test_staff_check_in_a_late_arrival_marked_as_a_no_show(
    site: Site, clock: ManualClock
) -> None:
    booking = await _book(site, await site.resident(), TUESDAY, 10)
    clock.set(local(TUESDAY, 10, 30))
    await sweep_bookings()
    async with session_scope() as session:
        checked = await service.check_in(session, booking.id, principal=site.admin)
    assert checked.status == "checked_in" and checked.checked_in_by == "staff:admin"


async def test_residents_cancel_before_the_cutoff_only(site: Site, clock: ManualClock) -> None:
    resident = await site.resident()
    early = await _book(site, resident, TUESDAY, 10)
    late = await _book(site, resident, TUESDAY, 14)
    async with session_scope() as session:
        cancelled = await service.cancel_my_booking(session, resident, early.id)
    assert cancelled.status == "cancelled" and cancelled.fee_status == "none"
    clock.set(local(TUESDAY, 12, 30))  # 90 minutes before 14:00; the cutoff is 120
    with pytest.raises(LinliError) as caught:
        async with session_scope() as session:
            await service.cancel_my_booking(session, resident, late.id)
    assert (caught.value.code, caught.value.extra["minutes"]) == ("cancel_too_late", "120")
    with pytest.raises(LinliError) as gone:
        async with session_scope() as session:
            await service.cancel_my_booking(session, await site.resident(), late.id)
    assert gone.value.status == 404
    async with session_scope() as session:
        by_staff = await service.cancel_booking(
            session, late.id, principal=site.admin, reason="burst pipe"
        )
    assert (by_staff.status, by_staff.cancel_reason) == ("cancelled", "burst pipe")
    assert by_staff.cancelled_by == "staff:admin"
