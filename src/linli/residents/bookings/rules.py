"""A facility's rules applied to one request, and a booking stored with the slots it holds.

Every check runs with the facility's row locked (`repository.lock_facility`), so the reasons
are exact; the slots' key is what makes two bookings of one slot impossible all the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.numbers import format_currency, get_currency_precision
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n, localtime, refs
from linli.residents.bookings import repository
from linli.residents.bookings.errors import refused
from linli.residents.bookings.facilities import need_of
from linli.residents.bookings.models import (
    BOOKING_REFS,
    CONFIRMED,
    FEE_DUE,
    FEE_NONE,
    Booking,
    BookingSlot,
    Facility,
)
from linli.residents.bookings.slots import Hours, check_day, local_week
from linli.residents.types import LEVEL_LABELS, ResidentActor


def fee_for(facility: Facility, minutes: int) -> int:
    """Return the fee of `minutes` at the facility, in minor units, rounded half up."""
    return (facility.fee_per_hour * minutes + 30) // 60


def format_fee(amount: int, currency: str, locale: str) -> str:
    """Write a fee in minor units as `locale` writes money in `currency`."""
    digits = get_currency_precision(currency)
    return format_currency(amount / 10**digits, currency, locale=locale or "en")


async def check_request(
    session: AsyncSession,
    actor: ResidentActor,
    facility: Facility,
    hours: Hours,
    starts_at: datetime,
    ends_at: datetime,
    *,
    offer: bool = False,
) -> None:
    """Raise the refusal a resident reads unless the facility's rules allow the request
    (`offer`: a freed time offered to a waiting resident, asked for earlier, so how soon it
    starts does not count); whether its slots are free is checked apart."""
    now = clock.now()
    locale = actor.locale
    check_day(clock.as_utc(starts_at).date())
    check_day(clock.as_utc(ends_at).date())
    if not facility.active:
        raise refused("facility_closed", locale)
    need = need_of(facility)
    if actor.level < need.level:
        label = i18n.translations(locale).gettext(LEVEL_LABELS[need.level])
        raise refused("verification_needed", locale, level=label)
    if not actor.meets(need):
        raise refused("outside_area", locale)
    suspension = await repository.suspension_at(session, facility.id, actor.account_id, now)
    if suspension is not None:
        until = localtime.format_when(
            suspension.until, timezone=hours.timezone, locale=locale, part="date"
        )
        raise refused("booking_suspended", locale, until=until)
    if starts_at <= now:
        raise refused("in_the_past", locale)
    problem = hours.fits(starts_at, ends_at)
    if problem == "outside_opening_hours":
        raise refused(problem, locale, hours=hours.describe())
    if problem is not None:
        raise refused(problem, locale, minutes=facility.slot_minutes)
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if minutes > facility.max_minutes:
        raise refused("too_long", locale, minutes=facility.max_minutes)
    if minutes < facility.min_minutes:
        raise refused("too_short", locale, minutes=facility.min_minutes)
    if not offer and starts_at - now < timedelta(minutes=facility.min_ahead_minutes):
        raise refused("too_soon", locale, minutes=facility.min_ahead_minutes)
    if starts_at - now > timedelta(days=facility.max_ahead_days):
        raise refused("too_far_ahead", locale, days=facility.max_ahead_days)
    week_start, week_end = local_week(starts_at, hours.timezone)
    taken = await repository.count_in_week(
        session, facility.id, actor.account_id, week_start, week_end
    )
    if taken >= facility.weekly_quota:
        raise refused("over_weekly_quota", locale, quota=facility.weekly_quota)


async def slots_free(
    session: AsyncSession, facility: Facility, starts_at: datetime, ends_at: datetime
) -> bool:
    """Return whether no booking holds a slot between the two instants."""
    return not await repository.held_slots(session, facility.id, starts_at, ends_at)


async def store_booking(
    session: AsyncSession,
    actor: ResidentActor,
    facility: Facility,
    hours: Hours,
    starts_at: datetime,
    ends_at: datetime,
    *,
    status: str = CONFIRMED,
    offer_expires_at: datetime | None = None,
) -> Booking:
    """Store a booking with the slots it holds; a slot another booking holds refuses it."""
    now = clock.now()
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    fee = fee_for(facility, minutes)
    number = await refs.next_number(session, BOOKING_REFS)
    booking = Booking(
        ref=f"BK-{number:06d}",
        facility_id=facility.id,
        org_path=facility.org_path,
        account_id=actor.account_id,
        proxy_account_id=actor.proxy_account_id,
        actor=actor.actor,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        fee=fee,
        currency=facility.currency,
        fee_status=FEE_DUE if fee else FEE_NONE,
        offer_expires_at=offer_expires_at,
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    await session.flush()
    session.add_all(
        BookingSlot(facility_id=facility.id, starts_at=at, booking_id=booking.id)
        for at in hours.covered_slots(starts_at, ends_at)
    )
    try:
        await session.flush()
    except IntegrityError as err:
        # Another booking took a slot between the check and here (the facility lock makes
        # that rare; the slots' key makes it harmless).
        raise refused("slot_taken", actor.locale) from err
    return booking


async def release(session: AsyncSession, booking: Booking) -> None:
    """Give back the slots a booking held."""
    await session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))


def end_booking(booking: Booking, *, status: str, by: str, reason: str | None) -> None:
    """Close a booking as cancelled (or declined, expired): its fee is no longer due."""
    now = clock.now()
    booking.status = status
    booking.cancelled_at = now
    booking.cancelled_by = by
    booking.cancel_reason = reason
    booking.updated_at = now
    if booking.fee_status == FEE_DUE:
        booking.fee_status = FEE_NONE
