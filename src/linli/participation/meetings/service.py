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
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events, localtime
from linli.core.errors import NotFound, ValidationFailed
from linli.core.i18n import N_
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.meetings import repository as repo
from linli.participation.meetings.errors import (
    AgendaItemNotFound,
    BadTransition,
    DecisionNotFound,
    MeetingNotFound,
    NotLive,
)
from linli.participation.meetings.events import MeetingUpdated
from linli.participation.meetings.models import (
    AgendaItem,
    Decision,
    DecisionUpdate,
    Meeting,
    MinuteEntry,
)
from linli.participation.meetings.registrations import (
    CHECK_IN,
    REGISTER,
    cancel_registration,
    check_in_by_staff,
    fill_from_waitlist,
    list_registrations,
    my_registrations,
    register,
    self_check_in,
    upcoming_for,
)
from linli.participation.meetings.schemas import DecisionCreate, MeetingCreate, MeetingUpdate
from linli.security import audit
from linli.security.models import StaffAccount
from linli.security.permissions import Principal

__all__ = [
    "CHECK_IN",
    "REGISTER",
    "cancel_registration",
    "check_in_by_staff",
    "list_registrations",
    "my_registrations",
    "register",
    "self_check_in",
    "upcoming_for",
]

# The body that meets, named by the site's governance profile.
BODY_NAMES = {"grid": N_("Residents' council"), "town": N_("Residents' committee")}
MODE_LABELS = {"in_person": N_("In person"), "online": N_("Online"), "hybrid": N_("Hybrid")}
STATUS_LABELS = {
    "planned": N_("Planned"),
    "live": N_("Live now"),
    "ended": N_("Ended"),
    "cancelled": N_("Cancelled"),
}
DECISION_STATUS_LABELS = {"open": N_("Open"), "in_progress": N_("In progress"), "done": N_("Done")}
# Where a meeting may go from each status.
MOVES = {"planned": {"live", "cancelled"}, "live": {"ended"}, "ended": set(), "cancelled": set()}


def body_name(unit: OrgUnit | None) -> str:
    """Return the (untranslated) name of the body that meets at `unit`: council or committee."""
    return BODY_NAMES.get(unit.profile if unit is not None else "grid", BODY_NAMES["grid"])


def is_overdue(decision: Decision, today: date) -> bool:
    """Return whether a decision is past its due date and not done."""
    return decision.status != "done" and decision.due_on < today


async def unit_of(session: AsyncSession, meeting: Meeting) -> OrgUnit | None:
    """Return the org unit whose council meets (None if it has been removed since)."""
    try:
        return await org_service.get_unit(session, meeting.unit_id)
    except NotFound:
        return None


def unit_name(unit: OrgUnit | None, locale: str) -> str:
    """Return a unit's name in the reader's language (Chinese where it has one), else ''."""
    if unit is None:
        return ""
    if locale.startswith("zh") and unit.name_zh:
        return unit.name_zh
    return unit.name


async def viewer_today(session: AsyncSession, principal: Principal) -> date:
    """Return today's date on the clock of the principal's site (their first unit's)."""
    if not principal.grants:
        return localtime.local(clock.now(), "UTC").date()
    return await local_today(session, principal.grants[0].unit_id)


async def local_today(session: AsyncSession, meeting_or_unit: Meeting | uuid.UUID) -> date:
    """Return today's date on the clock of the meeting's site."""
    unit_id = meeting_or_unit.unit_id if isinstance(meeting_or_unit, Meeting) else meeting_or_unit
    zone = await org_service.site_timezone(session, unit_id)
    return localtime.local(clock.now(), zone).date()


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed("a meeting ends after it starts", code="ends_before_start")


def _check_mode(mode: str, venue: str | None, stream_url: str | None) -> None:
    if mode in ("in_person", "hybrid") and not venue:
        raise ValidationFailed("a meeting in person needs a venue", code="venue_required")
    if mode == "online" and not stream_url:
        raise ValidationFailed("an online meeting needs a stream URL", code="stream_url_required")


