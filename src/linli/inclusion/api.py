"""Digital-inclusion HTTP API for staff (`/api/inclusion/...`): courses and sessions,
registrations and attendance, help requests to digital ambassadors, and the figure."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.inclusion import service
from linli.inclusion.models import CourseSession
from linli.inclusion.schemas import (
    AttendanceIn,
    CourseCreate,
    CoursePage,
    CourseRead,
    HelpRequestCreate,
    HelpRequestPage,
    HelpRequestRead,
    InclusionFigures,
    OutcomeIn,
    RegistrationPage,
    RegistrationRead,
    ScheduleIn,
    SessionCreate,
    SessionPage,
    SessionRead,
    WalkIn,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/inclusion", tags=["inclusion"])

Reader = Annotated[Principal, Depends(require("inclusion:read"))]
Writer = Annotated[Principal, Depends(require("inclusion:write"))]
Helper = Annotated[Principal, Depends(require("inclusion:help"))]
HelpStatus = Literal["open", "taken", "scheduled", "closed"]
RegistrationStatus = Literal["registered", "waitlisted", "cancelled"]


def _session_read(found: CourseSession) -> SessionRead:
    return SessionRead.model_validate(found)


@router.get("/courses", response_model=CoursePage)
async def list_courses(session: DbSession, principal: Reader, paging: Paging) -> CoursePage:
    """List the digital-skills courses of your area, newest first."""
    page = await service.list_courses(session, principal=principal, paging=paging)
    return CoursePage(items=[CourseRead.model_validate(c) for c in page.items], **page_meta(page))


@router.post("/courses", status_code=201, response_model=CourseRead)
async def create_course(body: CourseCreate, session: DbSession, principal: Writer) -> CourseRead:
    """Create a course of an org unit: its title in each language, level and topics."""
    return CourseRead.model_validate(
        await service.create_course(session, body, principal=principal)
    )


@router.get("/courses/{course_id}", response_model=CourseRead)
async def get_course(course_id: uuid.UUID, session: DbSession, principal: Reader) -> CourseRead:
    """Read a course."""
    return CourseRead.model_validate(
        await service.course_for(session, course_id, principal=principal)
    )


@router.get("/courses/{course_id}/sessions", response_model=SessionPage)
async def list_course_sessions(
    course_id: uuid.UUID, session: DbSession, principal: Reader, paging: Paging
) -> SessionPage:
    """List a course's sessions, soonest first."""
    course = await service.course_for(session, course_id, principal=principal)
    page = await service.list_sessions(session, principal=principal, paging=paging, course=course)
    return SessionPage(items=[_session_read(s) for s in page.items], **page_meta(page))


@router.post("/courses/{course_id}/sessions", status_code=201, response_model=SessionRead)
async def add_session(
    course_id: uuid.UUID, body: SessionCreate, session: DbSession, principal: Writer
) -> SessionRead:
    """Schedule a session: place, times, language, capacity and the ambassadors leading it."""
    course = await service.course_for(
        session, course_id, principal=principal, permission="inclusion:write"
    )
    return _session_read(await service.add_session(session, course, body, principal=principal))


@router.get("/sessions", response_model=SessionPage)
async def list_sessions(
    session: DbSession, principal: Reader, paging: Paging, upcoming: bool = False
) -> SessionPage:
    """List the sessions of your area, soonest first (`?upcoming=true`: those not yet over)."""
    page = await service.list_sessions(
        session, principal=principal, paging=paging, upcoming=upcoming
    )
    return SessionPage(items=[_session_read(s) for s in page.items], **page_meta(page))


@router.get("/sessions/{session_id}", response_model=SessionRead)
async def get_session(session_id: uuid.UUID, session: DbSession, principal: Reader) -> SessionRead:
    """Read a session with its places taken."""
    return _session_read(await service.session_for(session, session_id, principal=principal))


@router.get("/sessions/{session_id}/registrations", response_model=RegistrationPage)
async def list_registrations(
    session_id: uuid.UUID,
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: Annotated[RegistrationStatus | None, Query()] = None,
) -> RegistrationPage:
    """List a session's registrations in the order they came; walk-ins' contacts are shown and
    each such read is audited."""
    found = await service.session_for(session, session_id, principal=principal)
    page = await service.list_registrations(session, found, paging=paging, status=status)
    items = await service.view_registrations(session, page.items, principal=principal)
    return RegistrationPage(items=items, **page_meta(page))


@router.post(
    "/sessions/{session_id}/registrations", status_code=201, response_model=RegistrationRead
)
async def register_walk_in(
    session_id: uuid.UUID, body: WalkIn, session: DbSession, principal: Writer
) -> RegistrationRead:
    """Register a resident who came by or called (their account, or name and phone): a place,
    or the waitlist when the session is full."""
    found = await service.session_for(
        session, session_id, principal=principal, permission="inclusion:write", for_update=True
    )
    registration = await service.register_walk_in(session, found, body, principal=principal)
    return (await service.view_registrations(session, [registration], principal=principal))[0]


