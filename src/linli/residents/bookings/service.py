"""Bookings' public door: residents book, cancel, wait and check in; staff keep the calendar,
check people in, record fees and cancel with a reason.

Every resident action takes a `ResidentActor` and checks the facility's `Need` itself
(`rules.check_request`); a booking made for a senior by a family member records both
(`account_id` and `proxy_account_id`, and `actor` as the audit log names them).
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.residents.bookings import repository, rules
from linli.residents.bookings.errors import booking_not_found, facility_not_found, refused
from linli.residents.bookings.facilities import (
    create_facility as create_facility,
)
from linli.residents.bookings.facilities import (
    facilities_page as facilities_page,
)
from linli.residents.bookings.facilities import (
    get_facility as get_facility,
)
from linli.residents.bookings.facilities import hours_of as hours_of
from linli.residents.bookings.facilities import need_of as need_of
from linli.residents.bookings.facilities import (
    resident_facilities_page as resident_facilities_page,
)
from linli.residents.bookings.facilities import (
    resident_facility as resident_facility,
)
from linli.residents.bookings.facilities import (
    update_facility as update_facility,
)
from linli.residents.bookings.models import (
    CANCELLED,
    CHECKED_IN,
    CONFIRMED,
    HOLDING,
    NO_SHOW,
    OFFERED,
    Booking,
    Facility,
)
from linli.residents.bookings.rules import fee_for as fee_for
from linli.residents.bookings.rules import format_fee as format_fee
from linli.residents.bookings.slots import Hours
from linli.residents.bookings.slots import check_day as check_day
from linli.residents.bookings.waitlist import accept_offer, offer_freed_time
from linli.residents.bookings.waitlist import expire_offers as expire_offers
from linli.residents.bookings.waitlist import join_waitlist as join_waitlist
from linli.residents.bookings.waitlist import leave_waitlist as leave_waitlist
from linli.residents.bookings.waitlist import my_waiting as my_waiting
from linli.residents.bookings.waitlist import my_waitlist_page as my_waitlist_page
from linli.residents.types import ResidentActor
from linli.security import audit
from linli.security.permissions import Principal


@dataclass(frozen=True, slots=True)
class Slot:
    """One slot of a day: when, and the booking holding it (None when free)."""

    starts_at: datetime
    ends_at: datetime
    booking: Booking | None


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    open: bool
    slots: list[Slot]


async def book(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    facility_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> Booking:
    """Book a time of a facility for the resident, under the facility's rules."""
    facility = await repository.lock_facility(session, facility_id)
    if facility is None:
        raise facility_not_found()
    hours = await hours_of(session, facility)
    await rules.check_request(session, actor, facility, hours, starts_at, ends_at)
    if not await rules.slots_free(session, facility, starts_at, ends_at):
        raise refused("slot_taken", actor.locale)
    booking = await rules.store_booking(session, actor, facility, hours, starts_at, ends_at)
    await _audit(session, actor.actor, "booking.create", booking)
    return booking


async def _audit(
    session: AsyncSession, actor: str, action: str, booking: Booking, **detail: object
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type="booking",
        target_id=str(booking.id),
        org_path=booking.org_path,
        detail={"ref": booking.ref, **detail},
    )


async def my_booking(session: AsyncSession, actor: ResidentActor, booking_id: uuid.UUID) -> Booking:
    """Return one of the resident's bookings, or raise NotFound."""
    booking = await session.get(Booking, booking_id)
    if booking is None or booking.account_id != actor.account_id:
        raise booking_not_found()
    return booking


async def my_bookings_page(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery
) -> Page[Booking]:
    """Return a page of the resident's bookings, latest start first."""
    stmt = select(Booking).where(Booking.account_id == actor.account_id)
    return await keyset_page(session, stmt, repository.MY_BOOKING_ORDER, paging)


async def _end_and_offer(
    session: AsyncSession, booking: Booking, *, by: str, reason: str | None
) -> None:
    facility = await repository.lock_facility(session, booking.facility_id)
    assert facility is not None  # a booking goes with its facility
    rules.end_booking(booking, status=CANCELLED, by=by, reason=reason)
    await rules.release(session, booking)
    await session.flush()
    if booking.starts_at > clock.now():
        await offer_freed_time(session, facility)


async def cancel_my_booking(
    session: AsyncSession, actor: ResidentActor, booking_id: uuid.UUID
) -> Booking:
    """Cancel the resident's booking before the facility's cutoff (or decline an offer); the
    time is offered to the first resident waiting for it."""
    booking = await my_booking(session, actor, booking_id)
    if booking.status == OFFERED:
        await _end_and_offer(session, booking, by=actor.actor, reason="offer declined")
        await _audit(session, actor.actor, "booking.decline_offer", booking)
        return booking
    if booking.status != CONFIRMED:
        raise refused("not_cancellable", actor.locale)
    facility = await get_facility(session, booking.facility_id)
    if booking.starts_at - clock.now() < timedelta(minutes=facility.cancel_cutoff_minutes):
        raise refused("cancel_too_late", actor.locale, minutes=facility.cancel_cutoff_minutes)
    await _end_and_offer(session, booking, by=actor.actor, reason=None)
    await _audit(session, actor.actor, "booking.cancel", booking)
    return booking


async def accept_my_offer(
    session: AsyncSession, actor: ResidentActor, booking_id: uuid.UUID
) -> Booking:
    """Accept a freed time offered from the waiting list."""
    return await accept_offer(session, actor, await my_booking(session, actor, booking_id))


