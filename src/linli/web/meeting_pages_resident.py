"""The resident's meetings page (`/my/meetings`): the coming meetings of their councils, their
place at each, and plain forms to register, give the place up and check in with the venue's
code (redirect after post; no script needed)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from linli.core.errors import LinliError
from linli.core.i18n import N_
from linli.core.pagination import PageQuery
from linli.participation.meetings import service
from linli.participation.meetings.models import Registration
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession
from linli.web.meeting_resident_api import summary
from linli.web.paging import PageCursor, pager
from linli.web.portal_frame import portal_locale, portal_page
from linli.web.templating import gettext

router = APIRouter(include_in_schema=False)

Reader = Annotated[ResidentActor, Depends(resident(page=True))]
Registrant = Annotated[ResidentActor, Depends(resident(service.REGISTER, page=True))]
HOME = "/my/meetings"
# What the page says after a form, in the reader's language.
NOTES = {
    "registered": N_("You have a place. See you there."),
    "waitlisted": N_(
        "The meeting is full: you are on the waitlist and will be told if a place comes free."
    ),
    "cancelled": N_("Your place is given up."),
    "checked_in": N_("You are checked in. Welcome."),
    "wrong_checkin_code": N_("That is not the code said at the venue."),
    "meeting_closed": N_("This meeting is over, or check-in has not opened yet."),
    "outside_area": N_("This meeting is for residents of its area."),
    "verification_needed": N_("Confirm your phone number first to register."),
    "not_registered": N_("Register first, then check in."),
    "registration_not_found": N_("You have no place at this meeting."),
}


def _csrf(request: Request) -> str:
    resolved = getattr(request.state, "resident", None)
    return str(getattr(getattr(resolved, "session", None), "csrf_token", "") or "")


def _back(note: str) -> RedirectResponse:
    return RedirectResponse(f"{HOME}?note={note}", status_code=303)


@router.get(HOME)
async def my_meetings_page(
    request: Request,
    actor: Reader,
    session: DbSession,
    cursor: PageCursor = None,
    note: str | None = None,
) -> Response:
    """Show the coming meetings of the resident's councils and their place at each."""
    locale = portal_locale(request, actor.locale)
    page = await service.upcoming_for(
        session, actor=actor, paging=PageQuery(cursor=cursor, limit=20)
    )
    mine = await service.registrations_of(session, actor=actor, meetings=[m.id for m in page.items])
    meetings = [(await summary(session, m, locale), mine.get(m.id)) for m in page.items]
    return await portal_page(
        request,
        session,
        "my_meetings.html",
        locale=locale,
        timezone=await service.site_zone(session, page.items[0]) if page.items else "UTC",
        meetings=meetings,
        pages=pager(request, page, locale=locale),
        note=gettext(NOTES[note]) if note in NOTES else None,
        csrf_token=_csrf(request),
        page_path=HOME,
        can_register=actor.meets(service.REGISTER),
    )


async def _act(action: Awaitable[Registration], done: str) -> Response:
    try:
        registration = await action
    except LinliError as err:
        if err.status not in (403, 404, 409, 422):
            raise
        return _back(err.code if err.code in NOTES else "meeting_closed")
    return _back(registration.status if done == "registered" else done)


@router.post(HOME + "/{meeting_id}/register")
async def register(meeting_id: uuid.UUID, actor: Registrant, session: DbSession) -> Response:
    """Take a place (or a place on the waitlist)."""
    return await _act(service.register(session, meeting_id, actor=actor), "registered")


@router.post(HOME + "/{meeting_id}/cancel")
async def cancel(meeting_id: uuid.UUID, actor: Reader, session: DbSession) -> Response:
    """Give the place up."""
    return await _act(service.cancel_registration(session, meeting_id, actor=actor), "cancelled")


@router.post(HOME + "/{meeting_id}/check-in")
async def check_in(
    meeting_id: uuid.UUID, request: Request, actor: Registrant, session: DbSession
) -> Response:
    """Check in with the code said at the venue."""
    form = await request.form()
    code = form.get("code")
    code = code.strip()[:16] if isinstance(code, str) else ""
    return await _act(service.self_check_in(session, meeting_id, code, actor=actor), "checked_in")
