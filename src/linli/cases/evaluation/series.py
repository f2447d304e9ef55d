"""Figures over time, for charts: per local day of the site, and how long fixes took.

For a unit and a run of the site's local days:

* cases per day by source: cases reported in the unit's subtree or sent to it, by the local
  day they were opened (the case lists' indexes on place and on assignment, each read over the
  period only);
* on-time rate per day of each child unit: the steps ended that day, as `figures` counts them
  (a step is on time when it ended by the deadline set when it began);
* resolution time: the cases closed in the period by how long they took from report to close,
  in fixed bins.

Each is one grouped query whatever the number of cases. Days are grouped in SQL by quarter
hour of UTC and the quarters put on the site's local days here, so any zone (a half-hour or
daylight-saving one too) gets its own midnights without date arithmetic in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, Integer, and_, case, cast, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.evaluation.figures import (
    Period,
    _Groups,
    _in_period,
    _minutes,
    _steps,
    _tally,
    responsible_path,
)
from linli.cases.models import SOURCES, Case
from linli.org.models import OrgUnit

QUARTER = 15 * 60  # seconds; every zone's offset is a whole number of quarter hours
MAX_DAYS = 366
# Resolution-time bins: (key, upper bound in minutes, None for the open last bin).
BINS: tuple[tuple[str, int | None], ...] = (
    ("1h", 60),
    ("4h", 4 * 60),
    ("1d", 24 * 60),
    ("3d", 3 * 24 * 60),
    ("7d", 7 * 24 * 60),
    ("more", None),
)


@dataclass
class UnitRates:
    """One unit's on-time steps per day: deadlines due and met, and the rate (None: no step)."""

    unit: OrgUnit
    due: list[int]
    on_time: list[int]

    @property
    def rates(self) -> list[float | None]:
        return [m / d if d else None for m, d in zip(self.on_time, self.due, strict=True)]


@dataclass
class Series:
    """The charts' data for a unit over its site's local days `days`."""

    unit: OrgUnit
    timezone: str
    days: list[date]
    by_source: dict[str, list[int]]
    on_time: list[UnitRates]
    resolution: dict[str, int] = field(default_factory=dict)

    @property
    def opened(self) -> list[int]:
        return [sum(v[i] for v in self.by_source.values()) for i in range(len(self.days))]


def local_period(days: Sequence[date], timezone: str) -> Period:
    """Return the UTC period from the first day's local midnight to the one after the last."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(days[0], time(), zone).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(), zone).astimezone(UTC)
    return Period(start, end)


def _quarter(dialect: str, column: Any) -> ColumnElement[Any]:
    """Return the UTC quarter hour (since 1970) of a timestamp column."""
    if dialect == "postgresql":
        return func.floor(cast(extract("epoch", column), Float) / QUARTER)
    return cast(func.strftime("%s", column), Integer) / QUARTER  # integer division


def _day_index(days: Sequence[date], zone: ZoneInfo) -> Any:
    first = days[0]

    def index(quarter: Any) -> int | None:
        at = datetime.fromtimestamp(int(quarter) * QUARTER, UTC).astimezone(zone)
        i = (at.date() - first).days
        return i if 0 <= i < len(days) else None

    return index


async def _opened(
    session: AsyncSession, unit: OrgUnit, period: Period, days: Sequence[date], zone: ZoneInfo
) -> dict[str, list[int]]:
    dialect = session.get_bind().dialect.name
    quarter = _quarter(dialect, Case.created_at)
    # Each side is a range of one of the case lists' (path, created_at) indexes.
    here = or_(
        Case.org_path.startswith(unit.path, autoescape=True),
        Case.assigned_path.startswith(unit.path, autoescape=True),
    )
    rows = await session.execute(
        select(quarter, Case.source, func.count())
        .where(here, _in_period(Case.created_at, period))
        .group_by(quarter, Case.source)
    )
    counts = {s: [0] * len(days) for s in SOURCES}
    index = _day_index(days, zone)
    for q, source, n in rows:
        i = index(q)
        if i is not None:
            counts.setdefault(source, [0] * len(days))[i] += int(n)
    return counts


async def _on_time(
    session: AsyncSession,
    units: Sequence[OrgUnit],
    period: Period,
    days: Sequence[date],
    zone: ZoneInfo,
) -> list[UnitRates]:
    if not units:
        return []
    dialect = session.get_bind().dialect.name
    table = select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_([u.id for u in units]))
    groups = _Groups(table.subquery(), exact=False)
    resp = responsible_path()
    scope = or_(*(resp.startswith(u.path, autoescape=True) for u in units))
    steps = _steps(dialect, period, scope)
    quarter = _quarter(dialect, steps.c.ended_at)
    has_due = and_(_in_period(steps.c.ended_at, period), steps.c.due.is_not(None))
    rows = await session.execute(
        select(
            groups.table.c.id,
            quarter,
            _tally(has_due),
            _tally(and_(has_due, steps.c.ended <= steps.c.due)),
        )
        .select_from(steps)
        .join(Case, Case.id == steps.c.case_id)
        .join(groups.table, groups.join(resp))
        .where(has_due)
        .group_by(groups.table.c.id, quarter)
    )
    found = {u.id: UnitRates(u, [0] * len(days), [0] * len(days)) for u in units}
    index = _day_index(days, zone)
    for unit_id, q, due, met in rows:
        i = index(q)
        if i is not None:
            found[unit_id].due[i] += int(due or 0)
            found[unit_id].on_time[i] += int(met or 0)
    return [found[u.id] for u in units]


async def _resolution(session: AsyncSession, unit: OrgUnit, period: Period) -> dict[str, int]:
    dialect = session.get_bind().dialect.name
    took = _minutes(dialect, Case.closed_at) - _minutes(dialect, Case.created_at)
    whens = [(took < limit, key) for key, limit in BINS if limit is not None]
    binned = case(*whens, else_=BINS[-1][0])
    rows = await session.execute(
        select(binned, func.count())
        .where(
            responsible_path().startswith(unit.path, autoescape=True),
            Case.status == "closed",
            _in_period(Case.closed_at, period),
        )
        .group_by(binned)
    )
    counts = {key: 0 for key, _ in BINS}
    for key, n in rows:
        counts[str(key)] = int(n)
    return counts


async def series(
    session: AsyncSession,
    unit: OrgUnit,
    children: Sequence[OrgUnit],
    *,
    first: date,
    last: date,
    timezone: str,
) -> Series:
    """Return the charts' data of `unit` (and the on-time rate of each of `children`) for the
    site's local days `first` … `last` (the caller checked access and the span)."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    zone = ZoneInfo(timezone)
    period = local_period(days, timezone)
    return Series(
        unit=unit,
        timezone=timezone,
        days=days,
        by_source=await _opened(session, unit, period, days, zone),
        on_time=await _on_time(session, children, period, days, zone),
        resolution=await _resolution(session, unit, period),
    )
