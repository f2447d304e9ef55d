"""Staff pages of facility bookings (`/community/bookings`): the facilities of one's area and a
form for a new one, a facility's day or week calendar with check-in, fees and cancellation, its
rules, and the no-shows.

Every form posts plainly (no script needed) and is answered with a redirect to the page it came
from; a refusal the staff member can fix comes back as the page with its reason.
"""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import LinliError, ValidationFailed
from linli.core.pagination import PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.residents import service as residents_service
from linli.residents.bookings import service as bookings_service
from linli.residents.bookings.models import FACILITY_KINDS, Facility
from linli.residents.bookings.schemas import FacilityCreate, FacilityUpdate
from linli.security import audit
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("bookings:read"))]
Writer = Annotated[Principal, Depends(require_page("bookings:write"))]
UNIT_KINDS = ("street", "community", "grid", "town", "zone")
ErrorCode = Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]*$")]


def _back(url: str, **params: str | None) -> RedirectResponse:
    kept = {k: v for k, v in params.items() if v}
    return RedirectResponse(f"{url}?{urlencode(kept)}" if kept else url, status_code=303)


def _refusal(err: LinliError) -> str:
    """Return the code a page shows for a refusal staff can fix; re-raise what says no access."""
    if err.status in (401, 403, 404) or err.code.startswith("unknown_"):
        raise err
    return err.code


async def _writable_units(session: AsyncSession, principal: Principal) -> list[OrgUnit]:
    found: dict[uuid.UUID, OrgUnit] = {}
    for grant in principal.grants:
        if not principal.can("bookings:write", grant.unit_path):
            continue
        unit = await org_service.get_unit(session, grant.unit_id)
        for u in await org_service.subtree(session, unit, kinds=UNIT_KINDS):
            found.setdefault(u.id, u)
    return list(found.values())


@router.get("/community/bookings")
async def facilities_page(
    request: Request,
    principal: Reader,
    session: DbSession,
    cursor: PageCursor = None,
    error: ErrorCode = None,
) -> Response:
    """List the facilities of the viewer's area, and (for writers) a form for a new one."""
    locale = page_locale(request, principal.locale)
    page = await bookings_service.facilities_page(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=50)
    )
    can_write = principal.has("bookings:write")
    return render(
        request,
        "bookings_facilities.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        facilities=page.items,
        pages=pager(request, page, locale=locale),
        units=await _writable_units(session, principal) if can_write else [],
        kinds=FACILITY_KINDS,
        can_write=can_write,
        error=error,
        active="bookings",
        **page_context(principal),
    )


def _form_time(value: str, fallback: time) -> time:
    try:
        return time.fromisoformat(value) if value else fallback
    except ValueError as err:
        raise ValidationFailed("a time is written as HH:MM", code="bad_hours") from err