def _log(meeting: Meeting, session: AsyncSession, kind: str, item: dict[str, Any]) -> None:
    events.record(
        session,
        MeetingUpdated(org_path=meeting.org_path, meeting_id=meeting.id, kind=kind, item=item),
    )


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
    _log(meeting, session, "status", {"status": status, "at": clock.now().isoformat()})
    await audit.record(
        session, actor=principal.actor, action=f"meeting.{status}", target_type="meeting",
        target_id=str(meeting.id), org_path=meeting.org_path,
    )  # fmt: skip
    return meeting


async def _item_of(
    session: AsyncSession, meeting: Meeting, item_id: uuid.UUID | None
) -> AgendaItem | None:
    if item_id is None:
        return None
    found = await session.get(AgendaItem, item_id)
    if found is None or found.meeting_id != meeting.id:
        raise AgendaItemNotFound()
    return found


async def set_current_item(
    session: AsyncSession, meeting: Meeting, item_id: uuid.UUID | None, *, principal: Principal
) -> Meeting:
    """Say which agenda item the live meeting is on (None: between items)."""
    principal.require("meetings:run", meeting.org_path)
    if meeting.status != "live":
        raise NotLive()
    item = await _item_of(session, meeting, item_id)
    meeting.current_item_id = item.id if item else None
    meeting.updated_at = clock.now()
    _log(meeting, session, "item", {
        "id": str(item.id) if item else None, "position": item.position if item else None,
        "title": item.title if item else None,
    })  # fmt: skip
    return meeting


def _taking_notes(meeting: Meeting) -> None:
    if meeting.status not in ("live", "ended"):
        raise NotLive()


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
    _taking_notes(meeting)
    locked = await repo.get_meeting(session, meeting.id, for_update=True)
    assert locked is not None
    item = await _item_of(session, meeting, agenda_item_id or meeting.current_item_id)
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
        _log(meeting, session, "minute", public_minute(entry))
    return entry


async def _owner_unit(session: AsyncSession, unit_id: uuid.UUID | None) -> OrgUnit | None:
    if unit_id is None:
        return None
    try:
        return await org_service.get_unit(session, unit_id)
    except NotFound as err:  # an unknown unit named in the body
        raise ValidationFailed("no such org unit", code="unknown_owner_unit") from err


