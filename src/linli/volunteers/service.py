"""The volunteers domain's public door: profiles, leave and matching volunteers to needs.

Programmes and shifts are in `shifts`, hours and badges in `recognition`; this module
re-exports what other domains call.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from linli.volunteers import matching
from linli.volunteers import repository as repo
from linli.volunteers.types import Candidate

# The search box's first and largest half-side (metres). A dense district is answered from
# the first few hundred metres; a sparse one widens, each step by what the eligible volunteers
# found so far say it needs (at least 1.4x, at most 4x), until it has enough or reaches the last.
FIRST_RADIUS_M = 300.0
LAST_RADIUS_M = 32_000.0
# Speakers of the wanted language come first among volunteers within this reach; the search
# does not widen past it only to find more speakers.
LANGUAGE_REACH_M = 2_000.0


@dataclass(frozen=True, slots=True)
class _Found:
    row: Any
    distance_m: float
    speaks: bool


def _eligible(
    rows: list[Any],
    *,
    lon: float,
    lat: float,
    at: datetime,
    skills: frozenset[str],
    language: str | None,
    exclude: Collection[uuid.UUID],
) -> list[_Found]:
    kept = []
    for row in rows:
        if row.id in exclude:
            continue
        tz = row.timezone or "UTC"
        if not matching.in_window(row.windows or (), at, tz):
            continue
        on = at.astimezone(ZoneInfo(tz)).date()
        if skills and not matching.qualified(
            row.skills or (), row.qualifications or {}, skills, on
        ):
            continue
        kept.append(row)
    return [
        _Found(
            row,
            matching.distance_m(lon, lat, row.lon, row.lat),
            language is not None and language in (row.languages or ()),
        )
        for row in kept
    ]


def _shortfall(found: list[_Found], radius: float, limit: int, language: str | None) -> float:
    """Return how many times more eligible volunteers the search needs within its radius
    (0 when it has enough)."""
    within = [f for f in found if f.distance_m <= radius]
    have = len(within)
    if have >= limit and (language is None or radius >= LANGUAGE_REACH_M):
        return 0.0
    if have >= limit:
        speakers = sum(f.speaks for f in within)
        return 0.0 if speakers >= limit else limit / max(speakers, 0.5)
    return limit / max(have, 0.5)


async def nearest_available(
    session: AsyncSession,
    *,
    org_path: str,
    lon: float,
    lat: float,
    at: datetime,
    skills: frozenset[str] = frozenset(),
    language: str | None = None,
    exclude: Collection[uuid.UUID] = (),
    limit: int = 5,
) -> list[Candidate]:
    """Return up to `limit` active volunteers of the subtree `org_path` available at `at`
    (weekly window, not on leave, no shift then), holding every skill in `skills` with any
    qualification the skill needs unexpired at `at`, speaking `language` first if given,
    nearest first (straight-line metres)."""
    if limit <= 0:
        return []
    found: list[_Found] = []
    inner: repo.Box | None = None
    radius = FIRST_RADIUS_M
    while True:
        outer = matching.box(lon, lat, radius)
        rows = await repo.available_in_ring(
            session, org_path=org_path, outer=outer, inner=inner, at=at
        )
        found += _eligible(
            list(rows), lon=lon, lat=lat, at=at, skills=skills, language=language,
            exclude=exclude,
        )  # fmt: skip
        inner = outer
        short = _shortfall(found, radius, limit, language)
        if short == 0.0 or radius >= LAST_RADIUS_M:
            break
        # Eligible volunteers grow with the area: the square root of the shortfall (with a
        # margin) is the step that should find enough.
        radius = min(LAST_RADIUS_M, radius * min(4.0, max(1.4, 1.15 * math.sqrt(short))))
    reach = min(radius, LANGUAGE_REACH_M) if language is not None else 0.0
    found.sort(
        key=lambda f: (not (f.speaks and f.distance_m <= reach), f.distance_m, str(f.row.id))
    )
    chosen = found[:limit]
    names = await repo.names_of(session, [f.row.id for f in chosen])
    return [
        Candidate(
            volunteer_id=f.row.id,
            account_id=f.row.account_id,
            display_name=names.get(f.row.id, ""),
            distance_m=round(f.distance_m, 1),
            languages=tuple(f.row.languages or ()),
        )
        for f in chosen
    ]
