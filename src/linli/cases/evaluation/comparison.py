"""Figures as callers ask for them: a period checked, a unit in the caller's scope, and a unit's
children side by side, sortable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.evaluation.figures import Figures, Period, figures
from linli.cases.evaluation.series import MAX_DAYS as MAX_SERIES_DAYS
from linli.cases.evaluation.series import Series, series
from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security.permissions import Principal

DEFAULT_SPAN = timedelta(days=30)
MAX_SPAN = timedelta(days=3660)
SORT_KEYS = (
    "code",
    "name",
    "cases_closed",
    "on_time_rate",
    "first_time_fix_rate",
    "satisfaction",
    "mean_handle_minutes",
    "returns",
    "disputes",
    "overdue",
)


@dataclass(frozen=True, slots=True)
class UnitFigures:
    unit: OrgUnit
    period: Period
    own: Figures
    rollup: Figures


@dataclass(frozen=True, slots=True)
class Comparison:
    parent: OrgUnit
    period: Period
    total: Figures
    rows: list[tuple[OrgUnit, Figures]]
    sort: str
    order: str


async def scoped_unit(session: AsyncSession, unit_id: uuid.UUID, principal: Principal) -> OrgUnit:
    """Return the unit if the principal may read figures in its subtree; else NotFound."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.can("figures:read", unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    return unit


async def resolve_period(
    session: AsyncSession, unit: OrgUnit, start: datetime | None, end: datetime | None
) -> Period:
    """Return [start, end) in UTC; times without an offset are local to the unit's calendar.

    Without an end the period ends now; without a start it spans the 30 days before the end.
    """
    zone = ZoneInfo((await org_service.calendar_for(session, unit)).timezone)

    def utc(value: datetime) -> datetime:
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)

    stop = utc(end) if end is not None else clock.now()
    begin = utc(start) if start is not None else stop - DEFAULT_SPAN
    if begin >= stop:
        raise ValidationFailed("the period must start before it ends", code="bad_period")
    if stop - begin > MAX_SPAN:
        raise ValidationFailed("a period spans at most ten years", code="bad_period")
    return Period(begin, stop)


async def unit_figures(
    session: AsyncSession,
    unit_id: uuid.UUID,
    *,
    principal: Principal,
    start: datetime | None = None,
    end: datetime | None = None,
) -> UnitFigures:
    """Return one unit's figures for the period: its own cases and its subtree's rollup."""
    unit = await scoped_unit(session, unit_id, principal)
    period = await resolve_period(session, unit, start, end)
    own = (await figures(session, [unit], period, exact=True))[unit.id]
    rollup = (await figures(session, [unit], period))[unit.id]
    return UnitFigures(unit, period, own, rollup)


def _sort_value(unit: OrgUnit, figures: Figures, key: str) -> Any:
    if key in ("code", "name"):
        return getattr(unit, key)
    return getattr(figures, key)


async def compare_children(
    session: AsyncSession,
    parent_id: uuid.UUID,
    *,
    principal: Principal,
    start: datetime | None = None,
    end: datetime | None = None,
    sort: str = "code",
    order: str = "asc",
) -> Comparison:
    """Return the rollup of each child unit of `parent_id`, side by side, sorted by `sort`.

    Units without a value for the sort key (no closed cases, no ratings…) come last either way.
    """
    if sort not in SORT_KEYS:
        raise ValidationFailed(
            f"sort by one of: {', '.join(SORT_KEYS)}", code="bad_sort", allowed=list(SORT_KEYS)
        )
    if order not in ("asc", "desc"):
        raise ValidationFailed("order is 'asc' or 'desc'", code="bad_order")
    parent = await scoped_unit(session, parent_id, principal)
    period = await resolve_period(session, parent, start, end)
    children = list(
        await session.scalars(
            select(OrgUnit).where(OrgUnit.parent_id == parent.id).order_by(OrgUnit.code)
        )
    )
    by_unit = await figures(session, [parent, *children], period)
    rows = [(child, by_unit[child.id]) for child in children]
    known = [r for r in rows if _sort_value(r[0], r[1], sort) is not None]
    known.sort(key=lambda r: _sort_value(r[0], r[1], sort), reverse=order == "desc")
    unknown = [r for r in rows if _sort_value(r[0], r[1], sort) is None]
    return Comparison(parent, period, by_unit[parent.id], known + unknown, sort, order)


async def unit_series(
    session: AsyncSession,
    unit_id: uuid.UUID,
    *,
    principal: Principal,
    first: date | None = None,
    last: date | None = None,
) -> Series:
    """Return a unit's figures per local day of its site, first … last (default: the 30 days
    up to today), with the on-time rate of each child unit."""
    unit = await scoped_unit(session, unit_id, principal)
    timezone = await org_service.site_timezone(session, unit)
    last = last or clock.now().astimezone(ZoneInfo(timezone)).date()
    first = first or last - timedelta(days=DEFAULT_SPAN.days - 1)
    if first > last:
        raise ValidationFailed("the first day must not be after the last", code="bad_period")
    if (last - first).days >= MAX_SERIES_DAYS:
        raise ValidationFailed(f"a series spans at most {MAX_SERIES_DAYS} days", code="bad_period")
    children = list(
        await session.scalars(
            select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)
        )
    )
    return await series(session, unit, children, first=first, last=last, timezone=timezone)


async def on_time_rates(
    session: AsyncSession, unit_id: uuid.UUID, *, principal: Principal
) -> tuple[float | None, float | None]:
    """Return the on-time rate of `unit`'s subtree today and this month (the site's local
    day and month, up to now); None where no step with a deadline ended."""
    unit = await scoped_unit(session, unit_id, principal)
    zone = ZoneInfo(await org_service.site_timezone(session, unit))
    now = clock.now()
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    found = []
    for start in (today, month):
        period = Period(start.astimezone(UTC), max(now, start.astimezone(UTC) + timedelta(0, 1)))
        found.append((await figures(session, [unit], period))[unit.id].on_time_rate)
    return found[0], found[1]
