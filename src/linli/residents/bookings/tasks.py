"""Periodic work of bookings: no-shows counted (and suspensions they earn), offers let go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.database import session_scope
from linli.residents.bookings import repository
from linli.residents.bookings.models import CONFIRMED, NO_SHOW, Booking, Facility, Suspension
from linli.residents.bookings.waitlist import expire_offers
from linli.security import audit

# No-shows older than this are forgotten when counting towards a suspension.
NO_SHOW_MEMORY = timedelta(days=90)
BATCH = 200
SWEEP_SECONDS = 60.0


async def mark_no_shows(session: AsyncSession, *, limit: int = BATCH) -> int:
    """Mark the confirmed bookings nobody checked in by the end of their grace time as
    no-shows; a resident reaching the facility's no-show limit is suspended from booking it
    for its number of weeks. Return how many were marked."""
    now = clock.now()
    marked = 0
    for booking, facility in await repository.started_with_status(session, CONFIRMED, now, limit):
        if booking.starts_at + timedelta(minutes=facility.grace_minutes) > now:
            continue
        booking.status = NO_SHOW
        booking.updated_at = now
        marked += 1
        await session.flush()
        await audit.record(
            session,
            actor="system",
            action="booking.no_show",
            target_type="booking",
            target_id=str(booking.id),
            org_path=booking.org_path,
            detail={"ref": booking.ref},
        )
        await _suspend_if_due(session, booking, facility)
    return marked


async def _suspend_if_due(session: AsyncSession, booking: Booking, facility: Facility) -> None:
    if facility.no_show_limit is None:
        return
    now = clock.now()
    account = booking.account_id
    if await repository.suspension_at(session, facility.id, account, now) is not None:
        return
    since = now - NO_SHOW_MEMORY
    last = await repository.latest_suspension_start(session, facility.id, account)
    if last is not None and last > since:
        since = last  # a suspension served wipes the slate
    count = await repository.count_no_shows(session, facility.id, account, since)
    if count < facility.no_show_limit:
        return
    until = now + timedelta(weeks=facility.suspension_weeks)
    session.add(
        Suspension(
            facility_id=facility.id, account_id=account, until=until, no_shows=count, created_at=now
        )
    )
    await session.flush()
    await audit.record(
        session,
        actor="system",
        action="booking.suspend",
        target_type="facility",
        target_id=str(facility.id),
        org_path=facility.org_path,
        detail={"account_id": str(account), "until": until.isoformat(), "no_shows": count},
    )


async def sweep_bookings() -> int:
    """Run one round of the bookings' periodic work, each part its own short unit of work;
    return how many no-shows were marked."""
    async with session_scope() as session:
        marked = await mark_no_shows(session)
    async with session_scope() as session:
        await expire_offers(session)
    return marked
