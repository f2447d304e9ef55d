"""The volunteers domain's public door: profiles, leave and matching volunteers to needs.

Programmes and shifts are in `shifts`, hours and badges in `recognition`; this module
re-exports what other domains call.
"""

from __future__ import annotations

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

# Search boxes of growing half-side (metres): a dense district is answered from the first
# few hundred metres, a sparse one widens until it has enough or reaches the last.
SEARCH_RADII_M = (250.0, 500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 32_000.0)
# Speakers of the wanted language come first among volunteers within this reach; the search
# does not widen past it only to find more speakers.
LANGUAGE_REACH_M = 2_000.0


@dataclass(frozen=True, slots=True)
class _Found:
    row: Any
    distance_m: float
    speaks: bool


async def _eligible(
    session: AsyncSession,
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
    ids = [row.id for row in kept]
    away = await repo.on_leave(session, ids, at) | await repo.on_shift(session, ids, at)
    return [
        _Found(
            row,
            matching.distance_m(lon, lat, row.lon, row.lat),
            language is not None and language in (row.languages or ()),
        )
        for row in kept
        if row.id not in away
    ]


def _enough(found: list[_Found], radius: float, limit: int, language: str | None) -> bool:
    within = [f for f in found if f.distance_m <= radius]
    if len(within) < limit:
        return False
    if language is None or radius >= LANGUAGE_REACH_M:
        return True
    return sum(f.speaks for f in within) >= limit


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
    radius = SEARCH_RADII_M[0]
    for radius in SEARCH_RADII_M:
        outer = matching.box(lon, lat, radius)
        rows = await repo.active_in_ring(session, org_path=org_path, outer=outer, inner=inner)
        found += await _eligible(
            session, list(rows), lon=lon, lat=lat, at=at, skills=skills,
            language=language, exclude=exclude,
        )  # fmt: skip
        inner = outer
        if _enough(found, radius, limit, language):
            break
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
