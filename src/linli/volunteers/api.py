"""Volunteers HTTP API: profiles, leave, matching, hours and figures; a volunteer's own view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from linli.core import clock
from linli.core.deps import Paging
from linli.core.errors import ValidationFailed
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.org import service as org_service
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal
from linli.volunteers import profiles, recognition, service
from linli.volunteers.schemas import (
    BadgeRead,
    HoursRead,
    LeaveCreate,
    LeavePage,
    LeaveRead,
    MatchRead,
    MeRead,
    SignupRead,
    UnitHoursRead,
    VolunteerCreate,
    VolunteerPage,
    VolunteerRead,
    VolunteerUpdate,
)
from linli.volunteers.types import SKILLS

router = APIRouter(tags=["volunteers"])

Reader = Annotated[Principal, Depends(require("volunteers:read"))]
Writer = Annotated[Principal, Depends(require("volunteers:write"))]
Self = Annotated[Principal, Depends(require("volunteers:self"))]


def _badges(hours: float) -> list[BadgeRead]:
    return [
        BadgeRead(code=b.code, hours=b.hours, earned=b.earned)
        for b in recognition.badges_for(hours)
    ]


@router.post("/api/volunteers", status_code=201, response_model=VolunteerRead)
async def create_volunteer(
    body: VolunteerCreate, session: DbSession, principal: Writer
) -> VolunteerRead:
    """Register a volunteer of an org unit (name and phone are stored encrypted)."""
    volunteer = await profiles.create_volunteer(session, body, principal=principal)
    return VolunteerRead.model_validate(volunteer)


@router.get("/api/volunteers", response_model=VolunteerPage)
async def list_volunteers(session: DbSession, principal: Reader, paging: Paging) -> VolunteerPage:
    """List the volunteers of your subtrees, newest first."""
    page = await profiles.list_volunteers(session, principal=principal, paging=paging)
    return VolunteerPage(
        items=[VolunteerRead.model_validate(v) for v in page.items], **page_meta(page)
    )


@router.get("/api/volunteers/me", response_model=MeRead)
async def my_profile(session: DbSession, principal: Self) -> MeRead:
    """Read your own volunteer profile, your shifts (latest first), hours and badges."""
    volunteer = await profiles.my_volunteer(session, principal=principal)
    hours = await recognition.hours_of(session, volunteer.id)
    shifts = await profiles.recent_signups(session, volunteer.id)
    return MeRead(
        volunteer=VolunteerRead.model_validate(volunteer), hours=hours, badges=_badges(hours),
        shifts=[SignupRead.model_validate(s) for s in shifts],
    )  # fmt: skip


@router.get("/api/volunteers/match", response_model=list[MatchRead])
async def match(
    session: DbSession,
    principal: Reader,
    unit_id: uuid.UUID,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    at: datetime | None = None,
    skills: Annotated[list[Key] | None, Query(max_length=16)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[MatchRead]:
    """Find the nearest volunteers of a unit's subtree available at a time (default now),
    with the skills asked for, speakers of `language` first."""
    unit = await org_service.get_unit(session, unit_id)
    if not principal.can("volunteers:read", unit.path):
        raise ValidationFailed("no such org unit", code="unknown_unit")
    unknown = sorted(set(skills or ()) - set(SKILLS))
    if unknown:
        raise ValidationFailed(f"unknown skills: {', '.join(unknown)}", code="unknown_skill")
    when = at or clock.now()
    if when.tzinfo is None:
        raise ValidationFailed("give the time with its offset", code="naive_time")
    found = await service.nearest_available(
        session, org_path=unit.path, lon=lon, lat=lat, at=when,
        skills=frozenset(skills or ()), language=language, limit=limit,
    )  # fmt: skip
    return [
        MatchRead(
            volunteer_id=c.volunteer_id,
            account_id=c.account_id,
            display_name=c.display_name,
            distance_m=c.distance_m,
            languages=list(c.languages),
        )
        for c in found
    ]


@router.get("/api/volunteers/figures/hours", response_model=UnitHoursRead)
async def unit_hours(unit_id: uuid.UUID, session: DbSession, principal: Reader) -> UnitHoursRead:
    """Volunteer hours in a unit's subtree over the last 30 days, per 1,000 residents."""
    figure = await recognition.unit_hours(session, unit_id, principal=principal)
    return UnitHoursRead.model_validate(figure)


@router.get("/api/volunteers/{volunteer_id}", response_model=VolunteerRead)
async def get_volunteer(
    volunteer_id: uuid.UUID, session: DbSession, principal: Reader
) -> VolunteerRead:
    """Read a volunteer's profile (the read is audited)."""
    volunteer = await profiles.get_volunteer(session, volunteer_id, principal=principal)
    return VolunteerRead.model_validate(volunteer)


@router.patch("/api/volunteers/{volunteer_id}", response_model=VolunteerRead)
async def update_volunteer(
    volunteer_id: uuid.UUID, body: VolunteerUpdate, session: DbSession, principal: Writer
) -> VolunteerRead:
    """Change a volunteer's profile: only the fields given."""
    volunteer = await profiles.update_volunteer(session, volunteer_id, body, principal=principal)
    return VolunteerRead.model_validate(volunteer)


@router.get("/api/volunteers/{volunteer_id}/hours", response_model=HoursRead)
async def volunteer_hours(
    volunteer_id: uuid.UUID, session: DbSession, principal: Reader
) -> HoursRead:
    """Read the hours a volunteer has served and the badges they earned."""
    volunteer = await profiles.get_volunteer(session, volunteer_id, principal=principal)
    hours = await recognition.hours_of(session, volunteer.id)
    return HoursRead(volunteer_id=volunteer.id, hours=hours, badges=_badges(hours))


@router.post("/api/volunteers/{volunteer_id}/leave", status_code=201, response_model=LeaveRead)
async def add_leave(
    volunteer_id: uuid.UUID, body: LeaveCreate, session: DbSession, principal: Writer
) -> LeaveRead:
    """Record a period the volunteer is away."""
    leave = await profiles.add_leave(session, volunteer_id, body, principal=principal)
    return LeaveRead.model_validate(leave)


@router.get("/api/volunteers/{volunteer_id}/leave", response_model=LeavePage)
async def list_leave(
    volunteer_id: uuid.UUID, session: DbSession, principal: Reader, paging: Paging
) -> LeavePage:
    """List a volunteer's periods of leave, latest end first."""
    page = await profiles.list_leave(session, volunteer_id, principal=principal, paging=paging)
    return LeavePage(items=[LeaveRead.model_validate(x) for x in page.items], **page_meta(page))


@router.delete("/api/volunteers/{volunteer_id}/leave/{leave_id}", status_code=204)
async def delete_leave(
    volunteer_id: uuid.UUID, leave_id: uuid.UUID, session: DbSession, principal: Writer
) -> None:
    """Take back a period of leave."""
    await profiles.delete_leave(session, volunteer_id, leave_id, principal=principal)
