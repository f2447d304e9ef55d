"""Queries of the SLA sweep (the timers that fired, claimed so that no two workers fire one)
and of the overdue ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import Case, Category, CategorySetting, effective_category, tree_id_of
from linli.cases.sla.models import OverdueEntry
from linli.core.pagination import Page, PageQuery, keyset_page, oldest_first
from linli.org.models import OrgUnit

# The ledger's order: oldest miss first.
LEDGER_KEYS = oldest_first(OverdueEntry.overdue_at, OverdueEntry.id)


def _claimed(session: AsyncSession, stmt: Select[Case]) -> Select[Case]:
    """Lock the selected cases; PostgreSQL skips rows another worker holds."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


async def due_for_sweep(session: AsyncSession, *, now: datetime, batch: int) -> Sequence[Case]:
    """Return (and lock) cases whose escalation timer has fired."""
    stmt = select(Case).where(Case.sweep_at <= now).order_by(Case.sweep_at).limit(batch)
    return (
        await session.scalars(_claimed(session, stmt).execution_options(populate_existing=True))
    ).all()


async def due_for_warning(session: AsyncSession, *, now: datetime, batch: int) -> Sequence[Case]:
    """Return (and lock) cases whose deadline-warning timer has fired."""
    stmt = select(Case).where(Case.warn_at <= now).order_by(Case.warn_at).limit(batch)
    return (
        await session.scalars(_claimed(session, stmt).execution_options(populate_existing=True))
    ).all()


async def category(session: AsyncSession, code: str, org_path: str | None) -> Category | None:
    """Return the category `code` as the tree holding `org_path` sees it: its step limits set
    the deadlines."""
    row = (
        await session.execute(
            select(Category, CategorySetting)
            .outerjoin(
                CategorySetting,
                and_(
                    CategorySetting.category_code == Category.code,
                    CategorySetting.tree_id == tree_id_of(org_path),
                ),
            )
            .where(Category.code == code)
        )
    ).first()
    return None if row is None else effective_category(row[0], row[1])


async def ledger_page(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[OverdueEntry]:
    """Return the page of ledger entries matching `where` (on the entry and its case)."""
    stmt = select(OverdueEntry).join(Case, Case.id == OverdueEntry.case_id).where(*where)
    return await keyset_page(session, stmt, LEDGER_KEYS, paging)


async def refs_and_unit_names(
    session: AsyncSession, entries: Sequence[OverdueEntry]
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """Return the references of the entries' cases and the names of their units, by id."""
    if not entries:
        return {}, {}
    cases = select(Case.id, Case.ref).where(Case.id.in_({e.case_id for e in entries}))
    units = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_({e.unit_id for e in entries}))
    refs = {i: ref for i, ref in await session.execute(cases)}
    names = {i: name for i, name in await session.execute(units)}
    return refs, names
