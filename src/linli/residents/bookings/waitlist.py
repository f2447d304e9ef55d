"""The waiting list of a facility's taken times: joining, leaving, and the offer a waiting
resident gets when the time is freed (first come, first offered), accepted or let go."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events, localtime
from linli.core.errors import LinliError, NotFound
from linli.core.i18n import N_
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.residents import service as residents_service
from linli.residents.bookings import repository, rules
from linli.residents.bookings.errors import facility_not_found, refused
from linli.residents.bookings.events import BookingOffered
from linli.residents.bookings.facilities import hours_of
from linli.residents.bookings.models import (
    CANCELLED,
    CONFIRMED,
    OFFERED,
    WAIT_LEFT,
    WAIT_OFFERED,
    WAITING,
    Booking,
    Facility,
    WaitlistEntry,
)
from linli.residents.types import Level, ResidentActor
from linli.security import audit

# How long a waiting resident has to accept a freed time (never past its start).
OFFER_HOURS = 12


async def join_waitlist(
    session: AsyncSession,
    actor: ResidentActor,
    *,
    facility_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
) -> WaitlistEntry:
    """Put the resident on the waiting list of a taken time they could otherwise book."""
    facility = await repository.lock_facility(session, facility_id)
    if facility is None:
        raise facility_not_found()
    hours = await hours_of(session, facility)
    await rules.check_request(session, actor, facility, hours, starts_at, ends_at)
    if await rules.slots_free(session, facility, starts_at, ends_at):
        raise refused("slot_free", actor.locale)
    entry = await session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.facility_id == facility.id,
            WaitlistEntry.starts_at == starts_at,
            WaitlistEntry.account_id == actor.account_id,
        )
    )
    if entry is not None and entry.status == WAITING:
        raise refused("already_waiting", actor.locale)
    if entry is None:
        entry = WaitlistEntry(facility_id=facility.id, account_id=actor.account_id)
        session.add(entry)
    entry.org_path = facility.org_path
    entry.proxy_account_id = actor.proxy_account_id
    entry.actor = actor.actor
    entry.locale = actor.locale
    entry.level = int(actor.level)
    entry.home_path = actor.org_path
    entry.starts_at = starts_at
    entry.ends_at = ends_at
    entry.status = WAITING
    entry.booking_id = None
    entry.created_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=actor.actor,
        action="booking.waitlist_join",
        target_type="facility",
        target_id=str(facility.id),
        org_path=facility.org_path,
        detail={"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    return entry


async def leave_waitlist(
    session: AsyncSession, actor: ResidentActor, entry_id: uuid.UUID
) -> WaitlistEntry:
    """Take the resident off a waiting list."""
    entry = await session.get(WaitlistEntry, entry_id)
    if entry is None or entry.account_id != actor.account_id:
        raise NotFound("no such waiting-list entry", code="waitlist_not_found")
    entry.status = WAIT_LEFT
    await session.flush()
    return entry


def _waiting_actor(entry: WaitlistEntry) -> ResidentActor:
    """Return the resident of a waiting entry as they were when they joined."""
    return ResidentActor(
        account_id=entry.account_id,
        level=Level(entry.level),
        org_path=entry.home_path,
        locale=entry.locale,
        proxy_account_id=entry.proxy_account_id,
    )


async def offer_freed_time(session: AsyncSession, facility: Facility) -> list[Booking]:
    """Offer the facility's freed times to the residents waiting for them, first come first,
    each held for them as an `offered` booking until they accept or the offer expires."""
    now = clock.now()
    hours = await hours_of(session, facility)
    offers: list[Booking] = []
    for entry in await repository.waiting_for(session, facility.id, now):
        if not await rules.slots_free(session, facility, entry.starts_at, entry.ends_at):
            continue
        actor = _waiting_actor(entry)
        try:
            await rules.check_request(
                session, actor, facility, hours, entry.starts_at, entry.ends_at, offer=True
            )
        except LinliError:
            continue  # no longer bookable for them (their quota, a suspension): the next one
        expires = min(now + timedelta(hours=OFFER_HOURS), entry.starts_at)
        booking = await rules.store_booking(
            session,
            actor,
            facility,
            hours,
            entry.starts_at,
            entry.ends_at,
            status=OFFERED,
            offer_expires_at=expires,
        )
        entry.status = WAIT_OFFERED
        entry.booking_id = booking.id
        events.record(
            session,
            BookingOffered(
                org_path=facility.org_path,
                booking_id=booking.id,
                facility_id=facility.id,
                account_id=entry.account_id,
                starts_at=entry.starts_at,
                ends_at=entry.ends_at,
                offer_expires_at=expires,
            ),
        )
        await _tell_offer(session, facility, hours.timezone, entry, expires)
        offers.append(booking)
    return offers


async def _tell_offer(
    session: AsyncSession,
    facility: Facility,
    timezone: str,
    entry: WaitlistEntry,
    expires: datetime,
) -> None:
    """Tell the waiting resident, in their language, that the time is held for them."""

    def when(at: datetime) -> str:
        return localtime.format_when(at, timezone=timezone, locale=entry.locale, style="short")

    name = facility.name_zh if entry.locale == "zh_Hans" and facility.name_zh else facility.name
    await residents_service.notify(
        session,
        entry.account_id,
        subject=N_("A time you waited for is free"),
        body=N_(
            "{facility}, {when}, is held for you until {until}. "
            "Take it or let it go in My bookings."
        ),
        link="/my/bookings",
        params={"facility": name, "when": when(entry.starts_at), "until": when(expires)},
        dedupe_key=f"booking-offer:{entry.id}:{expires.isoformat()}",
    )


async def accept_offer(session: AsyncSession, actor: ResidentActor, booking: Booking) -> Booking:
    """Turn an offered time into the resident's confirmed booking."""
    if booking.status != OFFERED:
        raise refused("no_offer", actor.locale)
    if booking.offer_expires_at is not None and booking.offer_expires_at <= clock.now():
        raise refused("offer_expired", actor.locale)
    booking.status = CONFIRMED
    booking.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=actor.actor,
        action="booking.accept_offer",
        target_type="booking",
        target_id=str(booking.id),
        org_path=booking.org_path,
    )
    return booking


async def expire_offers(session: AsyncSession, *, limit: int = 200) -> int:
    """Let go the offers nobody accepted in time and offer those times to the next in line."""
    now = clock.now()
    expired = 0
    for booking, facility in await repository.expired_offers(session, now, limit):
        await repository.lock_facility(session, facility.id)
        rules.end_booking(booking, status=CANCELLED, by="system", reason="offer expired")
        await rules.release(session, booking)
        expired += 1
        await session.flush()
        await offer_freed_time(session, facility)
    return expired


async def my_waitlist_page(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery
) -> Page[WaitlistEntry]:
    """Return a page of the resident's waiting-list entries, newest first."""
    stmt = select(WaitlistEntry).where(WaitlistEntry.account_id == actor.account_id)
    return await keyset_page(session, stmt, repository.WAITLIST_ORDER, paging)


async def my_waiting(session: AsyncSession, actor: ResidentActor) -> list[WaitlistEntry]:
    """Return the times the resident still waits for, soonest first."""
    stmt = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.account_id == actor.account_id,
            WaitlistEntry.status == WAITING,
            WaitlistEntry.starts_at > clock.now(),
        )
        .order_by(WaitlistEntry.starts_at, WaitlistEntry.id)
        .limit(100)
    )
    return list(await session.scalars(stmt))
