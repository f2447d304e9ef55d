"""Meetings HTTP API: plan and run meetings, minutes, decisions and their follow-up,
attendance; the public read of a meeting."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import i18n
from linli.core.deps import Paging
from linli.core.i18n import translations
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.participation.meetings import service
from linli.participation.meetings.models import Decision, Meeting
from linli.participation.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    CurrentItemIn,
    DecisionCreate,
    DecisionDetail,
    DecisionPage,
    DecisionRead,
    DecisionStatus,
    DecisionUpdateCreate,
    DecisionUpdateRead,
    MeetingCreate,
    MeetingDetail,
    MeetingPage,
    MeetingRead,
    MeetingUpdate,
    MinuteCreate,
    MinuteRead,
    PublicDecision,
    PublicMeeting,
    PublicMinute,
    RegistrationPage,
    RegistrationRead,
    StatusIn,
)
from linli.security.deps import DbSession, public, require
from linli.security.permissions import Principal

router = APIRouter(tags=["meetings"])

Reader = Annotated[Principal, Depends(require("meetings:read"))]
Runner = Annotated[Principal, Depends(require("meetings:run"))]


def meeting_read(meeting: Meeting, body: str, locale: str) -> MeetingRead:
    """Return the API read of a meeting, the body that meets named in `locale`."""
    return MeetingRead.model_validate(
        {**_fields(meeting), "body": translations(locale).gettext(body)}
    )


def _fields(meeting: Meeting) -> dict[str, object]:
    return {c: getattr(meeting, c) for c in MeetingRead.model_fields if c != "body"}


def decision_read(decision: Decision, today: date) -> DecisionRead:
    """Return the API read of a decision, saying whether it is overdue."""
    read = DecisionRead.model_validate(decision)
    return read.model_copy(update={"overdue": service.is_overdue(decision, today)})


async def _detail(session: AsyncSession, meeting: Meeting, locale: str) -> MeetingDetail:
    view = await service.view_meeting(session, meeting)
    today = await service.local_today(session, meeting)
    body = translations(locale).gettext(service.body_name(view.unit))
    return MeetingDetail.model_validate(
        {
            **_fields(meeting),
            "body": body,
            "checkin_code": meeting.checkin_code,
            "agenda": [AgendaItemRead.model_validate(i) for i in view.agenda],
            "minutes": [MinuteRead.model_validate(m) for m in view.minutes],
            "decisions": [decision_read(d, today) for d in view.decisions],
            "waitlisted": view.counts.get("waitlisted", 0),
            "attended": view.counts["attended"],
        }
    )


@router.get("/api/meetings", response_model=MeetingPage)
async def list_meetings(
    session: DbSession, principal: Reader, paging: Paging, upcoming: bool = False
) -> MeetingPage:
    """List the meetings of your area: newest first, or `?upcoming=true` soonest first."""
    page = await service.list_meetings(
        session, principal=principal, paging=paging, upcoming=upcoming
    )
    units = {m.unit_id: await service.unit_of(session, m) for m in page.items}
    return MeetingPage(
        items=[
            meeting_read(m, service.body_name(units[m.unit_id]), principal.locale)
            for m in page.items
        ],
        **page_meta(page),
    )


@router.post("/api/meetings", status_code=201, response_model=MeetingDetail)
async def plan_meeting(body: MeetingCreate, session: DbSession, principal: Runner) -> MeetingDetail:
    """Plan a meeting of an org unit's residents' council (or committee), with its agenda."""
    meeting = await service.plan_meeting(session, body, principal=principal)
    return await _detail(session, meeting, principal.locale)


@router.get("/api/meetings/{meeting_id}", response_model=MeetingDetail)
async def get_meeting(
    meeting_id: uuid.UUID, session: DbSession, principal: Reader
) -> MeetingDetail:
    """Read a meeting: agenda, every line of the minutes, decisions, attendance counts."""
    meeting = await service.get_meeting(session, meeting_id, principal=principal)
    return await _detail(session, meeting, principal.locale)


async def _run(session: AsyncSession, meeting_id: uuid.UUID, principal: Principal) -> Meeting:
    return await service.get_meeting(
        session, meeting_id, principal=principal, permission="meetings:run", for_update=True
    )


@router.patch("/api/meetings/{meeting_id}", response_model=MeetingDetail)
async def update_meeting(
    meeting_id: uuid.UUID, body: MeetingUpdate, session: DbSession, principal: Runner
) -> MeetingDetail:
    """Change a meeting's title, mode, venue, times, stream or capacity."""
    meeting = await _run(session, meeting_id, principal)
    await service.update_meeting(session, meeting, body, principal=principal)
    return await _detail(session, meeting, principal.locale)


