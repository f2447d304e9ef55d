"""Residents at meetings: registration up to the limit (then the waitlist), cancelling (the
waitlist moves up), check-in by staff or by the code said at the venue, and the lists."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict, NotFound
from linli.core.i18n import N_
from linli.core.pagination import Page, PageQuery
from linli.participation.meetings import repository as repo
from linli.participation.meetings.errors import (
    MeetingClosed,
    MeetingNotFound,
    RegistrationNotFound,
    WrongCode,
)
from linli.participation.meetings.models import Meeting, Registration
from linli.residents import service as residents_service
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

# What a resident needs to take a place at a meeting, and to check in: a confirmed phone and a
# home inside the area of the council that meets (the meeting's unit, added per meeting).
REGISTER = Need(Level.PHONE)
CHECK_IN = Need(Level.PHONE)


def _need(base: Need, meeting: Meeting) -> Need:
    return Need(base.level, area_path=meeting.org_path)


def _open(meeting: Meeting) -> None:
    if meeting.status in ("ended", "cancelled") or meeting.ends_at <= clock.now():
        raise MeetingClosed()


async def _meeting(session: AsyncSession, meeting_id: uuid.UUID) -> Meeting:
    meeting = await repo.get_meeting(session, meeting_id)
    if meeting is None:
        raise MeetingNotFound()
    return meeting


async def register(
    session: AsyncSession, meeting_id: uuid.UUID, *, actor: ResidentActor
) -> Registration:
    """Take a place at a meeting, or a place on its waitlist when it is full."""
    meeting = await _meeting(session, meeting_id)
    actor.require(_need(REGISTER, meeting))
    _open(meeting)
    existing = await repo.registration_of(session, meeting.id, actor.account_id)
    if existing is not None and existing.status != "cancelled":
        return existing  # registering twice changes nothing
    placed = await repo.take_place(session, meeting.id)
    status = "registered" if placed else "waitlisted"
    now = clock.now()
    if existing is not None:
        existing.status, existing.actor, existing.updated_at = status, actor.actor, now
        existing.created_at = now  # back of the waitlist
        registration = existing
    else:
        registration = Registration(
            meeting_id=meeting.id, account_id=actor.account_id, actor=actor.actor,
            status=status, created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(registration)
        except IntegrityError as err:  # the same resident, at the same instant, elsewhere
            raise Conflict("already registered", code="already_registered") from err
    await session.flush()
    await audit.record(
        session, actor=actor.actor, action=f"meeting.{status}", target_type="meeting",
        target_id=str(meeting.id), org_path=meeting.org_path,
    )  # fmt: skip
    return registration


async def _tell_promoted(
    session: AsyncSession, meeting: Meeting, registration: Registration
) -> None:
    # An account erased since it registered has nobody to tell.
    with contextlib.suppress(NotFound):
        await residents_service.notify(
            session,
            registration.account_id,
            subject=N_("You have a place at {title}"),
            body=N_(
                "A place came free at {title} and it is yours. "
                "Give it up on your meetings page if you cannot come."
            ),
            params={"title": meeting.title},
            link="/my/meetings",
            dedupe_key=f"meeting-place:{registration.id}:{registration.updated_at.isoformat()}",
        )


async def fill_from_waitlist(session: AsyncSession, meeting: Meeting) -> int:
    """Give places that came free to the waitlist, longest waiting first; return how many."""
    moved = 0
    while (waiting := await repo.first_waitlisted(session, meeting.id)) is not None:
        if not await repo.take_place(session, meeting.id):
            break
        waiting.status, waiting.updated_at = "registered", clock.now()
        await session.flush()
        await _tell_promoted(session, meeting, waiting)
        moved += 1
    return moved


async def cancel_registration(
    session: AsyncSession, meeting_id: uuid.UUID, *, actor: ResidentActor
) -> Registration:
    """Give up a place (or a waitlist place); the first on the waitlist takes a freed place."""
    meeting = await repo.get_meeting(session, meeting_id, for_update=True)
    if meeting is None:
        raise MeetingNotFound()
    registration = await repo.registration_of(session, meeting.id, actor.account_id)
    if registration is None or registration.status == "cancelled":
        raise RegistrationNotFound()
    _open(meeting)
    was = registration.status
    registration.status, registration.updated_at = "cancelled", clock.now()
    await session.flush()
    if was == "registered":
        await repo.give_back_place(session, meeting.id)
        await fill_from_waitlist(session, meeting)
    await audit.record(
        session, actor=actor.actor, action="meeting.cancel_registration", target_type="meeting",
        target_id=str(meeting.id), org_path=meeting.org_path,
    )  # fmt: skip
    return registration


def _attend(registration: Registration, by: str) -> Registration:
    if registration.status != "registered":
        raise Conflict("only a registered place checks in", code="not_registered")
    if registration.attended_at is None:
        registration.attended_at = clock.now()
        registration.checked_in_by = by
    return registration


async def self_check_in(
    session: AsyncSession, meeting_id: uuid.UUID, code: str, *, actor: ResidentActor
) -> Registration:
    """Check in at the venue with the code said there."""
    meeting = await _meeting(session, meeting_id)
    actor.require(_need(CHECK_IN, meeting))
    if meeting.status != "live":
        raise MeetingClosed("check-in opens when the meeting starts")
    if code.strip() != meeting.checkin_code:
        raise WrongCode()
    registration = await repo.registration_of(session, meeting.id, actor.account_id)
    if registration is None:
        raise RegistrationNotFound()
    return _attend(registration, actor.actor)


async def check_in_by_staff(
    session: AsyncSession, meeting: Meeting, registration_id: uuid.UUID, *, principal: Principal
) -> Registration:
    """Mark a registered resident as present."""
    principal.require("meetings:run", meeting.org_path)
    registration = await repo.get_registration(session, meeting.id, registration_id)
    if registration is None:
        raise RegistrationNotFound()
    return _attend(registration, principal.actor)


async def list_registrations(
    session: AsyncSession, meeting: Meeting, *, paging: PageQuery, status: str | None = None
) -> Page[Registration]:
    """List a meeting's registrations in the order they came (the waitlist's order)."""
    where: list[ColumnElement[bool]] = [Registration.meeting_id == meeting.id]
    if status is not None:
        where.append(Registration.status == status)
    return await repo.list_registrations(session, where, paging, mine=False)


async def my_registrations(
    session: AsyncSession, *, actor: ResidentActor, paging: PageQuery
) -> Page[Registration]:
    """List the resident's own registrations, newest first."""
    where: list[ColumnElement[bool]] = [Registration.account_id == actor.account_id]
    return await repo.list_registrations(session, where, paging, mine=True)


async def registrations_of(
    session: AsyncSession, *, actor: ResidentActor, meetings: list[uuid.UUID]
) -> dict[uuid.UUID, Registration]:
    """Return the resident's registrations for `meetings`, by meeting."""
    return {
        r.meeting_id: r for r in await repo.registrations_for(session, actor.account_id, meetings)
    }


async def upcoming_for(
    session: AsyncSession, *, actor: ResidentActor, paging: PageQuery
) -> Page[Meeting]:
    """List the meetings still to come of the councils whose area holds the resident's home."""
    where: list[ColumnElement[Any]] = [
        Meeting.ends_at >= clock.now(),
        Meeting.status.in_(("planned", "live")),
    ]
    if actor.org_path is None:
        where.append(false())  # no home known: no council of theirs
    else:
        where.append(Meeting.org_path.in_(repo.ancestor_paths(actor.org_path)))
    return await repo.list_meetings(session, where, paging, upcoming=True)
