"""Bookings' staff API: facilities and their rules, calendars, check-in, fees, cancellations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime

from linli.core import clock
from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.org import service as org_service
from linli.residents.bookings import service
from linli.residents.bookings.models import Booking
from linli.residents.bookings.schemas import (
    BookingPage,
    BookingRead,
    CalendarRead,
    DayRead,
    FacilityCreate,
    FacilityPage,
    FacilityRead,
    FacilityUpdate,
    FeeRecord,
    SlotRead,
    StaffCancel,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["bookings"])

Reader = Annotated[Principal, Depends(require("bookings:read"))]
Writer = Annotated[Principal, Depends(require("bookings:write"))]


def _read(booking: Booking | None) -> BookingRead | None:
    return None if booking is None else BookingRead.model_validate(booking)


@router.get("/facilities")
async def list_facilities(
    session: DbSession, principal: Reader, paging: Paging, unit_id: uuid.UUID | None = None
) -> FacilityPage:
    """List the facilities in the caller's scope (optionally under one org unit), by name."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    page = await service.facilities_page(
        session, principal=principal, paging=paging, unit_path=unit.path if unit else None
    )
    return FacilityPage(
        items=[FacilityRead.model_validate(f) for f in page.items], **page_meta(page)
    )


@router.post("/facilities", status_code=201)
async def create_facility(
    data: FacilityCreate, session: DbSession, principal: Writer
) -> FacilityRead:
    """Set up a facility with its opening hours, slots, rules and fee."""
    facility = await service.create_facility(session, data=data, principal=principal)
    return FacilityRead.model_validate(facility)


@router.get("/facilities/{facility_id}")
async def get_facility(
    facility_id: uuid.UUID, session: DbSession, principal: Reader
) -> FacilityRead:
    """Return one facility with its rules and on-site check-in code."""
    facility = await service.get_facility(session, facility_id, principal=principal)
    return FacilityRead.model_validate(facility)


@router.patch("/facilities/{facility_id}")
async def update_facility(
    facility_id: uuid.UUID, data: FacilityUpdate, session: DbSession, principal: Writer
) -> FacilityRead:
    """Change a facility's details or rules (bookings already made keep theirs)."""
    facility = await service.update_facility(session, facility_id, data=data, principal=principal)
    return FacilityRead.model_validate(facility)


@router.get("/facilities/{facility_id}/calendar")
async def facility_calendar(
    facility_id: uuid.UUID,
    session: DbSession,
    principal: Reader,
    day: date | None = None,
    view: Literal["day", "week"] = "day",
) -> CalendarRead:
    """Return a day's or a week's slots of a facility (from `day`, default today on the site's
    clock) with the bookings holding them."""
    facility = await service.get_facility(session, facility_id, principal=principal)
    hours = await service.hours_of(session, facility)
    first = day or hours.local_day(clock.now())
    _, days = await service.calendar(
        session, facility, first=first, days=7 if view == "week" else 1
    )
    return CalendarRead(
        facility_id=facility.id,
        timezone=hours.timezone,
        days=[
            DayRead(
                day=d.day,
                open=d.open,
                slots=[
                    SlotRead(
                        starts_at=s.starts_at,
                        ends_at=s.ends_at,
                        free=s.booking is None,
                        booking=_read(s.booking),
                    )
                    for s in d.slots
                ],
            )
            for d in days
        ],
    )


@router.get("/bookings")
async def list_bookings(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    facility_id: uuid.UUID | None = None,
    status: Key | None = Query(None, description="e.g. no_show for the no-shows"),
    since: AwareDatetime | None = None,
) -> BookingPage:
    """List the bookings in the caller's scope by start time (filter by facility, status)."""
    page = await service.bookings_page(
        session,
        principal=principal,
        paging=paging,
        facility_id=facility_id,
        status=status,
        since=since,
    )
    return BookingPage(items=[BookingRead.model_validate(b) for b in page.items], **page_meta(page))


@router.get("/bookings/{booking_id}")
async def get_booking(booking_id: uuid.UUID, session: DbSession, principal: Reader) -> BookingRead:
    """Return one booking."""
    booking = await service.get_booking(session, booking_id, principal=principal)
    return BookingRead.model_validate(booking)


@router.post("/bookings/{booking_id}/check-in")
async def check_in(booking_id: uuid.UUID, session: DbSession, principal: Writer) -> BookingRead:
    """Check the resident of a booking in."""
    booking = await service.check_in(session, booking_id, principal=principal)
    return BookingRead.model_validate(booking)


@router.post("/bookings/{booking_id}/cancel")
async def cancel_booking(
    booking_id: uuid.UUID, data: StaffCancel, session: DbSession, principal: Writer
) -> BookingRead:
    """Cancel a booking with a reason; its time is offered to the first resident waiting."""
    booking = await service.cancel_booking(
        session, booking_id, principal=principal, reason=data.reason
    )
    return BookingRead.model_validate(booking)


@router.put("/bookings/{booking_id}/fee")
async def record_fee(
    booking_id: uuid.UUID, data: FeeRecord, session: DbSession, principal: Writer
) -> BookingRead:
    """Record a booking's fee as due, paid or waived."""
    booking = await service.record_fee(
        session, booking_id, principal=principal, fee_status=data.fee_status
    )
    return BookingRead.model_validate(booking)