@router.post("/api/meetings/{meeting_id}/agenda", status_code=201, response_model=AgendaItemRead)
async def add_agenda_item(
    meeting_id: uuid.UUID, body: AgendaItemCreate, session: DbSession, principal: Runner
) -> AgendaItemRead:
    """Add an item at the end of the agenda."""
    meeting = await _run(session, meeting_id, principal)
    item = await service.add_agenda_item(session, meeting, body.title, principal=principal)
    return AgendaItemRead.model_validate(item)


@router.post("/api/meetings/{meeting_id}/status", response_model=MeetingDetail)
async def set_status(
    meeting_id: uuid.UUID, body: StatusIn, session: DbSession, principal: Runner
) -> MeetingDetail:
    """Start (live), end or cancel a meeting."""
    meeting = await _run(session, meeting_id, principal)
    await service.set_status(session, meeting, body.status, principal=principal)
    return await _detail(session, meeting, principal.locale)


@router.put("/api/meetings/{meeting_id}/current", response_model=MeetingDetail)
async def set_current_item(
    meeting_id: uuid.UUID, body: CurrentItemIn, session: DbSession, principal: Runner
) -> MeetingDetail:
    """Say which agenda item the live meeting is on."""
    meeting = await _run(session, meeting_id, principal)
    await service.set_current_item(session, meeting, body.agenda_item_id, principal=principal)
    return await _detail(session, meeting, principal.locale)


@router.post("/api/meetings/{meeting_id}/minutes", status_code=201, response_model=MinuteRead)
async def add_minute(
    meeting_id: uuid.UUID, body: MinuteCreate, session: DbSession, principal: Runner
) -> MinuteRead:
    """Write a line of the minutes; a public one appears on the live page at once."""
    meeting = await _run(session, meeting_id, principal)
    entry = await service.add_minute(
        session, meeting, text=body.text, agenda_item_id=body.agenda_item_id,
        public=body.public, principal=principal,
    )  # fmt: skip
    return MinuteRead.model_validate(entry)


@router.post("/api/meetings/{meeting_id}/decisions", status_code=201, response_model=DecisionRead)
async def add_decision(
    meeting_id: uuid.UUID, body: DecisionCreate, session: DbSession, principal: Runner
) -> DecisionRead:
    """Record a decision with its owner and due date; a public one reaches the live page."""
    meeting = await _run(session, meeting_id, principal)
    decision = await service.add_decision(session, meeting, body, principal=principal)
    return decision_read(decision, await service.local_today(session, meeting))


@router.post("/api/meetings/{meeting_id}/publish", response_model=MeetingDetail)
async def publish_minutes(
    meeting_id: uuid.UUID, session: DbSession, principal: Runner
) -> MeetingDetail:
    """Publish an ended meeting's minutes as final."""
    meeting = await _run(session, meeting_id, principal)
    await service.publish_minutes(session, meeting, principal=principal)
    return await _detail(session, meeting, principal.locale)


@router.get("/api/meetings/{meeting_id}/registrations", response_model=RegistrationPage)
async def list_registrations(
    meeting_id: uuid.UUID,
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: Annotated[Key | None, Query(description="registered, waitlisted or cancelled")] = None,
) -> RegistrationPage:
    """List a meeting's registrations in the order they came (the waitlist's order)."""
    meeting = await service.get_meeting(session, meeting_id, principal=principal)
    page = await service.list_registrations(session, meeting, paging=paging, status=status)
    return RegistrationPage(
        items=[RegistrationRead.model_validate(r) for r in page.items], **page_meta(page)
    )


