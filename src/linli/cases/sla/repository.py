"""Queries of the SLA sweep: the timers that fired, claimed so that no two workers fire one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import Case, Category


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


async def category(session: AsyncSession, code: str) -> Category | None:
    """Return the category `code`, whose step limits set the deadlines."""
    return await session.scalar(select(Category).where(Category.code == code))
