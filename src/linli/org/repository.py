"""Org queries the API needs beyond the service: scoped listings and joins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.core.pagination import Page, PageQuery, keyset_page, oldest_first, ordered
from linli.org.models import OrgUnit, RoutingRule, WorkCalendar

UNIT_ORDER = oldest_first(OrgUnit.depth, OrgUnit.code)  # the unit list's order (code is unique)


def _units(
    where: ColumnElement[bool], *, kind: str | None, parent_id: uuid.UUID | None
) -> Select[OrgUnit]:
    stmt = select(OrgUnit).where(where)
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    return stmt


async def units_page(
    session: AsyncSession,
    where: ColumnElement[bool],
    *,
    kind: str | None = None,
    parent_id: uuid.UUID | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[OrgUnit]:
    """Return a page of the units matching `where` and the filters, by depth then code."""
    stmt = _units(where, kind=kind, parent_id=parent_id)
    return await keyset_page(session, stmt, UNIT_ORDER, paging)


async def units_with_boundary(
    session: AsyncSession,
    where: ColumnElement[bool],
    *,
    kind: str | None = None,
    parent_id: uuid.UUID | None = None,
) -> Sequence[OrgUnit]:
    """Return every unit matching `where` and the filters that has a boundary, by depth then
    code (the map draws them all)."""
    stmt = _units(where, kind=kind, parent_id=parent_id).where(OrgUnit.boundary.is_not(None))
    return (await session.scalars(ordered(stmt, UNIT_ORDER))).all()


async def routing_rules(
    session: AsyncSession, where: ColumnElement[bool], *, category_code: str | None = None
) -> list[tuple[RoutingRule, str, str]]:
    """Return routing rules whose scope unit matches `where`, with scope and target codes.

    `where` is written against `OrgUnit` and applied to the scope unit.
    """
    target = aliased(OrgUnit)
    stmt = (
        select(RoutingRule, OrgUnit.code, target.code)
        .join(OrgUnit, OrgUnit.id == RoutingRule.scope_unit_id)
        .join(target, target.id == RoutingRule.target_unit_id)
        .where(where)
        .order_by(RoutingRule.category_code, OrgUnit.depth, OrgUnit.code)
    )
    if category_code is not None:
        stmt = stmt.where(RoutingRule.category_code == category_code)
    return [(rule, scope, target) for rule, scope, target in await session.execute(stmt)]


async def has_own_calendar(session: AsyncSession, unit_id: uuid.UUID) -> bool:
    """Return whether the unit has a work calendar of its own (not inherited)."""
    found = await session.scalar(select(WorkCalendar.id).where(WorkCalendar.unit_id == unit_id))
    return found is not None
