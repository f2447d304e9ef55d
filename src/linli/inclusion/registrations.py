"""Residents at sessions: a place up to the capacity (then the waitlist), cancelling (the
waitlist moves up), walk-ins entered by staff, attendance, and the courses a resident completed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, false
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, localtime
from linli.core.errors import Conflict, ValidationFailed
from linli.core.i18n import N_
from linli.core.pagination import Page, PageQuery
from linli.inclusion import repository as repo
from linli.inclusion.common import WRITE, title_in
from linli.inclusion.errors import RegistrationNotFound, SessionNotFound, SessionOver
from linli.inclusion.models import CourseSession, SessionRegistration
from linli.inclusion.schemas import CompletedCourse, RegistrationRead, WalkIn
from linli.org import service as org_service
from linli.registry.models import Resident
from linli.residents import service as residents_service
from linli.residents.models import ResidentAccount
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

# A resident takes a place with a confirmed phone and a home in the course's area.
REGISTER = Need(Level.PHONE)


def _open(found: CourseSession) -> None:
    if found.ends_at <= clock.now():
        raise SessionOver()


async def _place(
    session: AsyncSession, found: CourseSession, registration: SessionRegistration
) -> SessionRegistration:
    placed = await repo.take_place(session, found.id)
    registration.status = "registered" if placed else "waitlisted"
    await session.flush()
    await audit.record(
        session, actor=registration.actor, action=f"inclusion.{registration.status}",
        target_type="inclusion_session", target_id=str(found.id), org_path=found.org_path,
    )  # fmt: skip
    return registration


async def register(
    session: AsyncSession, session_id: uuid.UUID, *, actor: ResidentActor
) -> SessionRegistration:
    """Take a place at a session, or a place on its waitlist when it is full."""
    found = await repo.get_session(session, session_id)
    if found is None:
        raise SessionNotFound()
    actor.require(Need(REGISTER.level, area_path=found.org_path))
    _open(found)
    existing = await repo.registration_of(session, found.id, actor.account_id)
    if existing is not None and existing.status != "cancelled":
        return existing  # registering twice changes nothing
    now = clock.now()
    if existing is not None:
        existing.actor, existing.updated_at, existing.created_at = actor.actor, now, now
        return await _place(session, found, existing)
    registration = SessionRegistration(
        session_id=found.id, course_id=found.course_id, org_path=found.org_path,
        account_id=actor.account_id, actor=actor.actor, status="waitlisted",
        created_at=now, updated_at=now,
    )  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(registration)
    except IntegrityError as err:  # the same resident, at the same instant, elsewhere
        raise Conflict("already registered", code="already_registered") from err
    return await _place(session, found, registration)


async def register_walk_in(
    session: AsyncSession, found: CourseSession, data: WalkIn, *, principal: Principal
) -> SessionRegistration:
    """Register a resident who came by or called: their account, or their name and phone."""
    principal.require(WRITE, found.org_path)
    _open(found)
    if data.account_id is None and data.name is None:
        raise ValidationFailed("name the resident or their account", code="walk_in_needs_name")
    if data.account_id is not None:
        if await session.get(ResidentAccount, data.account_id) is None:
            raise ValidationFailed("no such resident account", code="unknown_account")
        existing = await repo.registration_of(session, found.id, data.account_id)
        if existing is not None and existing.status != "cancelled":
            return existing
        if existing is not None:
            existing.actor = principal.actor
            existing.created_at = existing.updated_at = clock.now()
            return await _place(session, found, existing)
    if (
        data.registry_resident_id is not None
        and await session.get(Resident, data.registry_resident_id) is None
    ):
        raise ValidationFailed("no such resident in the registry", code="unknown_resident")
    now = clock.now()
    registration = SessionRegistration(
        session_id=found.id, course_id=found.course_id, org_path=found.org_path,
        account_id=data.account_id, registry_resident_id=data.registry_resident_id,
        name=data.name, phone=data.phone,
        actor=principal.actor, status="waitlisted", created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(registration)
    return await _place(session, found, registration)


async def _tell_promoted(
    session: AsyncSession, found: CourseSession, registration: SessionRegistration
) -> None:
    if registration.account_id is None:
        return  # a walk-in: staff call them
    account = await session.get(ResidentAccount, registration.account_id)
    course = await repo.get_course(session, found.course_id)
    if account is None or course is None:
        return  # an account erased since has nobody to tell
    zone = await org_service.site_timezone(session, course.unit_id)
    when = localtime.local(found.starts_at, zone).strftime("%Y-%m-%d %H:%M")
    await residents_service.notify(
        session, account.id,
        subject=N_("You have a place at {title}"),
        body=N_("A place came free at {title} on {when} and it is yours."),
        params={"title": title_in(course, account.locale), "when": when},
        link="/my/courses",
        dedupe_key=f"inclusion-place:{registration.id}:{registration.updated_at.isoformat()}",
    )  # fmt: skip


async def fill_from_waitlist(session: AsyncSession, found: CourseSession) -> int:
    """Give places that came free to the waitlist, longest waiting first; return how many."""
    moved = 0
    while (waiting := await repo.first_waitlisted(session, found.id)) is not None:
        if not await repo.take_place(session, found.id):
            break
        waiting.status, waiting.updated_at = "registered", clock.now()
        await session.flush()
        await _tell_promoted(session, found, waiting)
        moved += 1
    return moved


async def _cancel(
    session: AsyncSession, found: CourseSession, registration: SessionRegistration, actor: str
) -> SessionRegistration:
    _open(found)
    was = registration.status
    registration.status, registration.updated_at = "cancelled", clock.now()
    await session.flush()
    if was == "registered":
        await repo.give_back_place(session, found.id)
        await fill_from_waitlist(session, found)
    await audit.record(
        session, actor=actor, action="inclusion.cancel", target_type="inclusion_session",
        target_id=str(found.id), org_path=found.org_path,
    )  # fmt: skip
    return registration


async def cancel_registration(
    session: AsyncSession, session_id: uuid.UUID, *, actor: ResidentActor
) -> SessionRegistration:
    """Give up a place (or a waitlist place); the first on the waitlist takes a freed place."""
    found = await repo.get_session(session, session_id, for_update=True)
    if found is None:
        raise SessionNotFound()
    registration = await repo.registration_of(session, found.id, actor.account_id)
    if registration is None or registration.status == "cancelled":
        raise RegistrationNotFound()
    return await _cancel(session, found, registration, actor.actor)


async def cancel_by_staff(
    session: AsyncSession,
    found: CourseSession,
    registration_id: uuid.UUID,
    *,
    principal: Principal,
) -> SessionRegistration:
    """Cancel a registration for the resident (who called to say so)."""
    principal.require(WRITE, found.org_path)
    registration = await repo.get_registration(session, found.id, registration_id)
    if registration is None or registration.status == "cancelled":
        raise RegistrationNotFound()
    return await _cancel(session, found, registration, principal.actor)


async def record_attendance(
    session: AsyncSession,
    found: CourseSession,
    registration_id: uuid.UUID,
    *,
    attended: bool,
    principal: Principal,
) -> SessionRegistration:
    """Record whether a registered resident came to the session (once it has started)."""
    principal.require(WRITE, found.org_path)
    registration = await repo.get_registration(session, found.id, registration_id)
    if registration is None:
        raise RegistrationNotFound()
    if registration.status != "registered":
        raise Conflict("only a registered place is marked present", code="not_registered")
    if found.starts_at > clock.now():
        raise Conflict("attendance is recorded once the session starts", code="not_started")
    registration.attended_at = clock.now() if attended else None
    registration.recorded_by = principal.actor
    registration.updated_at = clock.now()
    await session.flush()
    return registration


async def list_registrations(
    session: AsyncSession, found: CourseSession, *, paging: PageQuery, status: str | None = None
) -> Page[SessionRegistration]:
    """List a session's registrations in the order they came (the waitlist's order)."""
    where: list[ColumnElement[bool]] = [SessionRegistration.session_id == found.id]
    if status is not None:
        where.append(SessionRegistration.status == status)
    return await repo.list_registrations(session, where, paging)


async def view_registrations(
    session: AsyncSession, rows: Sequence[SessionRegistration], *, principal: Principal
) -> list[RegistrationRead]:
    """Return registrations for staff: a walk-in's name and phone shown, each read audited."""
    views: list[RegistrationRead] = []
    for row in rows:
        if row.name is not None or row.phone is not None:
            await audit.record(
                session, actor=principal.actor, action="inclusion.registration_read",
                target_type="inclusion_registration", target_id=str(row.id),
                org_path=row.org_path,
            )  # fmt: skip
        views.append(RegistrationRead.model_validate(row))
    return views


async def my_registrations(
    session: AsyncSession, *, actor: ResidentActor, paging: PageQuery
) -> Page[SessionRegistration]:
    """List the resident's own registrations, newest first."""
    where = [SessionRegistration.account_id == actor.account_id]
    return await repo.list_registrations(session, where, paging, mine=True)


async def completed_courses(
    session: AsyncSession, *, actor: ResidentActor
) -> list[CompletedCourse]:
    """Return the courses the resident completed, latest first, titled in their language."""
    rows = await repo.completed_courses(session, actor.account_id)
    return [
        CompletedCourse(
            course_id=course.id,
            title=title_in(course, actor.locale),
            level=course.level,
            sessions_attended=n,
            completed_at=last,
        )
        for course, n, last in rows
    ]


async def upcoming_for(
    session: AsyncSession, *, actor: ResidentActor, paging: PageQuery
) -> Page[CourseSession]:
    """List the coming sessions of courses whose area holds the resident's home."""
    where: list[ColumnElement[bool]] = [CourseSession.ends_at >= clock.now()]
    if actor.org_path is None:
        where.append(false())
    else:
        where.append(CourseSession.org_path.in_(_ancestors(actor.org_path)))
    return await repo.list_sessions(session, where, paging)


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