@router.post("/community/bookings/facilities")
async def create_facility(
    principal: Writer,
    session: DbSession,
    org_unit_id: Annotated[uuid.UUID, Form()],
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=32)] = "hall",
    opens: Annotated[str, Form(max_length=8)] = "08:00",
    closes: Annotated[str, Form(max_length=8)] = "22:00",
    slot_minutes: Annotated[int, Form(ge=15, le=240)] = 60,
    fee_per_hour: Annotated[int, Form(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Set up a facility (the rest of its rules start at their defaults) and show it."""
    try:
        data = FacilityCreate(
            org_unit_id=org_unit_id,
            name=name.strip(),
            kind=kind,
            opens=_form_time(opens, time(8, 0)),
            closes=_form_time(closes, time(22, 0)),
            slot_minutes=slot_minutes,
            min_minutes=slot_minutes,
            max_minutes=slot_minutes * 2,
            fee_per_hour=fee_per_hour,
        )
        facility = await bookings_service.create_facility(session, data=data, principal=principal)
    except ValidationError:
        await session.rollback()
        return _back("/community/bookings", error="invalid_facility")
    except LinliError as err:
        await session.rollback()
        return _back("/community/bookings", error=_refusal(err))
    return _back(f"/community/bookings/facilities/{facility.id}")


@router.get("/community/bookings/facilities/{facility_id}")
async def facility_page(
    facility_id: uuid.UUID,
    request: Request,
    principal: Reader,
    session: DbSession,
    day: date | None = None,
    view: Literal["day", "week"] = "day",
    error: ErrorCode = None,
) -> Response:
    """Show a facility's day or week: every slot, who holds it, and what staff can do."""
    facility = await bookings_service.get_facility(session, facility_id, principal=principal)
    hours = await bookings_service.hours_of(session, facility)
    first = day or hours.local_day(clock.now())
    _, days = await bookings_service.calendar(
        session, facility, first=first, days=7 if view == "week" else 1
    )
    locale = page_locale(request, principal.locale)
    step = timedelta(days=7 if view == "week" else 1)
    names = await _names(session, principal, facility, days)
    return render(
        request,
        "bookings_calendar.html",
        locale=locale,
        timezone=hours.timezone,
        f=facility,
        days=days,
        first=first,
        view=view,
        previous_day=first - step,
        next_day=first + step,
        fee_per_hour=bookings_service.format_fee(facility.fee_per_hour, facility.currency, locale),
        fee_of=lambda b: bookings_service.format_fee(b.fee, b.currency, locale),
        names=names,
        can_write=principal.can("bookings:write", facility.org_path),
        kinds=FACILITY_KINDS,
        error=error,
        active="bookings",
        **page_context(principal),
    )


async def _names(
    session: AsyncSession, principal: Principal, facility: Facility, days: list[Any]
) -> dict[uuid.UUID, str]:
    """Return the names of the residents holding the shown slots, for staff who may read
    residents' personal data there (the read is audited); none for the others."""
    if not principal.can("residents:pii", facility.org_path):
        return {}
    ids = {s.booking.account_id for d in days for s in d.slots if s.booking is not None}
    if not ids:
        return {}
    await audit.record(
        session,
        actor=principal.actor,
        action="booking.names_read",
        target_type="facility",
        target_id=str(facility.id),
        org_path=facility.org_path,
        detail={"accounts": sorted(str(i) for i in ids)},
    )
    return await residents_service.names_of(session, ids)


@router.post("/community/bookings/facilities/{facility_id}")
async def update_facility(
    facility_id: uuid.UUID, request: Request, principal: Writer, session: DbSession
) -> Response:
    """Change a facility's rules from its page's form."""
    form = await request.form()
    fields: dict[str, Any] = {}
    for name in FacilityUpdate.model_fields:
        raw = form.get(name)
        if isinstance(raw, str) and raw.strip():
            fields[name] = raw.strip()
    if "active" in form or "name" in fields:
        fields["active"] = form.get("active") == "on"
    if "no_show_limit" in form and not fields.get("no_show_limit"):
        fields["no_show_limit"] = None
    url = f"/community/bookings/facilities/{facility_id}"
    try:
        data = FacilityUpdate.model_validate(fields)
        await bookings_service.update_facility(session, facility_id, data=data, principal=principal)
    except ValidationError:
        await session.rollback()
        return _back(url, error="invalid_facility")
    except LinliError as err:
        await session.rollback()
        return _back(url, error=_refusal(err))
    return _back(url, saved="1")


async def _booking_back(session: AsyncSession, booking_id: uuid.UUID, principal: Principal) -> str:
    booking = await bookings_service.get_booking(session, booking_id, principal=principal)
    hours = await bookings_service.hours_of(
        session, await bookings_service.get_facility(session, booking.facility_id)
    )
    day = hours.local_day(booking.starts_at).isoformat()
    return f"/community/bookings/facilities/{booking.facility_id}?{urlencode({'day': day})}"


@router.post("/community/bookings/{booking_id}/check-in")
async def check_in(booking_id: uuid.UUID, principal: Writer, session: DbSession) -> Response:
    """Check the resident of a booking in, and go back to its day."""
    url = await _booking_back(session, booking_id, principal)
    try:
        await bookings_service.check_in(session, booking_id, principal=principal)
    except LinliError as err:
        await session.rollback()
        return RedirectResponse(f"{url}&error={_refusal(err)}", status_code=303)
    return RedirectResponse(url, status_code=303)


@router.post("/community/bookings/{booking_id}/fee")
async def record_fee(
    booking_id: uuid.UUID,
    principal: Writer,
    session: DbSession,
    fee_status: Annotated[Literal["due", "paid", "waived"], Form()],
) -> Response:
    """Record a booking's fee as paid, waived or due again."""
    url = await _booking_back(session, booking_id, principal)
    try:
        await bookings_service.record_fee(
            session, booking_id, principal=principal, fee_status=fee_status
        )
    except LinliError as err:
        await session.rollback()
        return RedirectResponse(f"{url}&error={_refusal(err)}", status_code=303)
    return RedirectResponse(url, status_code=303)


@router.post("/community/bookings/{booking_id}/cancel")
async def cancel(
    booking_id: uuid.UUID,
    principal: Writer,
    session: DbSession,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Cancel a booking with a reason; its time goes to the first resident waiting."""
    url = await _booking_back(session, booking_id, principal)
    try:
        if not reason.strip():
            raise ValidationFailed("give a reason", code="reason_required")
        await bookings_service.cancel_booking(
            session, booking_id, principal=principal, reason=reason
        )
    except LinliError as err:
        await session.rollback()
        return RedirectResponse(f"{url}&error={_refusal(err)}", status_code=303)
    return RedirectResponse(url, status_code=303)


@router.get("/community/bookings/no-shows")
async def no_shows_page(
    request: Request, principal: Reader, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the bookings nobody came to, by start time."""
    locale = page_locale(request, principal.locale)
    page = await bookings_service.bookings_page(
        session,
        principal=principal,
        paging=PageQuery(cursor=cursor, limit=100),
        status="no_show",
    )
    names = {}
    for facility_id in {b.facility_id for b in page.items}:
        names[facility_id] = await bookings_service.get_facility(session, facility_id)
    return render(
        request,
        "bookings_no_shows.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        bookings=page.items,
        facilities=names,
        pages=pager(request, page, locale=locale),
        active="bookings",
        **page_context(principal),
    )
