"""A resident's own digital-inclusion actions over HTTP: their courses (`/api/my/courses`:
completed courses, places, the coming sessions of their area, registering and giving a place up)
and their help requests to digital ambassadors (`/api/my/digital-help`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.inclusion import service
from linli.inclusion.schemas import (
    HelpRequestMine,
    MyCourses,
    MyHelpRequest,
    MyHelpRequestPage,
    MyRegistration,
    MyRegistrationPage,
    SessionPage,
    SessionRead,
)
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession

router = APIRouter(prefix="/api/my", tags=["inclusion", "residents"])

# The rule checks the level; each action's service checks the area as well.
Resident = Annotated[ResidentActor, Depends(resident())]
Registrant = Annotated[ResidentActor, Depends(resident(service.REGISTER))]
Asker = Annotated[ResidentActor, Depends(resident(service.ASK))]


@router.get("/courses", response_model=MyCourses)
async def my_courses(session: DbSession, actor: Resident, paging: Paging) -> MyCourses:
    """Your completed courses, and your places at sessions (newest first)."""
    page = await service.my_registrations(session, actor=actor, paging=paging)
    return MyCourses(
        completed=await service.completed_courses(session, actor=actor),
        registrations=MyRegistrationPage(
            items=[MyRegistration.model_validate(r) for r in page.items], **page_meta(page)
        ),
    )


@router.get("/courses/sessions", response_model=SessionPage)
async def coming_sessions(session: DbSession, actor: Resident, paging: Paging) -> SessionPage:
    """The coming sessions of the courses of your area, soonest first."""
    page = await service.upcoming_for(session, actor=actor, paging=paging)
    return SessionPage(items=[SessionRead.model_validate(s) for s in page.items], **page_meta(page))


@router.post(
    "/courses/sessions/{session_id}/registration",
    status_code=201,
    response_model=MyRegistration,
)
async def register(session_id: uuid.UUID, session: DbSession, actor: Registrant) -> MyRegistration:
    """Take a place at a session, or a place on its waitlist when it is full."""
    return MyRegistration.model_validate(await service.register(session, session_id, actor=actor))


@router.delete("/courses/sessions/{session_id}/registration", response_model=MyRegistration)
async def cancel(session_id: uuid.UUID, session: DbSession, actor: Resident) -> MyRegistration:
    """Give up your place; the first on the waitlist takes it."""
    return MyRegistration.model_validate(
        await service.cancel_registration(session, session_id, actor=actor)
    )


@router.get("/digital-help", response_model=MyHelpRequestPage)
async def my_help(session: DbSession, actor: Resident, paging: Paging) -> MyHelpRequestPage:
    """Your help requests to digital ambassadors, newest first."""
    found = await service.my_help_requests(session, actor=actor, paging=paging)
    return MyHelpRequestPage(
        items=[MyHelpRequest.model_validate(r) for r in found.items], **page_meta(found)
    )


@router.post("/digital-help", status_code=201, response_model=MyHelpRequest)
async def ask_for_help(body: HelpRequestMine, session: DbSession, actor: Asker) -> MyHelpRequest:
    """Ask your area's digital ambassadors for help (in person or by phone)."""
    return MyHelpRequest.model_validate(await service.ask_for_help(session, body, actor=actor))
