"""The resident's booking pages (`/my/bookings`): find a facility, see a day's free slots with
the fee before booking, book, see and cancel one's bookings, take an offered time, check in on
site, and join or leave a waiting list — every form a plain post answered by a redirect, so it
all works with scripts off; a refusal comes back as the page with its reason in the resident's
language.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, i18n
from linli.core.errors import LinliError
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.residents.bookings import service as bookings_service
from linli.residents.bookings.models import Facility
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.paging import PageCursor, pager
from linli.web.portal_frame import portal_locale, portal_page

router = APIRouter(include_in_schema=False)

Resident = Annotated[ResidentActor, Depends(resident(page=True))]
Done = Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")]
WHEN = Annotated[AwareDatetime, Form()]
# What the resident reads after each action (the redirect names it).
DONE = {
    "booked": N_("Booked. See you there!"),
    "cancelled": N_("Cancelled."),
    "accepted": N_("The time is yours."),
    "checked_in": N_("Checked in. Enjoy!"),
    "waiting": N_("You are on the waiting list. We will tell you if the time becomes free."),
    "left": N_("You are no longer waiting for that time."),
}


def _csrf(request: Request) -> str:
    """Return the resident session's CSRF token for the page's forms (read once: a refusal
    rolls the request's transaction back, and with it what the session had loaded)."""
    kept = getattr(request.state, "resident_csrf", None)
    if isinstance(kept, str):
        return kept
    resolved = getattr(request.state, "resident", None)
    token = str(resolved.session.csrf_token) if resolved is not None else ""
    request.state.resident_csrf = token
    return token


def _reason(err: LinliError, locale: str) -> str:
    """Return what the resident reads for a refusal; re-raise what is no refusal of theirs."""
    if err.status in (401, 404):
        raise err
    reason = err.extra.get("reason")
    return str(reason) if reason else i18n.translations(locale).gettext(N_("The action failed."))


async def _timezone(session: AsyncSession, facility_ids: set[uuid.UUID]) -> str:
    for facility_id in facility_ids:
        facility = await bookings_service.get_facility(session, facility_id)
        return (await bookings_service.hours_of(session, facility)).timezone
    return "UTC"


async def _my_page(
    request: Request,
    session: AsyncSession,
    actor: ResidentActor,
    *,
    cursor: str | None = None,
    reason: str | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = portal_locale(request, actor.locale)
    page = await bookings_service.my_bookings_page(
        session, actor, paging=PageQuery(cursor=cursor, limit=20)
    )
    waiting = await bookings_service.my_waiting(session, actor)
    ids = {b.facility_id for b in page.items} | {w.facility_id for w in waiting}
    facilities = {i: await bookings_service.get_facility(session, i) for i in ids}
    gettext = i18n.translations(locale).gettext
    return await portal_page(
        request,
        session,
        "my_bookings.html",
        locale=locale,
        timezone=await _timezone(session, ids),
        status_code=status_code,
        bookings=page.items,
        waiting=waiting,
        facilities=facilities,
        pages=pager(request, page, locale=locale),
        fee_of=lambda b: bookings_service.format_fee(b.fee, b.currency, locale),
        now=clock.now(),
        reason=reason,
        done=gettext(DONE[done]) if done in DONE else None,
        csrf_token=_csrf(request),
        page_path="/my/bookings",
    )


@router.get("/my/bookings")
async def my_bookings(
    request: Request,
    actor: Resident,
    session: DbSession,
    cursor: PageCursor = None,
    done: Done = None,
) -> Response:
    """Show the resident's bookings (offers first to answer), and what they wait for."""
    return await _my_page(request, session, actor, cursor=cursor, done=done)


@router.get("/my/bookings/facilities")
async def facilities(
    request: Request, actor: Resident, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the facilities the resident may look at, with their hours and fees."""
    locale = portal_locale(request, actor.locale)
    page = await bookings_service.resident_facilities_page(
        session, actor, paging=PageQuery(cursor=cursor, limit=50)
    )
    return await portal_page(
        request,
        session,
        "my_facilities.html",
        locale=locale,
        timezone=await _timezone(session, {f.id for f in page.items}),
        facilities=page.items,
        pages=pager(request, page, locale=locale),
        fee_of=lambda f: bookings_service.format_fee(f.fee_per_hour, f.currency, locale),
        page_path="/my/bookings/facilities",
    )


async def _facility_page(
    request: Request,
    session: AsyncSession,
    actor: ResidentActor,
    facility: Facility,
    *,
    day: date | None,
    reason: str | None = None,
    status_code: int = 200,
) -> Response:
    locale = portal_locale(request, actor.locale)
    hours = await bookings_service.hours_of(session, facility)
    first = day or hours.local_day(clock.now())
    _, (found,) = await bookings_service.calendar(session, facility, first=first, days=1)
    lengths = list(range(facility.min_minutes, facility.max_minutes + 1, facility.slot_minutes))
    slots = [
        {
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "free": s.booking is None,
            "mine": s.booking is not None and s.booking.account_id == actor.account_id,
        }
        for s in found.slots
    ]
    return await portal_page(
        request,
        session,
        "my_facility.html",
        locale=locale,
        timezone=hours.timezone,
        status_code=status_code,
        f=facility,
        day=first,
        open=found.open,
        slots=slots,
        lengths=lengths,
        previous_day=first - timedelta(days=1),
        next_day=first + timedelta(days=1),
        allowed=actor.meets(bookings_service.need_of(facility)),
        fee_per_hour=bookings_service.format_fee(facility.fee_per_hour, facility.currency, locale),
        fee_for=lambda minutes: bookings_service.format_fee(
            bookings_service.fee_for(facility, minutes), facility.currency, locale
        ),
        reason=reason,
        csrf_token=_csrf(request),
        page_path=f"/my/bookings/facilities/{facility.id}",
    )


@router.get("/my/bookings/facilities/{facility_id}")
async def facility(
    facility_id: uuid.UUID,
    request: Request,
    actor: Resident,
    session: DbSession,
    day: date | None = None,
) -> Response:
    """Show a facility's hours, rules and fee, and a day's slots to book or wait for."""
    found = await bookings_service.resident_facility(session, actor, facility_id)
    return await _facility_page(request, session, actor, found, day=day)


async def _ask_for_time(
    request: Request,
    actor: ResidentActor,
    session: AsyncSession,
    action: Callable[..., Awaitable[object]],
    done: str,
    *,
    facility_id: uuid.UUID,
    starts_at: datetime,
    minutes: int,
) -> Response:
    """Book a time or wait for it (`action`); a refusal shows the day again with its reason."""
    _csrf(request)
    found = await bookings_service.resident_facility(session, actor, facility_id)
    bookings_service.check_day(starts_at.date())
    try:
        await action(
            session,
            actor,
            facility_id=facility_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
        )
    except LinliError as err:
        await session.rollback()  # nothing half-stored
        reason = _reason(err, actor.locale)
        await session.refresh(found)
        hours = await bookings_service.hours_of(session, found)
        return await _facility_page(
            request, session, actor, found, day=hours.local_day(starts_at), reason=reason,
            status_code=err.status,
        )  # fmt: skip
    return _done(done)


@router.post("/my/bookings")
async def book(
    request: Request,
    actor: Resident,
    session: DbSession,
    facility_id: Annotated[uuid.UUID, Form()],
    starts_at: WHEN,
    minutes: Annotated[int, Form(ge=15, le=24 * 60)],
) -> Response:
    """Book the chosen time; a refusal shows the day again with its reason."""
    return await _ask_for_time(
        request, actor, session, bookings_service.book, "booked",
        facility_id=facility_id, starts_at=starts_at, minutes=minutes,
    )  # fmt: skip


def _done(what: str) -> RedirectResponse:
    return RedirectResponse(f"/my/bookings?{urlencode({'done': what})}", status_code=303)


@router.post("/my/bookings/waitlist")
async def join_waitlist(
    request: Request,
    actor: Resident,
    session: DbSession,
    facility_id: Annotated[uuid.UUID, Form()],
    starts_at: WHEN,
    minutes: Annotated[int, Form(ge=15, le=24 * 60)],
) -> Response:
    """Join the waiting list of a taken time."""
    return await _ask_for_time(
        request, actor, session, bookings_service.join_waitlist, "waiting",
        facility_id=facility_id, starts_at=starts_at, minutes=minutes,
    )  # fmt: skip


@router.post("/my/bookings/waitlist/{entry_id}/leave")
async def leave_waitlist(entry_id: uuid.UUID, actor: Resident, session: DbSession) -> Response:
    """Stop waiting for a time."""
    await bookings_service.leave_waitlist(session, actor, entry_id)
    return _done("left")


@router.post("/my/bookings/{booking_id}/cancel")
async def cancel(
    booking_id: uuid.UUID, request: Request, actor: Resident, session: DbSession
) -> Response:
    """Cancel a booking (before the cutoff) or decline an offered time."""
    _csrf(request)
    try:
        await bookings_service.cancel_my_booking(session, actor, booking_id)
    except LinliError as err:
        await session.rollback()
        reason = _reason(err, actor.locale)
        return await _my_page(request, session, actor, reason=reason, status_code=err.status)
    return _done("cancelled")


@router.post("/my/bookings/{booking_id}/accept")
async def accept(
    booking_id: uuid.UUID, request: Request, actor: Resident, session: DbSession
) -> Response:
    """Take a time offered from the waiting list."""
    _csrf(request)
    try:
        await bookings_service.accept_my_offer(session, actor, booking_id)
    except LinliError as err:
        await session.rollback()
        reason = _reason(err, actor.locale)
        return await _my_page(request, session, actor, reason=reason, status_code=err.status)
    return _done("accepted")


@router.post("/my/bookings/{booking_id}/check-in")
async def check_in(
    booking_id: uuid.UUID,
    request: Request,
    actor: Resident,
    session: DbSession,
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Check in on site with the code shown at the facility."""
    _csrf(request)
    try:
        await bookings_service.check_in_myself(session, actor, booking_id, code=code)
    except LinliError as err:
        await session.rollback()
        reason = _reason(err, actor.locale)
        return await _my_page(request, session, actor, reason=reason, status_code=err.status)
    return _done("checked_in")