async def add_decision(
    session: AsyncSession, meeting: Meeting, data: DecisionCreate, *, principal: Principal
) -> Decision:
    """Record a decision with its owner (a staff member or an org unit) and due date."""
    principal.require("meetings:run", meeting.org_path)
    _taking_notes(meeting)
    if data.owner_account_id is None and data.owner_unit_id is None:
        raise ValidationFailed("a decision needs an owner", code="owner_required")
    if data.owner_account_id is not None:
        owner = await session.get(StaffAccount, data.owner_account_id)
        if owner is None:
            raise ValidationFailed("no such staff member", code="unknown_owner")
    unit = await _owner_unit(session, data.owner_unit_id)
    item = await _item_of(session, meeting, data.agenda_item_id or meeting.current_item_id)
    decision = Decision(
        meeting_id=meeting.id,
        org_path=meeting.org_path,
        agenda_item_id=item.id if item else None,
        text=data.text,
        public=data.public,
        owner_account_id=data.owner_account_id,
        owner_unit_id=unit.id if unit else None,
        due_on=data.due_on,
        status="open",
        actor=principal.actor,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    session.add(decision)
    await session.flush()
    if data.public:
        _log(meeting, session, "decision", public_decision(decision, unit, today=None))
    return decision


async def get_decision(
    session: AsyncSession, decision_id: uuid.UUID, *, principal: Principal
) -> Decision:
    """Return a decision in the principal's subtree (404 outside it)."""
    decision = await repo.get_decision(session, decision_id)
    if decision is None or not (
        principal.can("meetings:read", decision.org_path)
        or decision.owner_account_id == principal.account_id
    ):
        raise DecisionNotFound()
    return decision


def may_follow_up(principal: Principal, decision: Decision) -> bool:
    """Return whether the principal may report progress: its owner, or who runs meetings there."""
    return decision.owner_account_id == principal.account_id or principal.can(
        "meetings:run", decision.org_path
    )


async def follow_up(
    session: AsyncSession, decision: Decision, *, status: str, note: str, principal: Principal
) -> DecisionUpdate:
    """Record progress on a decision: its new status and what was done."""
    if not may_follow_up(principal, decision):
        principal.require("meetings:run", decision.org_path)
    if status == "done" and not note.strip():
        raise ValidationFailed("say what was done", code="note_required")
    now = clock.now()
    update = DecisionUpdate(
        decision_id=decision.id, status=status, note=note.strip(), at=now, actor=principal.actor
    )
    session.add(update)
    decision.status = status
    decision.done_at = now if status == "done" else None
    decision.updated_at = now
    await session.flush()
    if decision.public:
        meeting = await repo.get_meeting(session, decision.meeting_id)
        assert meeting is not None
        unit = await _owner_unit(session, decision.owner_unit_id)
        _log(meeting, session, "decision", public_decision(decision, unit, today=None))
    return update


async def decision_updates(session: AsyncSession, decision: Decision) -> Sequence[DecisionUpdate]:
    """Return a decision's updates, oldest first."""
    return await repo.updates_of(session, decision.id)


async def list_decisions(
    session: AsyncSession,
    *,
    principal: Principal,
    paging: PageQuery,
    today: date,
    status: str | None = None,
    overdue: bool = False,
    meeting_id: uuid.UUID | None = None,
) -> Page[Decision]:
    """List the decisions board of the principal's subtree: open work first, soonest due."""
    where: list[ColumnElement[bool]] = [principal.scope("meetings:read", Decision.org_path)]
    if status is not None:
        where.append(Decision.status == status)
    if overdue:
        where.append(repo.overdue_clause(today))
    if meeting_id is not None:
        where.append(Decision.meeting_id == meeting_id)
    return await repo.list_decisions(session, where, paging)


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


def public_minute(entry: MinuteEntry) -> dict[str, Any]:
    """Return a line of the minutes as the public reads it (never who wrote it)."""
    return {
        "id": str(entry.id), "seq": entry.seq, "text": entry.text, "at": entry.at.isoformat(),
        "agenda_item_id": str(entry.agenda_item_id) if entry.agenda_item_id else None,
    }  # fmt: skip


def public_decision(
    decision: Decision, unit: OrgUnit | None, *, today: date | None
) -> dict[str, Any]:
    """Return a decision as the public reads it: the owner's unit by name, never a person."""
    return {
        "id": str(decision.id),
        "text": decision.text,
        "due_on": decision.due_on.isoformat(),
        "status": decision.status,
        "overdue": is_overdue(decision, today) if today is not None else False,
        "owner_unit": None if unit is None else {"name": unit.name, "name_zh": unit.name_zh},
        "agenda_item_id": str(decision.agenda_item_id) if decision.agenda_item_id else None,
    }


async def owner_units(
    session: AsyncSession, decisions: Sequence[Decision]
) -> dict[uuid.UUID, OrgUnit]:
    """Return the owner units of `decisions` by id."""
    found: dict[uuid.UUID, OrgUnit] = {}
    for unit_id in {d.owner_unit_id for d in decisions if d.owner_unit_id}:
        try:
            found[unit_id] = await org_service.get_unit(session, unit_id)
        except NotFound:  # a removed unit is named by nobody
            continue
    return found


async def staff_around(session: AsyncSession, meeting: Meeting) -> Sequence[StaffAccount]:
    """Return the staff a decision of this meeting may be given to (of its unit or above)."""
    return await repo.staff_around(session, meeting.org_path)


async def owner_choices(session: AsyncSession, meeting: Meeting) -> list[OrgUnit]:
    """Return the units a decision may go to: the meeting's subtree (no grids) and its tree's
    departments."""
    unit = await unit_of(session, meeting)
    if unit is None:
        return []
    root = (await org_service.ancestors(session, unit) or [unit])[0]
    inside = await org_service.subtree(session, unit)
    departments = await org_service.subtree(session, root, kinds=("department",))
    seen = {u.id for u in inside}
    return [u for u in inside if u.kind != "grid"] + [d for d in departments if d.id not in seen]