@router.delete(
    "/sessions/{session_id}/registrations/{registration_id}", response_model=RegistrationRead
)
async def cancel_registration(
    session_id: uuid.UUID, registration_id: uuid.UUID, session: DbSession, principal: Writer
) -> RegistrationRead:
    """Cancel a registration for the resident; the first on the waitlist takes the place."""
    found = await service.session_for(
        session, session_id, principal=principal, permission="inclusion:write", for_update=True
    )
    registration = await service.cancel_by_staff(
        session, found, registration_id, principal=principal
    )
    return (await service.view_registrations(session, [registration], principal=principal))[0]


@router.post(
    "/sessions/{session_id}/registrations/{registration_id}/attendance",
    response_model=RegistrationRead,
)
async def record_attendance(
    session_id: uuid.UUID,
    registration_id: uuid.UUID,
    body: AttendanceIn,
    session: DbSession,
    principal: Writer,
) -> RegistrationRead:
    """Record whether a registered resident came (once the session has started)."""
    found = await service.session_for(
        session, session_id, principal=principal, permission="inclusion:write"
    )
    registration = await service.record_attendance(
        session, found, registration_id, attended=body.attended, principal=principal
    )
    return (await service.view_registrations(session, [registration], principal=principal))[0]


@router.get("/help-requests", response_model=HelpRequestPage)
async def list_help_requests(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: Annotated[HelpStatus | None, Query(description="open: the queue, oldest first")] = None,
) -> HelpRequestPage:
    """List the help requests of your area: `?status=open` is the ambassadors' queue, oldest
    first; otherwise newest first."""
    page = await service.list_help_requests(
        session, principal=principal, paging=paging, status=status
    )
    items = [await service.view_help_request(session, r, principal=principal) for r in page.items]
    return HelpRequestPage(items=items, **page_meta(page))


@router.post("/help-requests", status_code=201, response_model=HelpRequestRead)
async def ask_for_resident(
    body: HelpRequestCreate, session: DbSession, principal: Writer
) -> HelpRequestRead:
    """Ask for help for a resident who came by or called."""
    request = await service.ask_for_resident(session, body, principal=principal)
    return await service.view_help_request(session, request, principal=principal)


@router.get("/help-requests/{request_id}", response_model=HelpRequestRead)
async def get_help_request(
    request_id: uuid.UUID, session: DbSession, principal: Reader
) -> HelpRequestRead:
    """Read a help request (an audited read of the resident's contact and words)."""
    request = await service.help_request_for(session, request_id, principal=principal)
    return await service.view_help_request(session, request, principal=principal)


@router.post("/help-requests/{request_id}/take", response_model=HelpRequestRead)
async def take_help_request(
    request_id: uuid.UUID, session: DbSession, principal: Helper
) -> HelpRequestRead:
    """Take an open request as its ambassador; the resident is told."""
    request = await service.help_request_for(
        session, request_id, principal=principal, permission="inclusion:help", for_update=True
    )
    await service.take_help_request(session, request, principal=principal)
    return await service.view_help_request(session, request, principal=principal)


@router.post("/help-requests/{request_id}/schedule", response_model=HelpRequestRead)
async def schedule_help(
    request_id: uuid.UUID, body: ScheduleIn, session: DbSession, principal: Helper
) -> HelpRequestRead:
    """Set the time of the help (a visit or a call); the resident is told the time."""
    request = await service.help_request_for(
        session, request_id, principal=principal, permission="inclusion:help", for_update=True
    )
    await service.schedule_help(session, request, body.appointment_at, principal=principal)
    return await service.view_help_request(session, request, principal=principal)


@router.post("/help-requests/{request_id}/outcome", response_model=HelpRequestRead)
async def record_outcome(
    request_id: uuid.UUID, body: OutcomeIn, session: DbSession, principal: Helper
) -> HelpRequestRead:
    """Close the request with what came of it: helped, could not reach, or referred."""
    request = await service.help_request_for(
        session, request_id, principal=principal, permission="inclusion:help", for_update=True
    )
    await service.record_outcome(
        session, request, outcome=body.outcome, note=body.note, principal=principal
    )
    return await service.view_help_request(session, request, principal=principal)


@router.get("/figures", response_model=InclusionFigures, tags=["figures"])
async def figures(
    unit_id: Annotated[uuid.UUID, Query()], session: DbSession, principal: Reader
) -> InclusionFigures:
    """The share of a unit's seniors helped in the last 12 months (attended a session or had a
    help request marked helped), sessions held and attendance."""
    return await service.figures(session, unit_id, principal=principal)
