"""Bookings queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import newest_first, oldest_first
from linli.residents.bookings.models import (
    HOLDING,
    NO_SHOW,
    OFFERED,
    WAITING,
    Booking,
    BookingSlot,
    Facility,
    Suspension,
    WaitlistEntry,
)

FACILITY_ORDER = oldest_first(Facility.name, Facility.id)
BOOKING_ORDER = oldest_first(Booking.starts_at, Booking.id)
MY_BOOKING_ORDER = newest_first(Booking.starts_at, Booking.id)
WAITLIST_ORDER = newest_first(WaitlistEntry.created_at, WaitlistEntry.id)


def facilities(where: ColumnElement[bool], *, active_only: bool = False) -> Select[Facility]:
    """Select the facilities matching `where`, to be ordered by `FACILITY_ORDER`."""
    stmt = select(Facility).where(where)
    return stmt.where(Facility.active.is_(True)) if active_only else stmt


def bookings(
    where: ColumnElement[bool],
    *,
    facility_id: uuid.UUID | None = None,
    status: str | None = None,
    since: datetime | None = None,
) -> Select[Booking]:
    """Select bookings matching `where` and the filters, to be ordered by `BOOKING_ORDER`."""
    stmt = select(Booking).where(where)
    if facility_id is not None:
        stmt = stmt.where(Booking.facility_id == facility_id)
    if status is not None:
        stmt = stmt.where(Booking.status == status)
    if since is not None:
        stmt = stmt.where(Booking.starts_at >= since)
    return stmt


def booking_count(
    where: ColumnElement[bool], starts: datetime, ends: datetime, statuses: tuple[str, ...]
) -> Select[int]:
    """Select how many bookings matching `where`, in `statuses`, start between two instants."""
    return select(func.count()).where(
        where,
        Booking.status.in_(statuses),
        Booking.starts_at >= starts,
        Booking.starts_at < ends,
    )


async def lock_facility(session: AsyncSession, facility_id: uuid.UUID) -> Facility | None:
    """Return the facility with its row locked until the transaction ends (PostgreSQL; SQLite's
    transactions hold the file's write lock from their start), so one facility's bookings are
    checked one after another and their reasons are exact."""
    stmt = select(Facility).where(Facility.id == facility_id).with_for_update()
    return (await session.scalars(stmt)).one_or_none()


async def held_slots(
    session: AsyncSession, facility_id: uuid.UUID, starts: datetime, ends: datetime
) -> dict[datetime, uuid.UUID]:
    """Return the slots of the facility held between two instants, with their bookings."""
    rows = await session.execute(
        select(BookingSlot.starts_at, BookingSlot.booking_id).where(
            BookingSlot.facility_id == facility_id,
            BookingSlot.starts_at >= starts,
            BookingSlot.starts_at < ends,
        )
    )
    return {at: booking for at, booking in rows.all()}


async def count_in_week(
    session: AsyncSession,
    facility_id: uuid.UUID,
    account_id: uuid.UUID,
    starts: datetime,
    ends: datetime,
) -> int:
    """Count the resident's bookings of the facility starting between two instants."""
    stmt = select(func.count()).where(
        Booking.account_id == account_id,
        Booking.facility_id == facility_id,
        Booking.status.in_(HOLDING),
        Booking.starts_at >= starts,
        Booking.starts_at < ends,
    )
    return int(await session.scalar(stmt) or 0)


async def suspension_at(
    session: AsyncSession, facility_id: uuid.UUID, account_id: uuid.UUID, now: datetime
) -> Suspension | None:
    """Return the resident's suspension from the facility in force at `now`, if any."""
    stmt = (
        select(Suspension)
        .where(
            Suspension.facility_id == facility_id,
            Suspension.account_id == account_id,
            Suspension.until > now,
        )
        .order_by(Suspension.until.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def latest_suspension_start(
    session: AsyncSession, facility_id: uuid.UUID, account_id: uuid.UUID
) -> datetime | None:
    stmt = select(func.max(Suspension.created_at)).where(
        Suspension.facility_id == facility_id, Suspension.account_id == account_id
    )
    return await session.scalar(stmt)


async def count_no_shows(
    session: AsyncSession, facility_id: uuid.UUID, account_id: uuid.UUID, since: datetime
) -> int:
    """Count the resident's no-shows at the facility of bookings starting after `since`."""
    stmt = select(func.count()).where(
        Booking.account_id == account_id,
        Booking.facility_id == facility_id,
        Booking.status == NO_SHOW,
        Booking.starts_at >= since,
    )
    return int(await session.scalar(stmt) or 0)


async def bookings_between(
    session: AsyncSession, facility_id: uuid.UUID, starts: datetime, ends: datetime
) -> list[Booking]:
    """Return the facility's bookings starting between two instants, in time order."""
    stmt = (
        select(Booking)
        .where(
            Booking.facility_id == facility_id,
            Booking.starts_at >= starts,
            Booking.starts_at < ends,
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    return list(await session.scalars(stmt))


async def waiting_for(
    session: AsyncSession, facility_id: uuid.UUID, after: datetime
) -> Sequence[WaitlistEntry]:
    """Return the facility's waiting entries for times after `after`, first come first."""
    stmt = (
        select(WaitlistEntry)
        .where(
            WaitlistEntry.facility_id == facility_id,
            WaitlistEntry.status == WAITING,
            WaitlistEntry.starts_at > after,
        )
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .with_for_update()
    )
    return list(await session.scalars(stmt))


async def started_with_status(
    session: AsyncSession, status: str, before: datetime, limit: int
) -> list[tuple[Booking, Facility]]:
    """Return bookings in `status` that started before `before`, oldest first, with their
    facilities, rows locked and skipped when another sweep holds them."""
    stmt = (
        select(Booking, Facility)
        .join(Facility, Facility.id == Booking.facility_id)
        .where(Booking.status == status, Booking.starts_at < before)
        .order_by(Booking.starts_at, Booking.id)
        .limit(limit)
        .with_for_update(of=Booking, skip_locked=True)
    )
    return [(b, f) for b, f in (await session.execute(stmt)).all()]


async def expired_offers(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[Booking, Facility]]:
    """Return offered bookings whose offer ran out by `now`, with their facilities."""
    stmt = (
        select(Booking, Facility)
        .join(Facility, Facility.id == Booking.facility_id)
        .where(Booking.status == OFFERED, Booking.offer_expires_at <= now)
        .order_by(Booking.offer_expires_at, Booking.id)
        .limit(limit)
        .with_for_update(of=Booking, skip_locked=True)
    )
    return [(b, f) for b, f in (await session.execute(stmt)).all()]
