"""The figure of digital inclusion: the share of a unit's seniors helped in the last 12 months.

A senior is a registry resident with a known birth year who turns 60 or more this year. One is
helped who attended a session or whose help request was closed as helped within the window,
found through the registry resident named on the record or the resident account it belongs to
(an account matched to the registry)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.inclusion import repository as repo
from linli.inclusion.common import READ
from linli.inclusion.schemas import InclusionFigures
from linli.org import service as org_service
from linli.security.permissions import Principal

WINDOW = timedelta(days=365)


async def figures(
    session: AsyncSession, unit_id: uuid.UUID, *, principal: Principal | None
) -> InclusionFigures:
    """Return the seniors-helped share, sessions held and attendance of a unit's subtree over
    the last 12 months (`principal` None: a trusted caller)."""
    try:
        unit = await org_service.get_unit(session, unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    if principal is not None and not principal.can(READ, unit.path):
        raise ValidationFailed("no such org unit", code="unknown_unit")
    until = clock.now()
    since = until - WINDOW
    year = until.year
    seniors = await repo.seniors(session, unit.path, year)
    helped = await repo.seniors_helped(session, unit.path, year, since, until)
    held, attendances, requests_helped = await repo.activity(session, unit.path, since, until)
    return InclusionFigures(
        unit_id=unit.id, since=since, until=until, seniors=seniors, seniors_helped=helped,
        seniors_helped_share=round(helped / seniors, 4) if seniors else None,
        sessions_held=held, attendances=attendances, help_requests_helped=requests_helped,
    )  # fmt: skip
