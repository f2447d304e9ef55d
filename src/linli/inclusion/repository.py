"""Queries of digital inclusion, written with `select()`; each loads exactly what it needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import Page, PageQuery, keyset_page, newest_first, oldest_first
from linli.inclusion.models import Course, CourseSession, HelpRequest, SessionRegistration
from linli.org.models import OrgUnit
from linli.registry.models import Resident
from linli.residents.models import ResidentAccount
from linli.security.models import RoleGrant, StaffAccount

COURSE_KEYS = newest_first(Course.created_at, Course.id)
SESSION_KEYS = oldest_first(CourseSession.starts_at, CourseSession.id)
REGISTRATION_KEYS = oldest_first(SessionRegistration.created_at, SessionRegistration.id)
MY_REGISTRATION_KEYS = newest_first(SessionRegistration.created_at, SessionRegistration.id)
QUEUE_KEYS = oldest_first(HelpRequest.created_at, HelpRequest.id)
HELP_KEYS = newest_first(HelpRequest.created_at, HelpRequest.id)


async def get_course(session: AsyncSession, course_id: uuid.UUID) -> Course | None:
    """Return one course."""
    return await session.get(Course, course_id)


async def list_courses(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[Course]:
    """Return a page of courses, newest first."""
    return await keyset_page(session, select(Course).where(*where), COURSE_KEYS, paging)


async def get_session(
    session: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> CourseSession | None:
    """Return one session of a course, locking its row when asked."""
    stmt = select(CourseSession).where(CourseSession.id == session_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=for_update))


async def list_sessions(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[CourseSession]:
    """Return a page of sessions, soonest first."""
    return await keyset_page(session, select(CourseSession).where(*where), SESSION_KEYS, paging)


async def ambassadors_among(
    session: AsyncSession, account_ids: Sequence[uuid.UUID], roles: Sequence[str], path: str
) -> set[uuid.UUID]:
    """Return which of `account_ids` are active staff holding one of `roles` on a unit at,
    above or inside `path`."""
    if not account_ids:
        return set()
    above = _ancestor_paths(path)
    stmt = (
        select(RoleGrant.account_id)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .join(StaffAccount, StaffAccount.id == RoleGrant.account_id)
        .where(
            RoleGrant.account_id.in_(account_ids),
            RoleGrant.role.in_(roles),
            StaffAccount.active.is_(True),
            or_(OrgUnit.path.in_(above), OrgUnit.path.startswith(path, autoescape=True)),
        )
    )
    return set((await session.scalars(stmt)).all())


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


async def take_place(session: AsyncSession, session_id: uuid.UUID) -> bool:
    """Count one more registered place if the session has one left; return whether it had.

    One conditional UPDATE: PostgreSQL re-checks the condition on the locked row, SQLite runs
    one writer at a time, so concurrent registrations never pass the capacity."""
    result = await session.execute(
        update(CourseSession)
        .where(
            CourseSession.id == session_id,
            CourseSession.registered_count < CourseSession.capacity,
        )
        .values(registered_count=CourseSession.registered_count + 1)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def give_back_place(session: AsyncSession, session_id: uuid.UUID) -> None:
    """Count one registered place fewer."""
    await session.execute(
        update(CourseSession)
        .where(CourseSession.id == session_id, CourseSession.registered_count > 0)
        .values(registered_count=CourseSession.registered_count - 1)
        .execution_options(synchronize_session=False)
    )


async def registration_of(
    session: AsyncSession, session_id: uuid.UUID, account_id: uuid.UUID
) -> SessionRegistration | None:
    """Return a resident account's registration for a session (whatever its status)."""
    return await session.scalar(
        select(SessionRegistration).where(
            SessionRegistration.session_id == session_id,
            SessionRegistration.account_id == account_id,
        )
    )


async def get_registration(
    session: AsyncSession, session_id: uuid.UUID, registration_id: uuid.UUID
) -> SessionRegistration | None:
    """Return one registration of a session."""
    return await session.scalar(
        select(SessionRegistration).where(
            SessionRegistration.id == registration_id,
            SessionRegistration.session_id == session_id,
        )
    )


async def first_waitlisted(
    session: AsyncSession, session_id: uuid.UUID
) -> SessionRegistration | None:
    """Return the registration longest on the waitlist."""
    stmt = (
        select(SessionRegistration)
        .where(
            SessionRegistration.session_id == session_id,
            SessionRegistration.status == "waitlisted",
        )
        .order_by(SessionRegistration.created_at, SessionRegistration.id)
        .limit(1)
    )
    return await session.scalar(stmt)


async def list_registrations(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    paging: PageQuery,
    *,
    mine: bool = False,
) -> Page[SessionRegistration]:
    """Return a page of registrations: a session's in order, or a resident's newest first."""
    keys = MY_REGISTRATION_KEYS if mine else REGISTRATION_KEYS
    return await keyset_page(session, select(SessionRegistration).where(*where), keys, paging)


