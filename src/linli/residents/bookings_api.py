"""Bookings' resident API (`/api/my/bookings`): find a facility, see a day's free slots, book,
cancel, accept an offer, check in on site, and the waiting lists.

Every route's rule is `resident()` (any signed-in resident); what a facility needs of the
resident (a level, an area) is its own rule, checked by the service with reasons they read.
It lives beside `residents.deps`, whose rule it uses; the bookings room stays free of it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from linli.core import clock
from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.residents.bookings import service
from linli.residents.bookings.schemas import (
    BookingCreate,
    BookingPage,
    BookingRead,
    CheckInCode,
    DaySlots,
    FacilityView,
    FacilityViewPage,
    FreeSlot,
    WaitlistPage,
    WaitlistRead,
)
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession

router = APIRouter(prefix="/api/my/bookings", tags=["bookings"])

Resident = Annotated[ResidentActor, Depends(resident())]


@router.get("/facilities")
async def list_facilities(session: DbSession, actor: Resident, paging: Paging) -> FacilityViewPage:
    """List the facilities of the resident's site open to their area, by name."""
    page = await service.resident_facilities_page(session, actor, paging=paging)
    return FacilityViewPage(
        items=[FacilityView.model_validate(f) for f in page.items], **page_meta(page)
    )


@router.get("/facilities/{facility_id}")
async def get_facility(facility_id: uuid.UUID, session: DbSession, actor: Resident) -> FacilityView:
    """Return a facility with its hours, rules and fee."""
    facility = await service.resident_facility(session, actor, facility_id)
    return FacilityView.model_validate(facility)


@router.get("/facilities/{facility_id}/slots")
async def day_slots(
    facility_id: uuid.UUID, session: DbSession, actor: Resident, day: date | None = None
) -> DaySlots:
    """Return a day's slots of a facility (default today on the site's clock): free or taken."""
    facility = await service.resident_facility(session, actor, facility_id)
    hours = await service.hours_of(session, facility)
    first = day or hours.local_day(clock.now())
    _, (found,) = await service.calendar(session, facility, first=first, days=1)
    return DaySlots(
        facility_id=facility.id,
        day=found.day,
        timezone=hours.timezone,
        open=found.open,
        slots=[FreeSlot(starts_at=s.starts_at, ends_at=s.ends_at, free=s.booking is None)
               for s in found.slots],
    )  # fmt: skip


@router.get("")
async def my_bookings(session: DbSession, actor: Resident, paging: Paging) -> BookingPage:
    """List the resident's bookings, latest first."""
    page = await service.my_bookings_page(session, actor, paging=paging)
    return BookingPage(items=[BookingRead.model_validate(b) for b in page.items], **page_meta(page))


@router.post("", status_code=201)
async def book(data: BookingCreate, session: DbSession, actor: Resident) -> BookingRead:
    """Book a time of a facility; a refusal says why in the resident's language (`reason`)."""
    booking = await service.book(
        session,
        actor,
        facility_id=data.facility_id,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
    )
    return BookingRead.model_validate(booking)


@router.get("/waitlist")
async def my_waitlist(session: DbSession, actor: Resident, paging: Paging) -> WaitlistPage:
    """List the resident's waiting-list entries, newest first."""
    page = await service.my_waitlist_page(session, actor, paging=paging)
    return WaitlistPage(
        items=[WaitlistRead.model_validate(w) for w in page.items], **page_meta(page)
    )


@router.post("/waitlist", status_code=201)
async def join_waitlist(data: BookingCreate, session: DbSession, actor: Resident) -> WaitlistRead:
    """Wait for a taken time; when it is freed the first one waiting is offered it."""
    entry = await service.join_waitlist(
        session, actor, facility_id=data.facility_id, starts_at=data.starts_at, ends_at=data.ends_at
    )
    return WaitlistRead.model_validate(entry)


@router.delete("/waitlist/{entry_id}", status_code=204)
async def leave_waitlist(entry_id: uuid.UUID, session: DbSession, actor: Resident) -> Response:
    """Stop waiting for a time."""
    await service.leave_waitlist(session, actor, entry_id)
    return Response(status_code=204)


@router.get("/{booking_id}")
async def my_booking(booking_id: uuid.UUID, session: DbSession, actor: Resident) -> BookingRead:
    """Return one of the resident's bookings."""
    return BookingRead.model_validate(await service.my_booking(session, actor, booking_id))


@router.post("/{booking_id}/cancel")
async def cancel(booking_id: uuid.UUID, session: DbSession, actor: Resident) -> BookingRead:
    """Cancel a booking before the facility's cutoff, or decline an offered time."""
    booking = await service.cancel_my_booking(session, actor, booking_id)
    return BookingRead.model_validate(booking)


@router.post("/{booking_id}/accept")
async def accept(booking_id: uuid.UUID, session: DbSession, actor: Resident) -> BookingRead:
    """Take a time offered from the waiting list."""
    booking = await service.accept_my_offer(session, actor, booking_id)
    return BookingRead.model_validate(booking)


@router.post("/{booking_id}/check-in")
async def check_in(
    booking_id: uuid.UUID, data: CheckInCode, session: DbSession, actor: Resident
) -> BookingRead:
    """Check in on site with the code shown at the facility."""
    booking = await service.check_in_myself(session, actor, booking_id, code=data.code)
    return BookingRead.model_validate(booking)