async def check_in_myself(
    session: AsyncSession, actor: ResidentActor, booking_id: uuid.UUID, *, code: str
) -> Booking:
    """Check the resident in on site: with the code shown at the facility, within its window."""
    booking = await my_booking(session, actor, booking_id)
    facility = await get_facility(session, booking.facility_id)
    if booking.status != CONFIRMED:
        raise refused("not_checkable", actor.locale)
    now = clock.now()
    opens = booking.starts_at - timedelta(minutes=facility.checkin_before_minutes)
    closes = booking.starts_at + timedelta(minutes=facility.grace_minutes)
    if not opens <= now <= closes:
        before, grace = facility.checkin_before_minutes, facility.grace_minutes
        raise refused("checkin_closed", actor.locale, before=before, grace=grace)
    if not hmac.compare_digest(code.strip().upper(), facility.checkin_code):
        raise refused("wrong_checkin_code", actor.locale)
    _checked_in(booking, actor.actor)
    await _audit(session, actor.actor, "booking.check_in", booking)
    return booking


def _checked_in(booking: Booking, by: str) -> None:
    booking.status = CHECKED_IN
    booking.checked_in_at = clock.now()
    booking.checked_in_by = by
    booking.updated_at = clock.now()


# --- staff -----------------------------------------------------------------------------------


async def get_booking(
    session: AsyncSession, booking_id: uuid.UUID, *, principal: Principal
) -> Booking:
    """Return a booking in the caller's `bookings:read` subtree, or raise NotFound."""
    booking = await session.get(Booking, booking_id)
    if booking is None or not principal.can("bookings:read", booking.org_path):
        raise booking_not_found()
    return booking


async def bookings_page(
    session: AsyncSession,
    *,
    principal: Principal,
    paging: PageQuery,
    facility_id: uuid.UUID | None = None,
    status: str | None = None,
    since: datetime | None = None,
) -> Page[Booking]:
    """Return a page of the bookings in the caller's scope, by start time."""
    stmt = repository.bookings(
        principal.scope("bookings:read", Booking.org_path),
        facility_id=facility_id,
        status=status,
        since=since,
    )
    return await keyset_page(session, stmt, repository.BOOKING_ORDER, paging)


async def count_bookings(
    session: AsyncSession,
    *,
    principal: Principal,
    starts: datetime,
    ends: datetime,
    statuses: tuple[str, ...] = HOLDING,
) -> int:
    """Count the bookings of the caller's scope starting between two instants (a day, a week:
    a bounded range along the bookings' start-time index), in `statuses`."""
    stmt = repository.booking_count(
        principal.scope("bookings:read", Booking.org_path), starts, ends, statuses
    )
    return int(await session.scalar(stmt) or 0)


async def check_in(
    session: AsyncSession, booking_id: uuid.UUID, *, principal: Principal
) -> Booking:
    """Check a resident in (staff, at any time; a no-show who came after all too)."""
    booking = await get_booking(session, booking_id, principal=principal)
    principal.require("bookings:write", booking.org_path)
    if booking.status not in (CONFIRMED, NO_SHOW):
        raise refused("not_checkable", principal.locale)
    _checked_in(booking, principal.actor)
    await _audit(session, principal.actor, "booking.check_in", booking)
    return booking


async def cancel_booking(
    session: AsyncSession, booking_id: uuid.UUID, *, principal: Principal, reason: str
) -> Booking:
    """Cancel a booking (staff, at any time, with a reason); its time is offered onward."""
    booking = await get_booking(session, booking_id, principal=principal)
    principal.require("bookings:write", booking.org_path)
    if booking.status not in (CONFIRMED, OFFERED):
        raise refused("not_cancellable", principal.locale)
    await _end_and_offer(session, booking, by=principal.actor, reason=reason.strip())
    await _audit(session, principal.actor, "booking.cancel", booking, reason=reason.strip())
    return booking


async def record_fee(
    session: AsyncSession, booking_id: uuid.UUID, *, principal: Principal, fee_status: str
) -> Booking:
    """Record a booking's fee as due, paid or waived (no payment is processed here)."""
    booking = await get_booking(session, booking_id, principal=principal)
    principal.require("bookings:write", booking.org_path)
    if booking.fee == 0 or booking.status == CANCELLED:
        raise ValidationFailed("this booking has no fee to record", code="no_fee")
    booking.fee_status = fee_status
    booking.fee_recorded_by = principal.actor
    booking.updated_at = clock.now()
    await _audit(session, principal.actor, "booking.fee", booking, fee_status=fee_status)
    return booking


async def calendar(
    session: AsyncSession, facility: Facility, *, first: date, days: int
) -> tuple[Hours, list[Day]]:
    """Return the facility's slots of `days` local days from `first`, with their bookings."""
    check_day(first)
    hours = await hours_of(session, facility)
    start = hours.day_window(first)[0] - timedelta(days=1)
    end = hours.day_window(first + timedelta(days=days))[0] + timedelta(days=1)
    held = await repository.held_slots(session, facility.id, start, end)
    booked = {b.id: b for b in await repository.bookings_between(session, facility.id, start, end)}
    step = timedelta(minutes=facility.slot_minutes)
    result = []
    for n in range(days):
        day = first + timedelta(days=n)
        starts = hours.slot_starts(day)
        slots = [Slot(at, at + step, booked.get(held[at]) if at in held else None) for at in starts]
        result.append(Day(day, hours.open_on(day), slots))
    return hours, result
