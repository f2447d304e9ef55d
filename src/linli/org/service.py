"""The org tree: create units, find the unit at a point, walk subtrees, route and time cases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shapely.errors import GEOSException
from shapely.geometry import Point, shape
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.geo import Box
from linli.core.ids import new_id
from linli.org.calendar import Calendar, make_calendar
from linli.org.models import (
    PROFILE_LOCALES,
    PROFILES,
    UNIT_KINDS,
    Holiday,
    OrgUnit,
    RoutingRule,
    WorkCalendar,
)
from linli.security.permissions import Principal, scope_or_all

ESCALATION_KINDS = ("grid", "community", "street", "district", "zone", "town")


@dataclass(frozen=True, slots=True)
class UnitRef:
    id: uuid.UUID
    code: str
    name: str
    kind: str
    path: str


async def create_unit(
    session: AsyncSession,
    *,
    kind: str,
    code: str,
    name: str,
    parent: OrgUnit | None = None,
    name_zh: str | None = None,
    boundary: dict[str, Any] | None = None,
    profile: str | None = None,
) -> OrgUnit:
    """Create an org unit under `parent` (None: a root with its governance profile)."""
    if kind not in UNIT_KINDS:
        raise ValidationFailed(f"unknown unit kind '{kind}'", code="unknown_unit_kind")
    if parent is None and (profile or "grid") not in PROFILES:
        raise ValidationFailed(f"unknown profile '{profile}'", code="unknown_profile")
    if await session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)) is not None:
        raise Conflict(f"unit code '{code}' is taken", code="unit_code_taken")
    unit = OrgUnit(
        id=new_id(),
        kind=kind,
        code=code,
        name=name,
        name_zh=name_zh,
        parent_id=parent.id if parent else None,
        profile=parent.profile if parent else (profile or "grid"),
        depth=parent.depth + 1 if parent else 0,
    )
    unit.path = (parent.path if parent else "/") + unit.id.hex + "/"
    if boundary is not None:
        try:
            geom = shape(boundary)
        except (GEOSException, AttributeError, KeyError, TypeError, ValueError, IndexError) as err:
            raise ValidationFailed("boundary is not GeoJSON", code="bad_boundary") from err
        if not geom.is_valid or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValidationFailed("boundary must be a valid (Multi)Polygon", code="bad_boundary")
        unit.boundary = boundary
        unit.min_lon, unit.min_lat, unit.max_lon, unit.max_lat = geom.bounds
    session.add(unit)
    await session.flush()
    return unit


async def get_unit(session: AsyncSession, unit_id: uuid.UUID) -> OrgUnit:
    """Return a unit or raise NotFound."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound("org unit not found", code="unit_not_found")
    return unit


async def get_unit_by_code(session: AsyncSession, code: str) -> OrgUnit:
    """Return the unit with `code` or raise NotFound."""
    unit = await session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise NotFound(f"no org unit with code '{code}'", code="unit_not_found")
    return unit


async def ancestors(session: AsyncSession, unit: OrgUnit) -> list[OrgUnit]:
    """Return the unit's ancestors, root first (not the unit itself)."""
    ids = [uuid.UUID(hex=h) for h in unit.path.strip("/").split("/")[:-1]]
    if not ids:
        return []
    found = {u.id: u for u in await session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids]


async def subtree(
    session: AsyncSession, unit: OrgUnit, *, kinds: tuple[str, ...] = ()
) -> list[OrgUnit]:
    """Return the unit and every descendant, optionally only of `kinds`."""
    stmt = select(OrgUnit).where(OrgUnit.path.startswith(unit.path, autoescape=True))
    if kinds:
        stmt = stmt.where(OrgUnit.kind.in_(kinds))
    return list(await session.scalars(stmt.order_by(OrgUnit.depth, OrgUnit.code)))


async def locate(
    session: AsyncSession, lon: float, lat: float, *, within: OrgUnit | None = None
) -> OrgUnit | None:
    """Return the deepest unit whose boundary covers the point, or None.

    A point on a shared edge lies in several units of the same depth: the lowest code wins.
    """
    stmt = select(OrgUnit).where(
        OrgUnit.boundary.is_not(None),
        OrgUnit.min_lon <= lon,
        OrgUnit.max_lon >= lon,
        OrgUnit.min_lat <= lat,
        OrgUnit.max_lat >= lat,
    )
    if within is not None:
        stmt = stmt.where(OrgUnit.path.startswith(within.path, autoescape=True))
    point = Point(lon, lat)
    for unit in await session.scalars(stmt.order_by(OrgUnit.depth.desc(), OrgUnit.code)):
        if shape(unit.boundary).covers(point):
            return unit
    return None


@dataclass(frozen=True, slots=True)
class MapUnit:
    """A unit as a map draws it: its boundary, and a point inside it to put its name on."""

    unit: OrgUnit
    label_lon: float
    label_lat: float


async def units_in_box(
    session: AsyncSession,
    *,
    principal: Principal | None,
    box: Box | None,
    kinds: tuple[str, ...] = (),
    limit: int,
) -> tuple[list[MapUnit], bool]:
    """Return the units with a boundary that the principal may read (`org:read`; every one when
    None) overlapping `box` (everywhere if None), optionally only of `kinds`: at most `limit`,
    coarsest first, with whether more matched."""
    stmt = select(OrgUnit).where(
        OrgUnit.boundary.is_not(None), scope_or_all(principal, "org:read", OrgUnit.path)
    )
    if box is not None:
        stmt = stmt.where(
            OrgUnit.min_lon <= box.east,
            OrgUnit.max_lon >= box.west,
            OrgUnit.min_lat <= box.north,
            OrgUnit.max_lat >= box.south,
        )
    if kinds:
        stmt = stmt.where(OrgUnit.kind.in_(kinds))
    stmt = stmt.order_by(OrgUnit.depth, OrgUnit.code).limit(limit + 1)
    units = list(await session.scalars(stmt))
    found = []
    for unit in units[:limit]:
        try:
            inside = shape(unit.boundary).representative_point()
        except (GEOSException, ValueError, TypeError, KeyError):
            continue  # a boundary shapely cannot read is drawn nowhere rather than failing all
        found.append(MapUnit(unit, round(inside.x, 6), round(inside.y, 6)))
    return found, len(units) > limit


