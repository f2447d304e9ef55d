"""Org queries the API needs beyond the service: scoped listings and joins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.org.models import OrgUnit, RoutingRule, WorkCalendar


async def list_units(
    session: AsyncSession,
    where: ColumnElement[bool],
    *,
    kind: str | None = None,
    parent_id: uuid.UUID | None = None,
    with_boundary: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[Sequence[OrgUnit], int]:
    """Return units matching `where` and the filters, by depth then code, and their count."""
    stmt = select(OrgUnit).where(where)
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(OrgUnit.parent_id == parent_id)
    if with_boundary:
        stmt = stmt.where(OrgUnit.boundary.is_not(None))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
    stmt = stmt.order_by(OrgUnit.depth, OrgUnit.code).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return (await session.scalars(stmt)).all(), int(total or 0)


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
