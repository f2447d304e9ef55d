"""Supervision from above: the overdue ledger, its explanations, and the per-level overview.

The escalation sweep writes an `OverdueEntry` for every missed step deadline. The unit that
was responsible explains it in writing; the ledger lists entries until their case is closed
(then `resolved_at` is set: gone from the open ledger, kept for the figures). The overview of a
unit counts, per child unit, the open, overdue, unexplained, soon-due and escalated cases with a
handful of grouped queries, whatever the number of children.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.cases.models import TERMINAL, Case
from linli.cases.service import load_for
from linli.cases.sla import repository
from linli.cases.sla.models import OverdueEntry
from linli.cases.sla.service import explain_missed_steps
from linli.core import clock
from linli.core.errors import NotFound
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security.permissions import Principal

NONE_GIVEN = "none given"
MAX_LISTED = 200


class UnitNotFound(NotFound):
    code = "unit_not_found"

    def __init__(self) -> None:
        super().__init__("unit not found")


async def _visible_unit(session: AsyncSession, unit_id: uuid.UUID, principal: Principal) -> OrgUnit:
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.can("cases:read", unit.path):
        raise UnitNotFound()
    return unit


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger entry with what a reader needs beside it."""

    entry: OverdueEntry
    case_ref: str
    unit_name: str


async def list_overdue(
    session: AsyncSession,
    *,
    principal: Principal,
    unexplained: bool | None = None,
    unit_id: uuid.UUID | None = None,
    resolved: bool = False,
    case_id: uuid.UUID | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[LedgerLine]:
    """Return the page `paging` asks for of the overdue ledger in the principal's subtree,
    oldest miss first."""
    where: list[ColumnElement[bool]] = [
        principal.scope("cases:read", OverdueEntry.unit_path, Case.org_path),
        OverdueEntry.resolved_at.is_not(None) if resolved else OverdueEntry.resolved_at.is_(None),
    ]
    if unexplained is not None:
        col = OverdueEntry.explanation
        where.append(col.is_(None) if unexplained else col.is_not(None))
    if case_id is not None:
        where.append(OverdueEntry.case_id == case_id)
    if unit_id is not None:
        unit = await _visible_unit(session, unit_id, principal)
        where.append(OverdueEntry.unit_path.startswith(unit.path, autoescape=True))
    page = await repository.ledger_page(session, where, paging)
    refs, names = await repository.refs_and_unit_names(session, page.items)
    lines = [LedgerLine(e, refs[e.case_id], names.get(e.unit_id, "")) for e in page.items]
    return Page(lines, page.next, page.total, page.total_capped)


async def explain_overdue(
    session: AsyncSession, case_id: uuid.UUID, *, principal: Principal, explanation: str
) -> list[OverdueEntry]:
    """Record the responsible unit's written explanation on the case's unexplained entries."""
    case = await load_for(session, case_id, principal, for_update=True)
    return await explain_missed_steps(session, case, principal=principal, explanation=explanation)


@dataclass(frozen=True, slots=True)
class ChildFigures:
    unit: OrgUnit
    open: int = 0
    overdue: int = 0
    unexplained_overdue: int = 0
    due_soon: int = 0
    escalated_here: int = 0


@dataclass(frozen=True, slots=True)
class OverdueCase:
    case: Case
    unit_name: str
    place: str
    why: str


@dataclass(frozen=True, slots=True)
class Overview:
    unit: OrgUnit
    due_before: datetime
    children: list[ChildFigures]
    overdue: list[OverdueCase]


def _count(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


async def overview(
    session: AsyncSession, unit_id: uuid.UUID, *, principal: Principal, hours: int = 4
) -> Overview:
    """Return the supervision figures of `unit`'s subtree, per child unit, and its late cases."""
    unit = await _visible_unit(session, unit_id, principal)
    now = clock.now()
    due_before = (await org_service.calendar_for(session, unit)).add(now, timedelta(hours=hours))
    child = aliased(OrgUnit)
    is_open = Case.status.not_in(list(TERMINAL))
    was_late = Case.id.in_(select(OverdueEntry.case_id))
    in_child = and_(
        Case.org_path.startswith(unit.path, autoescape=True),
        Case.org_path.startswith(child.path),
    )
    figures = await session.execute(
        select(
            child.id,
            _count(is_open),
            _count(and_(is_open, Case.overdue.is_(True))),
            _count(
                and_(
                    is_open,
                    Case.overdue.is_(False),
                    Case.step_deadline_at > now,
                    Case.step_deadline_at <= due_before,
                )
            ),
            _count(and_(is_open, Case.supervisor_unit_id == unit.id, was_late)),
        )
        .join(Case, in_child)
        .where(child.parent_id == unit.id)
        .group_by(child.id)
    )
    by_child = {row[0]: [int(v) for v in row[1:]] for row in figures}
    unexplained = await session.execute(
        select(child.id, func.count(func.distinct(OverdueEntry.case_id)))
        .join(Case, in_child)
        .join(OverdueEntry, OverdueEntry.case_id == Case.id)
        .where(
            child.parent_id == unit.id,
            OverdueEntry.resolved_at.is_(None),
            OverdueEntry.explanation.is_(None),
        )
        .group_by(child.id)
    )
    unexplained_by = {cid: int(n) for cid, n in unexplained}
    children = []
    for c in await session.scalars(
        select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.code)
    ):
        n_open, n_overdue, n_soon, n_escalated = by_child.get(c.id, [0, 0, 0, 0])
        children.append(
            ChildFigures(c, n_open, n_overdue, unexplained_by.get(c.id, 0), n_soon, n_escalated)
        )
    return Overview(unit, due_before, children, await _overdue_cases(session, unit))


async def _overdue_cases(session: AsyncSession, unit: OrgUnit) -> list[OverdueCase]:
    sent_to, place = aliased(OrgUnit), aliased(OrgUnit)
    rows = (
        await session.execute(
            select(Case, sent_to.name, place.name)
            .join(place, place.id == Case.org_unit_id)
            .outerjoin(sent_to, sent_to.id == Case.assigned_unit_id)
            .where(
                Case.org_path.startswith(unit.path, autoescape=True),
                Case.status.not_in(list(TERMINAL)),
                Case.overdue.is_(True),
            )
            .order_by(Case.step_deadline_at, Case.ref)
            .limit(MAX_LISTED)
        )
    ).all()
    why = await _latest_explanations(session, [c.id for c, _, _ in rows])
    return [OverdueCase(c, sent or here, here, why.get(c.id, NONE_GIVEN)) for c, sent, here in rows]


async def _latest_explanations(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not case_ids:
        return {}
    rows = await session.execute(
        select(OverdueEntry.case_id, OverdueEntry.explanation)
        .where(OverdueEntry.case_id.in_(list(case_ids)), OverdueEntry.explanation.is_not(None))
        .order_by(OverdueEntry.explained_at, OverdueEntry.id)
    )
    return {cid: text for cid, text in rows if text}
