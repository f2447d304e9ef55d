"""Recognition and figures: hours served, badges by hours, and volunteer hours per 1,000
residents of a unit over the last 30 days."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound
from linli.org import service as org_service
from linli.registry.models import Resident
from linli.security.permissions import Principal
from linli.volunteers.models import Shift, Signup

BADGES = (("hours_10", 10), ("hours_50", 50), ("hours_100", 100))
FIGURE_DAYS = 30


@dataclass(frozen=True)
class Badge:
    code: str
    hours: int
    earned: bool


@dataclass(frozen=True)
class UnitHours:
    unit_id: uuid.UUID
    hours: float
    residents: int
    hours_per_1000_residents: float | None
    since: datetime
    until: datetime


async def hours_of(session: AsyncSession, volunteer_id: uuid.UUID) -> float:
    """Return the hours a volunteer has served (checked in and out)."""
    minutes = await session.scalar(
        select(func.coalesce(func.sum(Signup.minutes), 0)).where(
            Signup.volunteer_id == volunteer_id
        )
    )
    return round(int(minutes or 0) / 60, 2)


def badges_for(hours: float) -> list[Badge]:
    """Return every badge, each saying whether `hours` earns it."""
    return [Badge(code, threshold, hours >= threshold) for code, threshold in BADGES]


async def unit_hours(
    session: AsyncSession, unit_id: uuid.UUID, *, principal: Principal | None
) -> UnitHours:
    """Return the volunteer hours served in a unit's subtree over the last 30 days, its
    residents, and the hours per 1,000 residents (None without residents)."""
    unit = await org_service.get_unit(session, unit_id)
    if principal is not None and not principal.can("volunteers:read", unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    until = clock.now()
    since = until - timedelta(days=FIGURE_DAYS)
    minutes = await session.scalar(
        select(func.coalesce(func.sum(Signup.minutes), 0))
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Shift.org_path.startswith(unit.path, autoescape=True),
            Shift.starts_at >= since - timedelta(days=1),
            Signup.checked_out_at >= since,
            Signup.checked_out_at <= until,
        )
    )
    residents = int(
        await session.scalar(
            select(func.count()).where(Resident.org_path.startswith(unit.path, autoescape=True))
        )
        or 0
    )
    hours = round(int(minutes or 0) / 60, 2)
    per_1000 = round(hours * 1000 / residents, 2) if residents else None
    return UnitHours(unit.id, hours, residents, per_1000, since, until)
