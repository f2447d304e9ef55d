"""What the meeting room's modules share: the body that meets and its name, the site's date,
the public event of a meeting, and checks of agenda items and owners."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events, localtime
from linli.core.errors import NotFound, ValidationFailed
from linli.core.i18n import N_
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.meetings.errors import AgendaItemNotFound, NotLive
from linli.participation.meetings.events import MeetingUpdated
from linli.participation.meetings.models import AgendaItem, Decision, Meeting, MinuteEntry
from linli.security.permissions import Principal

# The body that meets, named by the site's governance profile.
BODY_NAMES = {"grid": N_("Residents' council"), "town": N_("Residents' committee")}


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


async def site_zone(session: AsyncSession, meeting: Meeting) -> str:
    """Return the time zone the meeting's times are shown in (its site's)."""
    return await org_service.site_timezone(session, meeting.unit_id)


async def local_today(session: AsyncSession, meeting_or_unit: Meeting | uuid.UUID) -> date:
    """Return today's date on the clock of the meeting's site."""
    unit_id = meeting_or_unit.unit_id if isinstance(meeting_or_unit, Meeting) else meeting_or_unit
    zone = await org_service.site_timezone(session, unit_id)
    return localtime.local(clock.now(), zone).date()


def log_public(meeting: Meeting, session: AsyncSession, kind: str, item: dict[str, Any]) -> None:
    events.record(
        session,
        MeetingUpdated(org_path=meeting.org_path, meeting_id=meeting.id, kind=kind, item=item),
    )


async def item_of(
    session: AsyncSession, meeting: Meeting, item_id: uuid.UUID | None
) -> AgendaItem | None:
    if item_id is None:
        return None
    found = await session.get(AgendaItem, item_id)
    if found is None or found.meeting_id != meeting.id:
        raise AgendaItemNotFound()
    return found


def taking_notes(meeting: Meeting) -> None:
    if meeting.status not in ("live", "ended"):
        raise NotLive()


async def owner_unit(session: AsyncSession, unit_id: uuid.UUID | None) -> OrgUnit | None:
    if unit_id is None:
        return None
    try:
        return await org_service.get_unit(session, unit_id)
    except NotFound as err:  # an unknown unit named in the body
        raise ValidationFailed("no such org unit", code="unknown_owner_unit") from err


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