async def completed_courses(
    session: AsyncSession, account_id: uuid.UUID
) -> Sequence[tuple[Course, int, datetime]]:
    """Return the courses a resident completed: each with the sessions attended and when the
    last of them was attended (bounded: one row per course)."""
    attended = (
        select(
            SessionRegistration.course_id,
            func.count().label("n"),
            func.max(SessionRegistration.attended_at).label("last"),
        )
        .where(
            SessionRegistration.account_id == account_id,
            SessionRegistration.attended_at.is_not(None),
        )
        .group_by(SessionRegistration.course_id)
        .subquery()
    )
    stmt = (
        select(Course, attended.c.n, attended.c.last)
        .join(attended, attended.c.course_id == Course.id)
        .where(attended.c.n >= Course.sessions_to_complete)
        .order_by(attended.c.last.desc(), Course.id)
        .limit(200)
    )
    return [(c, int(n), last) for c, n, last in (await session.execute(stmt)).all()]


async def get_help_request(
    session: AsyncSession, request_id: uuid.UUID, *, for_update: bool = False
) -> HelpRequest | None:
    """Return one help request, locking its row when asked."""
    stmt = select(HelpRequest).where(HelpRequest.id == request_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=for_update))


async def list_help_requests(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    paging: PageQuery,
    *,
    oldest: bool,
) -> Page[HelpRequest]:
    """Return a page of help requests: the queue oldest first, or the rest newest first."""
    keys = QUEUE_KEYS if oldest else HELP_KEYS
    return await keyset_page(session, select(HelpRequest).where(*where), keys, paging)


def senior_clause(year: int) -> ColumnElement[bool]:
    """Return the condition of a registry resident aged 60 or more in `year`."""
    return Resident.birth_year.is_not(None) & (Resident.birth_year <= year - 60)


def _helped_ids(path: str, since: datetime, until: datetime) -> Select[tuple[uuid.UUID | None]]:
    """The registry residents who attended a session or were helped in the window: named on
    the record, or through the resident account it belongs to."""
    attended = (
        SessionRegistration.org_path.startswith(path, autoescape=True),
        SessionRegistration.attended_at >= since,
        SessionRegistration.attended_at <= until,
    )
    helped = (
        HelpRequest.org_path.startswith(path, autoescape=True),
        HelpRequest.outcome == "helped",
        HelpRequest.closed_at >= since,
        HelpRequest.closed_at <= until,
    )
    via_account = ResidentAccount.registry_resident_id
    return union(
        select(SessionRegistration.registry_resident_id).where(*attended),
        select(via_account)
        .join(SessionRegistration, SessionRegistration.account_id == ResidentAccount.id)
        .where(*attended),
        select(HelpRequest.registry_resident_id).where(*helped),
        select(via_account)
        .join(HelpRequest, HelpRequest.account_id == ResidentAccount.id)
        .where(*helped),
    )  # type: ignore[return-value]


async def seniors(session: AsyncSession, path: str, year: int) -> int:
    """Count the registry's seniors living in the subtree at `path`."""
    stmt = select(func.count(Resident.id)).where(
        Resident.org_path.startswith(path, autoescape=True), senior_clause(year)
    )
    return int(await session.scalar(stmt) or 0)


async def seniors_helped(
    session: AsyncSession, path: str, year: int, since: datetime, until: datetime
) -> int:
    """Count the subtree's seniors who attended a session or were helped in the window."""
    helped = _helped_ids(path, since, until).subquery()
    stmt = select(func.count(Resident.id)).where(
        Resident.org_path.startswith(path, autoescape=True),
        senior_clause(year),
        Resident.id.in_(select(helped.c[0])),
    )
    return int(await session.scalar(stmt) or 0)


async def activity(
    session: AsyncSession, path: str, since: datetime, until: datetime
) -> tuple[int, int, int]:
    """Return the sessions held (ended) in the window, their attendances, and the help requests
    marked helped."""
    held = await session.scalar(
        select(func.count(CourseSession.id)).where(
            CourseSession.org_path.startswith(path, autoescape=True),
            CourseSession.ends_at >= since,
            CourseSession.ends_at <= until,
        )
    )
    attendances = await session.scalar(
        select(func.count(SessionRegistration.id)).where(
            SessionRegistration.org_path.startswith(path, autoescape=True),
            SessionRegistration.attended_at >= since,
            SessionRegistration.attended_at <= until,
        )
    )
    helped = await session.scalar(
        select(func.count(HelpRequest.id)).where(
            HelpRequest.org_path.startswith(path, autoescape=True),
            HelpRequest.outcome == "helped",
            HelpRequest.closed_at >= since,
            HelpRequest.closed_at <= until,
        )
    )
    return int(held or 0), int(attendances or 0), int(helped or 0)
