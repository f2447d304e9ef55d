"""Digital inclusion: digital-skills courses and their sessions, residents' places and
attendance, help requests to digital ambassadors, and the share of seniors helped.

The room's public door: staff actions take a `Principal` and check `inclusion:read`,
`inclusion:write` or `inclusion:help` on the record's subtree (404 outside it); resident
actions take a `ResidentActor` and check the `Need` declared beside them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery
from linli.inclusion import repository as repo
from linli.inclusion.common import READ, WRITE, course_for, session_for, title_in
from linli.inclusion.figures import figures
from linli.inclusion.help import (
    ASK,
    ask_for_help,
    ask_for_resident,
    help_request_for,
    list_help_requests,
    my_help_requests,
    record_outcome,
    schedule_help,
    take_help_request,
    view_help_request,
)
from linli.inclusion.models import Course, CourseSession
from linli.inclusion.registrations import (
    REGISTER,
    cancel_by_staff,
    cancel_registration,
    completed_courses,
    list_registrations,
    my_registrations,
    record_attendance,
    register,
    register_walk_in,
    upcoming_for,
    view_registrations,
)
from linli.inclusion.schemas import CourseCreate, SessionCreate
from linli.org import service as org_service
from linli.security import audit
from linli.security.permissions import ROLES, Principal

__all__ = [
    "ASK",
    "REGISTER",
    "ask_for_help",
    "ask_for_resident",
    "cancel_by_staff",
    "cancel_registration",
    "completed_courses",
    "course_for",
    "figures",
    "help_request_for",
    "list_help_requests",
    "list_registrations",
    "my_help_requests",
    "my_registrations",
    "record_attendance",
    "record_outcome",
    "register",
    "register_walk_in",
    "schedule_help",
    "session_for",
    "take_help_request",
    "title_in",
    "upcoming_for",
    "view_help_request",
    "view_registrations",
]

# The roles whose holders may lead a session: those that take help requests.
AMBASSADOR_ROLES = tuple(sorted(r for r, perms in ROLES.items() if "inclusion:help" in perms))


async def create_course(
    session: AsyncSession, data: CourseCreate, *, principal: Principal
) -> Course:
    """Create a digital-skills course of an org unit."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    principal.require(WRITE, unit.path)
    title = {k: v for k, v in data.title.model_dump().items() if v}
    course = Course(
        unit_id=unit.id, org_path=unit.path, title=title, level=data.level,
        topics=list(dict.fromkeys(data.topics)), sessions_to_complete=data.sessions_to_complete,
        created_by=principal.actor,
    )  # fmt: skip
    session.add(course)
    await session.flush()
    await audit.record(
        session, actor=principal.actor, action="inclusion.course_create",
        target_type="inclusion_course", target_id=str(course.id), org_path=course.org_path,
    )  # fmt: skip
    return course


async def list_courses(
    session: AsyncSession, *, principal: Principal, paging: PageQuery
) -> Page[Course]:
    """List the courses of the principal's subtree, newest first."""
    return await repo.list_courses(session, [principal.scope(READ, Course.org_path)], paging)


async def add_session(
    session: AsyncSession, course: Course, data: SessionCreate, *, principal: Principal
) -> CourseSession:
    """Schedule a session of a course, led by digital ambassadors of its area."""
    principal.require(WRITE, course.org_path)
    if data.ends_at <= data.starts_at:
        raise ValidationFailed("a session ends after it starts", code="ends_before_start")
    wanted = list(dict.fromkeys(data.ambassadors))
    found = await repo.ambassadors_among(session, wanted, AMBASSADOR_ROLES, course.org_path)
    if len(found) != len(wanted):
        raise ValidationFailed(
            "every leader must be a digital ambassador of the course's area",
            code="unknown_ambassador",
        )
    added = CourseSession(
        course_id=course.id, org_path=course.org_path, place=data.place,
        starts_at=data.starts_at, ends_at=data.ends_at, language=data.language,
        capacity=data.capacity, registered_count=0, ambassadors=[str(a) for a in wanted],
        created_by=principal.actor, created_at=clock.now(),
    )  # fmt: skip
    session.add(added)
    await session.flush()
    await audit.record(
        session, actor=principal.actor, action="inclusion.session_add",
        target_type="inclusion_session", target_id=str(added.id), org_path=added.org_path,
    )  # fmt: skip
    return added


async def list_sessions(
    session: AsyncSession,
    *,
    principal: Principal,
    paging: PageQuery,
    course: Course | None = None,
    upcoming: bool = False,
) -> Page[CourseSession]:
    """List sessions of the principal's subtree (or of one course), soonest first."""
    where: list[ColumnElement[bool]] = [principal.scope(READ, CourseSession.org_path)]
    if course is not None:
        where.append(CourseSession.course_id == course.id)
    if upcoming:
        where.append(CourseSession.ends_at >= clock.now())
    return await repo.list_sessions(session, where, paging)


async def get_course_of(session: AsyncSession, found: CourseSession) -> Course:
    """Return the course a session belongs to."""
    course = await repo.get_course(session, found.course_id)
    assert course is not None  # sessions go with their course
    return course


def session_ids(found: CourseSession) -> list[uuid.UUID]:
    """Return the ambassadors of a session as ids."""
    return [uuid.UUID(a) for a in found.ambassadors]