async def escalation_parent(session: AsyncSession, unit: OrgUnit) -> OrgUnit | None:
    """Return the next supervising level above `unit` (grid → community → street → district)."""
    for parent in reversed(await ancestors(session, unit)):
        if parent.kind in ESCALATION_KINDS and parent.kind != "grid":
            return parent
    return None


async def set_route(
    session: AsyncSession, *, category_code: str, scope: OrgUnit, target: OrgUnit
) -> RoutingRule:
    """Route cases of `category_code` inside `scope`'s subtree to `target` (replacing any)."""
    rule = await session.scalar(
        select(RoutingRule).where(
            RoutingRule.category_code == category_code, RoutingRule.scope_unit_id == scope.id
        )
    )
    if rule is None:
        rule = RoutingRule(
            category_code=category_code, scope_unit_id=scope.id, target_unit_id=target.id
        )
        session.add(rule)
    else:
        rule.target_unit_id = target.id
    await session.flush()
    return rule


async def route(session: AsyncSession, *, category_code: str, unit: OrgUnit) -> OrgUnit | None:
    """Return the unit responsible for `category_code` at `unit`: the most specific rule wins.

    A category code's parents are tried too ("env.noise.night" falls back to "env.noise", "env").
    """
    chain = [*await ancestors(session, unit), unit]
    scope_ids = [u.id for u in chain]
    depth = {u.id: i for i, u in enumerate(chain)}
    codes = category_code.split(".")
    candidates = [".".join(codes[:n]) for n in range(len(codes), 0, -1)]
    rules = list(
        await session.scalars(
            select(RoutingRule).where(
                RoutingRule.category_code.in_(candidates), RoutingRule.scope_unit_id.in_(scope_ids)
            )
        )
    )
    if not rules:
        return None
    best = max(rules, key=lambda r: (len(r.category_code), depth[r.scope_unit_id]))
    return await session.get(OrgUnit, best.target_unit_id)


async def set_calendar(
    session: AsyncSession,
    *,
    unit: OrgUnit,
    timezone: str,
    workdays: str = "01234",
    day_start: Any = None,
    day_end: Any = None,
    holidays: list[Any] | None = None,
) -> WorkCalendar:
    """Give `unit` (and its subtree) working hours and holidays, replacing any it had."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValidationFailed(f"unknown time zone '{timezone}'", code="bad_timezone") from err
    if not workdays or any(c not in "0123456" for c in workdays):
        raise ValidationFailed(
            "workdays are weekday digits, Monday = 0, e.g. '01234'", code="bad_workdays"
        )
    workdays = "".join(sorted(set(workdays)))
    cal = await session.scalar(select(WorkCalendar).where(WorkCalendar.unit_id == unit.id))
    if cal is None:
        cal = WorkCalendar(unit_id=unit.id)
        session.add(cal)
    cal.timezone = timezone
    cal.workdays = workdays
    cal.day_start = day_start or time(9, 0)
    cal.day_end = day_end or time(18, 0)
    await session.flush()
    await session.execute(delete(Holiday).where(Holiday.calendar_id == cal.id))
    days: set[date] = set(holidays or [])
    for day in sorted(days):
        session.add(Holiday(calendar_id=cal.id, day=day))
    await session.flush()
    return cal


async def calendar_for(session: AsyncSession, unit: OrgUnit) -> Calendar:
    """Return the work calendar in force at `unit`: its own or its nearest ancestor's."""
    # One query (every case opened and moved asks): the calendars along the unit's path, each
    # with its holidays, one row per holiday.
    chain = [*(uuid.UUID(hex=h) for h in unit.path.strip("/").split("/")[:-1]), unit.id]
    rows = await session.execute(
        select(WorkCalendar, Holiday.day)
        .outerjoin(Holiday, Holiday.calendar_id == WorkCalendar.id)
        .where(WorkCalendar.unit_id.in_(chain))
    )
    cals: dict[uuid.UUID, tuple[WorkCalendar, list[date]]] = {}
    for cal, day in rows:
        days = cals.setdefault(cal.unit_id, (cal, []))[1]
        if day is not None:
            days.append(day)
    for unit_id in reversed(chain):
        if unit_id in cals:
            cal, days = cals[unit_id]
            return make_calendar(cal.timezone, cal.workdays, cal.day_start, cal.day_end, days)
    return Calendar.always()


async def site_timezone(session: AsyncSession, unit: OrgUnit | uuid.UUID) -> str:
    """Return the time zone in which times of `unit`'s site are shown (its calendar's zone)."""
    if not isinstance(unit, OrgUnit):
        found = await session.get(OrgUnit, unit)
        if found is None:
            return "UTC"
        unit = found
    return (await calendar_for(session, unit)).timezone


def site_locale(unit: OrgUnit) -> str:
    """Return the language of `unit`'s site (its tree's profile's): stored texts are in it."""
    return PROFILE_LOCALES.get(unit.profile, "en")


def ref(unit: OrgUnit) -> UnitRef:
    """Return a light reference to a unit."""
    return UnitRef(unit.id, unit.code, unit.name, unit.kind, unit.path)
