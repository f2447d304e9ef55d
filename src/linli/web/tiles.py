"""The command centre's tiles: the figures an operator reads at a glance.

Counts come from the same queries as the lists they summarise (alarms, cases), each counted up
to `COUNT_CAP` rows along the list's own index; on-time rates come from the figures.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.evaluation import comparison
from linli.cases.models import STATUSES, TERMINAL
from linli.core.pagination import PageQuery
from linli.rules import service as rules_service
from linli.rules.models import SEVERITIES
from linli.security.permissions import Principal

OPEN = tuple(s for s in STATUSES if s not in TERMINAL)
COUNT_ONLY = PageQuery(limit=1, count=True)


@dataclass(frozen=True, slots=True)
class Count:
    n: int
    capped: bool = False  # "at least n"


@dataclass
class Tiles:
    """What the tiles show; a figure the viewer may not read is None."""

    alarms: dict[str, Count] = field(default_factory=dict)
    open_cases: Count | None = None
    overdue_cases: Count | None = None
    on_time_today: float | None = None
    on_time_month: float | None = None
    figures_unit: uuid.UUID | None = None


def _count(page: object) -> Count:
    total = getattr(page, "total", 0) or 0
    return Count(int(total), bool(getattr(page, "total_capped", False)))


def figures_unit(principal: Principal) -> uuid.UUID | None:
    """Return the top unit whose figures the principal reads (their first such grant)."""
    paths = principal.paths_for("figures:read")
    return next((g.unit_id for g in principal.grants if g.unit_path in paths), None)


async def command_tiles(session: AsyncSession, principal: Principal) -> Tiles:
    """Return the tiles of the principal's command centre."""
    tiles = Tiles()
    for severity in SEVERITIES:
        page = await rules_service.list_alarms(
            session, principal=principal, open=True, severity=severity, paging=COUNT_ONLY
        )
        tiles.alarms[severity] = _count(page)
    if principal.has("cases:read"):
        tiles.open_cases = _count(
            await cases_service.list_cases(
                session, principal=principal, statuses=OPEN, paging=COUNT_ONLY
            )
        )
        tiles.overdue_cases = _count(
            await cases_service.list_cases(
                session, principal=principal, statuses=OPEN, overdue=True, paging=COUNT_ONLY
            )
        )
    unit_id = figures_unit(principal)
    if unit_id is not None:
        tiles.figures_unit = unit_id
        tiles.on_time_today, tiles.on_time_month = await comparison.on_time_rates(
            session, unit_id, principal=principal
        )
    return tiles
