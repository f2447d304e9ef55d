"""Residents' meetings API (`/api/my/meetings`): the meetings of their councils, registering
(or joining the waitlist), giving a place up, and checking in with the venue's code.

It lives with the web adapters because its route rule, `linli.residents.deps.resident`, is an
HTTP adapter of the residents' domain, which other domains do not import."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.core.i18n import translations
from linli.core.pagination import page_meta
from linli.participation.meetings import service
from linli.participation.meetings.models import Meeting, Registration
from linli.participation.meetings.schemas import (
    CheckInCode,
    MyMeeting,
    MyMeetingPage,
    PublicMeetingSummary,
    RegistrationStatus,
)
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession

router = APIRouter(tags=["meetings"])

# The rule checks the level; each action's service checks the meeting's area as well.
Registrant = Annotated[ResidentActor, Depends(resident(service.REGISTER))]
Attendee = Annotated[ResidentActor, Depends(resident(service.CHECK_IN))]
Reader = Annotated[ResidentActor, Depends(resident())]


async def summary(session: AsyncSession, meeting: Meeting, locale: str) -> PublicMeetingSummary:
    """Return a meeting as a resident's list shows it, in `locale`."""
    unit = await service.unit_of(session, meeting)
    left = None if meeting.capacity is None else max(0, meeting.capacity - meeting.registered_count)
    return PublicMeetingSummary(
        id=meeting.id, body=translations(locale).gettext(service.body_name(unit)),
        unit=service.unit_name(unit, locale), title=meeting.title, mode=meeting.mode,
        venue=meeting.venue, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
        status=meeting.status, capacity=meeting.capacity, places_left=left,
    )  # fmt: skip


def _status(registration: Registration | None) -> RegistrationStatus | None:
    if registration is None or registration.status == "cancelled":
        return None
    return RegistrationStatus.model_validate(registration)


@router.get("/api/my/meetings", response_model=MyMeetingPage)
async def my_meetings(session: DbSession, actor: Reader, paging: Paging) -> MyMeetingPage:
    """List the coming meetings of the councils of your home, soonest first, with your place."""
    page = await service.upcoming_for(session, actor=actor, paging=paging)
    mine = await service.registrations_of(session, actor=actor, meetings=[m.id for m in page.items])
    items = [
        MyMeeting(
            meeting=await summary(session, m, actor.locale), registration=_status(mine.get(m.id))
        )
        for m in page.items
    ]
    return MyMeetingPage(items=items, **page_meta(page))


@router.post(
    "/api/my/meetings/{meeting_id}/registration", status_code=201, response_model=RegistrationStatus
)
async def register(
    meeting_id: uuid.UUID, session: DbSession, actor: Registrant
) -> RegistrationStatus:
    """Take a place at a meeting, or a place on its waitlist when it is full."""
    return RegistrationStatus.model_validate(
        await service.register(session, meeting_id, actor=actor)
    )


@router.delete("/api/my/meetings/{meeting_id}/registration", response_model=RegistrationStatus)
async def cancel(meeting_id: uuid.UUID, session: DbSession, actor: Reader) -> RegistrationStatus:
    """Give up your place; the first on the waitlist takes it."""
    return RegistrationStatus.model_validate(
        await service.cancel_registration(session, meeting_id, actor=actor)
    )


@router.post("/api/my/meetings/{meeting_id}/check-in", response_model=RegistrationStatus)
async def check_in(
    meeting_id: uuid.UUID, body: CheckInCode, session: DbSession, actor: Attendee
) -> RegistrationStatus:
    """Check in at the venue with the code said there."""
    return RegistrationStatus.model_validate(
        await service.self_check_in(session, meeting_id, body.code, actor=actor)
    )
