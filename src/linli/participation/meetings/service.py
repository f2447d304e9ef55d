"""Council meetings: plan them, run them live (current item, minutes, decisions), follow the
decisions up to done, and let residents register and check in.

The room's public door: staff actions take a `Principal` and check `meetings:read` or
`meetings:run` on the meeting's subtree; resident actions take a `ResidentActor` and check the
`Need` declared beside them (`registrations`). Everything public that happens at a meeting is
logged as a `meeting.updated` event, which the meeting's live page streams.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.meetings import repository as repo
from linli.participation.meetings.common import (
    BODY_NAMES,
    body_name,
    is_overdue,
    item_of,
    local_today,
    log_public,
    owner_units,
    public_decision,
    public_minute,
    site_zone,
    taking_notes,
    unit_name,
    unit_of,
    viewer_today,
)
from linli.participation.meetings.decisions import (
    add_decision,
    decision_updates,
    follow_up,
    get_decision,
    list_decisions,
    may_follow_up,
    owner_choices,
    staff_around,
)
from linli.participation.meetings.errors import BadTransition, MeetingNotFound, NotLive
from linli.participation.meetings.models import AgendaItem, Decision, Meeting, MinuteEntry
from linli.participation.meetings.registrations import (
    CHECK_IN,
    REGISTER,
    cancel_registration,
    check_in_by_staff,
    fill_from_waitlist,
    list_registrations,
    my_registrations,
    register,
    registrations_of,
    self_check_in,
    upcoming_for,
)
from linli.participation.meetings.schemas import MeetingCreate, MeetingUpdate
from linli.security import audit
from linli.security.permissions import Principal

__all__ = [
    "BODY_NAMES",
    "CHECK_IN",
    "REGISTER",
    "add_decision",
    "body_name",
    "cancel_registration",
    "check_in_by_staff",
    "decision_updates",
    "follow_up",
    "get_decision",
    "is_overdue",
    "list_decisions",
    "list_registrations",
    "local_today",
    "may_follow_up",
    "my_registrations",
    "owner_choices",
    "owner_units",
    "public_decision",
    "public_minute",
    "register",
    "registrations_of",
    "self_check_in",
    "site_zone",
    "staff_around",
    "unit_name",
    "unit_of",
    "upcoming_for",
    "viewer_today",
]
# Where a meeting may go from each status.
MOVES = {"planned": {"live", "cancelled"}, "live": {"ended"}, "ended": set(), "cancelled": set()}


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed("a meeting ends after it starts", code="ends_before_start")


def _check_mode(mode: str, venue: str | None, stream_url: str | None) -> None:
    if mode in ("in_person", "hybrid") and not venue:
        raise ValidationFailed("a meeting in person needs a venue", code="venue_required")
    if mode == "online" and not stream_url:
        raise ValidationFailed("an online meeting needs a stream URL", code="stream_url_required")


async def plan_meeting(
    session: AsyncSession, data: MeetingCreate, *, principal: Principal
) -> Meeting:
    """Plan a meeting of the council (or committee) of an org unit, with its agenda."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    principal.require("meetings:run", unit.path)
    _check_times(data.starts_at, data.ends_at)
    _check_mode(data.mode, data.venue, data.stream_url)
    meeting = Meeting(
        unit_id=unit.id,
        org_path=unit.path,
        title=data.title,
        mode=data.mode,
        venue=data.venue or None,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        stream_url=data.stream_url,
        capacity=data.capacity,
        registered_count=0,
        status="planned",
        checkin_code=f"{secrets.randbelow(1_000_000):06d}",
        created_by=principal.actor,
    )
    session.add(meeting)
    await session.flush()
    for position, title in enumerate(data.agenda, start=1):
        session.add(AgendaItem(meeting_id=meeting.id, position=position, title=title))
    await audit.record(
        session, actor=principal.actor, action="meeting.plan", target_type="meeting",
        target_id=str(meeting.id), org_path=meeting.org_path,
    )  # fmt: skip
    return meeting


async def get_meeting(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = "meetings:read",
    for_update: bool = False,
) -> Meeting:
    """Return a meeting in the principal's subtree (404 outside it), checking `permission`."""
    meeting = await repo.get_meeting(session, meeting_id, for_update=for_update)
    if meeting is None or not principal.can("meetings:read", meeting.org_path):
        raise MeetingNotFound()
    principal.require(permission, meeting.org_path)
    return meeting


async def find_meeting(session: AsyncSession, meeting_id: uuid.UUID) -> Meeting:
    """Return any meeting, as the public reads it (meetings are public notices)."""
    meeting = await repo.get_meeting(session, meeting_id)
    if meeting is None:
        raise MeetingNotFound()
    return meeting


async def list_meetings(
    session: AsyncSession, *, principal: Principal, paging: PageQuery, upcoming: bool = False
) -> Page[Meeting]:
    """List the meetings of the principal's subtree: newest first, or upcoming soonest first."""
    where: list[ColumnElement[bool]] = [principal.scope("meetings:read", Meeting.org_path)]
    if upcoming:
        where += [Meeting.ends_at >= clock.now(), Meeting.status.in_(("planned", "live"))]
    return await repo.list_meetings(session, where, paging, upcoming=upcoming)


