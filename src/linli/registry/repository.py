"""Registry queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.geo import Box
from linli.core.pagination import Key, bounded_count, oldest_first, ordered
from linli.registry.models import Building, Place, Resident
from linli.security.permissions import Principal, scope_or_all

# The orders of the lists (a unique key last, for keyset pages).
BUILDING_ORDER = oldest_first(Building.code)
PLACE_ORDER = oldest_first(Place.name, Place.id)
RESIDENT_ORDER = oldest_first(Resident.id)  # ids are time-ordered: oldest record first


async def first_rows(
    session: AsyncSession, stmt: Select[Any], keys: Sequence[Key], limit: int
) -> tuple[list[Any], int]:
    """Return the first `limit` rows of `stmt` in the order of `keys`, and how many it has
    (counted up to `COUNT_CAP`)."""
    rows = list(await session.scalars(ordered(stmt, keys).limit(limit)))
    total, _ = await bounded_count(session, stmt)
    return rows, total


def buildings(
    where: ColumnElement[bool], *, unit_path: str | None = None, q: str | None = None
) -> Select[Building]:
    """Select buildings matching `where`, optionally inside one subtree or by a search (to be
    ordered by `BUILDING_ORDER`)."""
    stmt = select(Building).where(where)
    if unit_path is not None:
        stmt = stmt.where(Building.org_path.startswith(unit_path, autoescape=True))
    if q:
        stmt = stmt.where(
            or_(
                *(
                    col.icontains(q, autoescape=True)
                    for col in (Building.name, Building.name_zh, Building.code, Building.address)
                )
            )
        )
    return stmt


def places(where: ColumnElement[bool], *, kind: str | None = None) -> Select[Place]:
    """Select places matching `where` (and `kind`), to be ordered by `PLACE_ORDER`."""
    stmt = select(Place).where(where)
    if kind is not None:
        stmt = stmt.where(Place.kind == kind)
    return stmt


def in_box(
    model: type[Building] | type[Place], where: ColumnElement[bool], box: Box | None
) -> Select[Any]:
    """Select the buildings or places matching `where` whose point lies in `box` (if any)."""
    stmt = select(model).where(where)
    if box is not None:
        stmt = stmt.where(
            model.lon.between(box.west, box.east), model.lat.between(box.south, box.north)
        )
    return stmt


async def _first(
    session: AsyncSession, stmt: Select[Any], keys: Sequence[Key], limit: int
) -> tuple[list[Any], bool]:
    rows = list(await session.scalars(ordered(stmt, keys).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


async def map_points(
    session: AsyncSession, *, principal: Principal | None, box: Box | None, limit: int
) -> tuple[tuple[list[Building], bool], tuple[list[Place], bool]]:
    """Return the buildings and the places the principal may read (`buildings:read`; every one
    when None) whose point lies in `box` (everywhere if None): at most `limit` of each, by code /
    by name, each with whether more matched."""
    buildings = in_box(Building, scope_or_all(principal, "buildings:read", Building.org_path), box)
    places = in_box(Place, scope_or_all(principal, "buildings:read", Place.org_path), box)
    return (
        await _first(session, buildings, BUILDING_ORDER, limit),
        await _first(session, places, PLACE_ORDER, limit),
    )


def residents(
    where: ColumnElement[bool],
    *,
    building_id: uuid.UUID | None = None,
    phone_hash: str | None = None,
    lives_alone: bool | None = None,
) -> Select[Resident]:
    """Select residents matching the filters (to be ordered by `RESIDENT_ORDER`)."""
    stmt = select(Resident).where(where)
    filters: list[Any] = []
    if building_id is not None:
        filters.append(Resident.building_id == building_id)
    if phone_hash is not None:
        filters.append(Resident.phone_hash == phone_hash)
    if lives_alone is not None:
        filters.append(Resident.lives_alone.is_(lives_alone))
    return stmt.where(*filters)


async def building_code_taken(session: AsyncSession, code: str) -> bool:
    """Return whether a building already uses `code`."""
    return await session.scalar(select(Building.id).where(Building.code == code)) is not None


async def building_codes_taken(session: AsyncSession, codes: list[str]) -> bool:
    """Return whether any of `codes` is already a building's code."""
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        if await session.scalar(select(Building.id).where(Building.code.in_(chunk)).limit(1)):
            return True
    return False


async def buildings_by_ids(session: AsyncSession, ids: set[uuid.UUID]) -> list[Building]:
    """Return the buildings with these ids."""
    found: list[Building] = []
    listed = list(ids)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        found.extend(await session.scalars(select(Building).where(Building.id.in_(chunk))))
    return found