@router.post(
    "/api/meetings/{meeting_id}/registrations/{registration_id}/check-in",
    response_model=RegistrationRead,
)
async def check_in(
    meeting_id: uuid.UUID, registration_id: uuid.UUID, session: DbSession, principal: Runner
) -> RegistrationRead:
    """Mark a registered resident as present."""
    meeting = await _run(session, meeting_id, principal)
    registration = await service.check_in_by_staff(
        session, meeting, registration_id, principal=principal
    )
    return RegistrationRead.model_validate(registration)


@router.get("/api/decisions", response_model=DecisionPage)
async def list_decisions(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: DecisionStatus | None = None,
    overdue: bool = False,
    meeting_id: uuid.UUID | None = None,
) -> DecisionPage:
    """The decisions board of your area: open work first, soonest due; `?overdue=true`."""
    today = await service.viewer_today(session, principal)
    page = await service.list_decisions(
        session, principal=principal, paging=paging, today=today, status=status,
        overdue=overdue, meeting_id=meeting_id,
    )  # fmt: skip
    return DecisionPage(items=[decision_read(d, today) for d in page.items], **page_meta(page))


@router.get("/api/decisions/{decision_id}", response_model=DecisionDetail)
async def get_decision(
    decision_id: uuid.UUID, session: DbSession, principal: Reader
) -> DecisionDetail:
    """Read a decision with its follow-up."""
    decision = await service.get_decision(session, decision_id, principal=principal)
    today = await service.viewer_today(session, principal)
    updates = await service.decision_updates(session, decision)
    return DecisionDetail.model_validate(
        {
            **decision_read(decision, today).model_dump(),
            "updates": [DecisionUpdateRead.model_validate(u) for u in updates],
        }
    )


@router.post(
    "/api/decisions/{decision_id}/updates", status_code=201, response_model=DecisionUpdateRead
)
async def follow_up(
    decision_id: uuid.UUID, body: DecisionUpdateCreate, session: DbSession, principal: Reader
) -> DecisionUpdateRead:
    """Report progress on a decision (its owner, or who runs meetings there)."""
    decision = await service.get_decision(session, decision_id, principal=principal)
    update = await service.follow_up(
        session, decision, status=body.status, note=body.note, principal=principal
    )
    return DecisionUpdateRead.model_validate(update)


@router.get(
    "/api/public/meetings/{meeting_id}",
    response_model=PublicMeeting,
    dependencies=[Depends(public)],
)
async def public_meeting(
    meeting_id: uuid.UUID,
    session: DbSession,
    lang: Annotated[Key | None, Query(description="language of the body's name")] = None,
) -> PublicMeeting:
    """Read what anybody may of a meeting: the notice, agenda, public minutes and decisions."""
    locale = i18n.choose_locale(
        account_locale=None, requested=lang, accept_language=None, default="en"
    )
    return await public_view(session, meeting_id, locale=locale)


async def public_view(
    session: AsyncSession, meeting_id: uuid.UUID, *, locale: str
) -> PublicMeeting:
    """Return the public view of a meeting in `locale`."""
    meeting = await service.find_meeting(session, meeting_id)
    view = await service.view_meeting(session, meeting, public_only=True)
    today = await service.local_today(session, meeting)
    units = await service.owner_units(session, view.decisions)
    left = None
    if meeting.capacity is not None:
        left = max(0, meeting.capacity - meeting.registered_count)
    return PublicMeeting(
        id=meeting.id,
        body=translations(locale).gettext(service.body_name(view.unit)),
        unit=service.unit_name(view.unit, locale),
        title=meeting.title,
        mode=meeting.mode,
        venue=meeting.venue,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        stream_url=meeting.stream_url,
        capacity=meeting.capacity,
        places_left=left,
        status=meeting.status,
        current_item_id=meeting.current_item_id,
        minutes_published_at=meeting.minutes_published_at,
        agenda=[AgendaItemRead.model_validate(i) for i in view.agenda],
        minutes=[PublicMinute.model_validate(m) for m in view.minutes],
        decisions=[
            PublicDecision(
                id=d.id,
                agenda_item_id=d.agenda_item_id,
                text=d.text,
                owner_unit=service.unit_name(units.get(d.owner_unit_id or uuid.UUID(int=0)), locale)
                or None,
                due_on=d.due_on,
                status=d.status,
                overdue=service.is_overdue(d, today),
            )
            for d in view.decisions
        ],
    )