async def update_meeting(
    session: AsyncSession, meeting: Meeting, data: MeetingUpdate, *, principal: Principal
) -> Meeting:
    """Change a planned or live meeting's facts; a larger capacity lets the waitlist in."""
    principal.require("meetings:run", meeting.org_path)
    if meeting.status in ("ended", "cancelled"):
        raise BadTransition("an ended or cancelled meeting no longer changes")
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(meeting, field, value)
    _check_times(meeting.starts_at, meeting.ends_at)
    _check_mode(meeting.mode, meeting.venue, meeting.stream_url)
    if meeting.capacity is not None and meeting.capacity < meeting.registered_count:
        raise ValidationFailed(
            f"{meeting.registered_count} people are registered already",
            code="capacity_below_registered",
        )
    meeting.updated_at = clock.now()
    await session.flush()
    if "capacity" in changes:
        await fill_from_waitlist(session, meeting)
    return meeting


async def add_agenda_item(
    session: AsyncSession, meeting: Meeting, title: str, *, principal: Principal
) -> AgendaItem:
    """Add an item at the end of a meeting's agenda."""
    principal.require("meetings:run", meeting.org_path)
    if meeting.status in ("ended", "cancelled"):
        raise BadTransition("an ended or cancelled meeting's agenda no longer changes")
    item = AgendaItem(
        meeting_id=meeting.id,
        position=await repo.next_position(session, meeting.id),
        title=title,
    )
    session.add(item)
    await session.flush()
    return item


async def agenda(session: AsyncSession, meeting: Meeting) -> Sequence[AgendaItem]:
    """Return a meeting's agenda in order."""
    return await repo.agenda(session, meeting.id)


async def set_status(
    session: AsyncSession, meeting: Meeting, status: str, *, principal: Principal
) -> Meeting:
    """Open a meeting (live), close it (ended) or cancel a planned one."""
    principal.require("meetings:run", meeting.org_path)
    if status == meeting.status:
        return meeting
    if status not in MOVES[meeting.status]:
        raise BadTransition(f"a {meeting.status} meeting cannot become {status}")
    meeting.status = status
    meeting.updated_at = clock.now()
    if status == "ended":
        meeting.current_item_id = None
    log_public(meeting, session, "status", {"status": status, "at": clock.now().isoformat()})
    await audit.record(
        session, actor=principal.actor, action=f"meeting.{status}", target_type="meeting",
        target_id=str(meeting.id), org_path=meeting.org_path,
    )  # fmt: skip
    return meeting


async def set_current_item(
    session: AsyncSession, meeting: Meeting, item_id: uuid.UUID | None, *, principal: Principal
) -> Meeting:
    """Say which agenda item the live meeting is on (None: between items)."""
    principal.require("meetings:run", meeting.org_path)
    if meeting.status != "live":
        raise NotLive()
    item = await item_of(session, meeting, item_id)
    meeting.current_item_id = item.id if item else None
    meeting.updated_at = clock.now()
    log_public(meeting, session, "item", {
        "id": str(item.id) if item else None, "position": item.position if item else None,
        "title": item.title if item else None,
    })  # fmt: skip
    return meeting


async def add_minute(
    session: AsyncSession,
    meeting: Meeting,
    *,
    text: str,
    agenda_item_id: uuid.UUID | None,
    public: bool,
    principal: Principal,
) -> MinuteEntry:
    """Write a line of the minutes; a public line reaches the live page at once."""
    principal.require("meetings:run", meeting.org_path)
    taking_notes(meeting)
    locked = await repo.get_meeting(session, meeting.id, for_update=True)
    assert locked is not None
    item = await item_of(session, meeting, agenda_item_id or meeting.current_item_id)
    entry = MinuteEntry(
        meeting_id=meeting.id,
        seq=await repo.next_minute_seq(session, meeting.id),
        agenda_item_id=item.id if item else None,
        text=text,
        public=public,
        at=clock.now(),
        actor=principal.actor,
    )
    session.add(entry)
    await session.flush()
    if public:
        log_public(meeting, session, "minute", public_minute(entry))
    return entry


async def publish_minutes(
    session: AsyncSession, meeting: Meeting, *, principal: Principal
) -> Meeting:
    """Publish an ended meeting's minutes as final."""
    principal.require("meetings:run", meeting.org_path)
    if meeting.status != "ended":
        raise BadTransition("minutes are published once the meeting has ended")
    meeting.minutes_published_at = meeting.minutes_published_at or clock.now()
    await audit.record(
        session, actor=principal.actor, action="meeting.publish_minutes", target_type="meeting",
        target_id=str(meeting.id), org_path=meeting.org_path,
    )  # fmt: skip
    return meeting


@dataclass(frozen=True, slots=True)
class MeetingView:
    """Everything staff read of a meeting on its console."""

    meeting: Meeting
    unit: OrgUnit | None
    agenda: Sequence[AgendaItem]
    minutes: Sequence[MinuteEntry]
    decisions: Sequence[Decision]
    counts: dict[str, int]


async def view_meeting(
    session: AsyncSession, meeting: Meeting, *, public_only: bool = False
) -> MeetingView:
    """Return a meeting with its unit, agenda, minutes, decisions and registration counts."""
    return MeetingView(
        meeting=meeting,
        unit=await unit_of(session, meeting),
        agenda=await repo.agenda(session, meeting.id),
        minutes=await repo.minutes(session, meeting.id, public_only=public_only),
        decisions=await repo.decisions_of(session, meeting.id, public_only=public_only),
        counts=await repo.count_by(session, meeting.id),
    )
