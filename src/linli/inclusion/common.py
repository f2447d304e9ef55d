"""What every room of digital inclusion shares: finding records in the caller's subtree (404
outside it) and the title of a course in a language."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from linli.inclusion import repository as repo
from linli.inclusion.errors import CourseNotFound, SessionNotFound
from linli.inclusion.models import Course, CourseSession
from linli.security.permissions import Principal

READ = "inclusion:read"
WRITE = "inclusion:write"
HELP = "inclusion:help"


def title_in(course: Course, locale: str) -> str:
    """Return a course's title in `locale`, falling back to English."""
    return course.title.get(locale) or course.title["en"]


async def course_for(
    session: AsyncSession,
    course_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = READ,
) -> Course:
    """Return a course in the principal's subtree (404 outside it), checking `permission`."""
    course = await repo.get_course(session, course_id)
    if course is None or not principal.can(READ, course.org_path):
        raise CourseNotFound()
    principal.require(permission, course.org_path)
    return course


async def session_for(
    session: AsyncSession,
    session_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = READ,
    for_update: bool = False,
) -> CourseSession:
    """Return a session in the principal's subtree (404 outside it), checking `permission`."""
    found = await repo.get_session(session, session_id, for_update=for_update)
    if found is None or not principal.can(READ, found.org_path):
        raise SessionNotFound()
    principal.require(permission, found.org_path)
    return found
