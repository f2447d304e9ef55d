"""The figures page: a unit's children side by side, with bars, and a drill-down into each.

It reads `linli.cases.evaluation` like the figures API does, and the satisfaction index (survey
answers and case ratings, `linli.participation.surveys`) as a tile with its trend; the bars are
drawn on the server as SVG, so the page needs no script and prints as it shows. The charts over
time (cases per day by source, each child's on-time rate per day, resolution times, the index
per week) are drawn by `figures.js` with uPlot from `/api/figures/series` and
`/api/figures/satisfaction`; each has its numbers beside it as a table and a sentence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from fastapi import Depends, Query, Request
from fastapi.responses import Response
from fastapi.routing import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.evaluation import comparison, series
from linli.cases.evaluation.figures import Figures
from linli.core import clock
from linli.core.errors import NotFound
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.participation.surveys import service as surveys_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 30
# Column keys of the table, in order; each is a sort key of `comparison.compare_children`.
COLUMNS = (
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
BAR_WIDTH = 200  # px of the longest bar


@dataclass(frozen=True, slots=True)
class Row:
    """One unit's figures as the page shows them (formatted in the page's language)."""

    unit: OrgUnit
    figures: Figures
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Bar:
    unit: OrgUnit
    value: float | None
    label: str
    width: float


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    bars: list[Bar]


def _cells(figures: Figures, locale: str) -> dict[str, str]:
    """Return the figures as numbers written in `locale` ("" where there is no value)."""

    def pct(value: float | None) -> str:
        return "" if value is None else format_percent(value, "#,##0.0%", locale=locale)

    def num(value: float | None, fmt: str = "#,##0") -> str:
        return "" if value is None else format_decimal(value, fmt, locale=locale)

    return {
        "cases_closed": num(figures.cases_closed),
        "on_time_rate": pct(figures.on_time_rate),
        "first_time_fix_rate": pct(figures.first_time_fix_rate),
        "satisfaction": num(figures.satisfaction, "0.0"),
        "ratings": num(figures.ratings),
        "mean_handle_minutes": num(figures.mean_handle_minutes),
        "returns": num(figures.returns),
        "disputes": num(figures.disputes),
        "overdue": num(figures.overdue),
    }


def _chart(key: str, rows: list[Row], top: float | None) -> Chart:
    """Return the bars of figure `key` per row, scaled to `top` (None: the largest value)."""
    values = [getattr(r.figures, key) for r in rows]
    scale = top if top is not None else max((v for v in values if v is not None), default=0.0)
    bars = [
        Bar(
            unit=r.unit,
            value=v,
            label=r.cells[key],
            width=0.0 if v is None or not scale else BAR_WIDTH * min(v / scale, 1.0),
        )
        for r, v in zip(rows, values, strict=True)
    ]
    return Chart(key, bars)


def _top_unit_id(principal: Principal) -> uuid.UUID | None:
    paths = principal.paths_for("figures:read")
    for grant in principal.grants:
        if grant.unit_path in paths:
            return grant.unit_id
    return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _trail(session: AsyncSession, principal: Principal, unit: OrgUnit) -> list[OrgUnit]:
    """Return the unit's ancestors the principal may read figures of, then the unit."""
    above = await org_service.ancestors(session, unit)
    return [u for u in above if principal.can("figures:read", u.path)] + [unit]


@router.get("/figures")
async def figures_page(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("figures:read"))],
    session: DbSession,
    unit: uuid.UUID | None = None,
    start: Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="last day (included)")] = None,
    sort: str = "name",
    order: str = "asc",
) -> Response:
    """Compare the child units of a unit over a period; each child links to its own page."""
    unit_id = unit or _top_unit_id(principal)
    if unit_id is None:
        raise NotFound("no unit whose figures you may read", code="unit_not_found")
    parent = await comparison.scoped_unit(session, unit_id, principal)
    zone = ZoneInfo((await org_service.calendar_for(session, parent)).timezone)
    today = clock.now().astimezone(zone).date()
    first, last = _day(start), _day(end)
    bad_dates = (start and first is None) or (end and last is None)
    last = last or today
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        first, last, bad_dates = last - timedelta(days=DEFAULT_DAYS - 1), last, True
    sort = sort if sort in COLUMNS else "name"
    order = order if order in ("asc", "desc") else "asc"
    found = await comparison.compare_children(
        session,
        parent.id,
        principal=principal,
        start=datetime.combine(first, time()),  # local midnights of the unit's calendar
        end=datetime.combine(last + timedelta(days=1), time()),
        sort=sort,
        order=order,
    )
    locale = page_locale(request, principal.locale)
    rows = [Row(u, f, _cells(f, locale)) for u, f in found.rows]
    total = Row(parent, found.total, _cells(found.total, locale))
    over_time = None
    if (last - first).days < series.MAX_DAYS:
        over_time = await comparison.unit_series(
            session, parent.id, principal=principal, first=first, last=last
        )
    satisfaction, service_names = None, {}
    if (last - first).days < surveys_service.INDEX_MAX_DAYS:
        satisfaction = await surveys_service.satisfaction_index(
            session, parent.id, principal=principal, first=first, last=last
        )
        service_names = await surveys_service.service_names(
            session, locale, list(satisfaction.services)
        )
    charts = [
        _chart("on_time_rate", rows, 1.0),
        _chart("satisfaction", rows, 5.0),
        _chart("mean_handle_minutes", rows, None),
    ]
    return render(
        request,
        "figures.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        active="figures",
        parent=parent,
        trail=await _trail(session, principal, parent),
        rows=rows,
        total=total,
        charts=charts,
        columns=COLUMNS,
        sort=sort,
        order=order,
        first=first.isoformat(),
        last=last.isoformat(),
        bad_dates=bad_dates,
        bar_width=BAR_WIDTH,
        series=over_time,
        bins=series.BINS,
        satisfaction=satisfaction,
        service_names=service_names,
        min_sample=surveys_service.MIN_SAMPLE,
        percent=lambda v: "—" if v is None else format_percent(v, "#,##0%", locale=locale),
        **page_context(principal),
    )
