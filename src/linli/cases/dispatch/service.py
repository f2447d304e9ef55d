"""Who inside a unit gets a case, and which units work on it together.

A dispatched case may name a person. Picked automatically, it is the grid worker of the case's
grid when the case goes to that grid (or its community), else the least-loaded qualified staff
member of the unit: an active account whose role, granted on the unit itself, holds
`cases:handle`; load is their open assigned cases, ties by name. A joint case has a lead (the
unit it was sent to) and supporting units, kept as `CaseParticipant` rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.dispatch.models import CaseParticipant
from linli.cases.models import TERMINAL, Case
from linli.core import clock
from linli.core.errors import ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security.models import RoleGrant, StaffAccount
from linli.security.permissions import ROLES

HANDLER_ROLES = tuple(sorted(r for r, perms in ROLES.items() if "cases:handle" in perms))
GRID_UNITS = frozenset({"grid", "community"})
MAX_SUPPORTING = 10


@dataclass(frozen=True, slots=True)
class Candidate:
    """A staff member who may take a case, with their current load."""

    account_id: uuid.UUID
    name: str
    username: str
    load: int


async def handlers_by_unit(
    session: AsyncSession, unit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Candidate]]:
    """Return, for each of `unit_ids`, the active handlers granted on it, least loaded first."""
    if not unit_ids:
        return {}
    open_load = (
        select(Case.assignee_id, func.count().label("n"))
        .where(Case.status.not_in(list(TERMINAL)), Case.assignee_id.is_not(None))
        .group_by(Case.assignee_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            RoleGrant.unit_id,
            StaffAccount.id,
            StaffAccount.display_name,
            StaffAccount.username,
            func.coalesce(open_load.c.n, 0),
        )
        .join(RoleGrant, RoleGrant.account_id == StaffAccount.id)
        .outerjoin(open_load, open_load.c.assignee_id == StaffAccount.id)
        .where(
            StaffAccount.active.is_(True),
            RoleGrant.unit_id.in_(list(unit_ids)),
            RoleGrant.role.in_(HANDLER_ROLES),
        )
        .distinct()
    )
    found: dict[uuid.UUID, list[Candidate]] = {u: [] for u in unit_ids}
    for unit_id, i, name, user, n in rows:
        found[unit_id].append(Candidate(i, name, user, int(n)))
    return {u: sorted(c, key=lambda c: (c.load, c.name, c.username)) for u, c in found.items()}


async def handlers_of(session: AsyncSession, unit_ids: Sequence[uuid.UUID]) -> list[Candidate]:
    """Return active handlers granted on exactly one of `unit_ids`, least loaded first."""
    by_unit = await handlers_by_unit(session, unit_ids)
    unique = {c.account_id: c for found in by_unit.values() for c in found}
    return sorted(unique.values(), key=lambda c: (c.load, c.name, c.username))


async def _grid_of(session: AsyncSession, case: Case) -> OrgUnit | None:
    unit = await org_service.get_unit(session, case.org_unit_id)
    if unit.kind == "grid":
        return unit
    grids = [u for u in await org_service.ancestors(session, unit) if u.kind == "grid"]
    return grids[-1] if grids else None


async def choose_assignee(session: AsyncSession, case: Case, unit: OrgUnit) -> Candidate | None:
    """Return who should take a case sent to `unit`, or None when the unit has nobody."""
    if unit.kind in GRID_UNITS:
        grid = await _grid_of(session, case)
        if grid is not None and grid.path.startswith(unit.path):
            workers = await handlers_of(session, [grid.id])
            if workers:
                return workers[0]
    staff = await handlers_of(session, [unit.id])
    return staff[0] if staff else None


async def check_assignee(
    session: AsyncSession, account_id: uuid.UUID, case: Case, unit: OrgUnit
) -> Candidate:
    """Return the named person if they may handle the case at `unit`, else ValidationFailed.

    They need a handler role granted on the unit or above it, or on a unit below it that holds
    the place of the case (the grid worker of the case's grid).
    """
    here = await org_service.get_unit(session, case.org_unit_id)
    chain = [*await org_service.ancestors(session, unit), unit]
    chain += [
        u
        for u in [*await org_service.ancestors(session, here), here]
        if u.path.startswith(unit.path)
    ]
    rows = await session.execute(
        select(StaffAccount.id, StaffAccount.display_name, StaffAccount.username)
        .join(RoleGrant, RoleGrant.account_id == StaffAccount.id)
        .where(
            StaffAccount.id == account_id,
            StaffAccount.active.is_(True),
            RoleGrant.role.in_(HANDLER_ROLES),
            RoleGrant.unit_id.in_([u.id for u in chain]),
        )
        .limit(1)
    )
    row = rows.first()
    if row is None:
        raise ValidationFailed(
            "the assignee must be an active account that handles cases in the target unit",
            code="unknown_assignee",
        )
    return Candidate(row[0], row[1], row[2], 0)


def person(candidate: Candidate | None) -> dict[str, str] | None:
    """Return the timeline detail naming an assignee."""
    if candidate is None:
        return None
    return {"id": str(candidate.account_id), "name": candidate.name}


async def units_in_tree(
    session: AsyncSession, case: Case, unit_ids: Sequence[uuid.UUID]
) -> list[OrgUnit]:
    """Return the units named, all in the case's tree, or raise ValidationFailed(unknown_unit)."""
    wanted = list(dict.fromkeys(unit_ids))
    if len(wanted) > MAX_SUPPORTING:
        raise ValidationFailed(
            f"at most {MAX_SUPPORTING} supporting units", code="too_many_supporting"
        )
    if not wanted:
        return []
    root = case.org_path.split("/")[1]
    found = {
        u.id: u
        for u in await session.scalars(select(OrgUnit).where(OrgUnit.id.in_(wanted)))
        if u.path.startswith(f"/{root}/")
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ValidationFailed("no such unit in this case's tree", code="unknown_unit", ids=missing)
    return [found[i] for i in wanted]


async def set_participants(
    session: AsyncSession, case: Case, lead: OrgUnit | None, supporting: Sequence[OrgUnit]
) -> None:
    """Replace the case's participants: a lead and supporting units (none: not a joint case)."""
    await session.execute(delete(CaseParticipant).where(CaseParticipant.case_id == case.id))
    if lead is None or not supporting:
        return
    if any(u.id == lead.id for u in supporting):
        raise ValidationFailed(
            "the lead unit cannot also be a supporting unit", code="lead_is_supporting"
        )
    now = clock.now()
    for role, unit in [("lead", lead), *(("supporting", u) for u in supporting)]:
        session.add(
            CaseParticipant(
                case_id=case.id,
                unit_id=unit.id,
                unit_path=unit.path,
                role=role,
                status="open",
                created_at=now,
                updated_at=now,
            )
        )
    await session.flush()


async def participants(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseParticipant]:
    """Return the case's participants, lead first."""
    return (
        await session.scalars(
            select(CaseParticipant)
            .where(CaseParticipant.case_id == case_id)
            .order_by(CaseParticipant.role, CaseParticipant.created_at)
        )
    ).all()


async def open_supporting(session: AsyncSession, case_id: uuid.UUID) -> list[CaseParticipant]:
    """Return the supporting units whose part of the case is not done yet."""
    return [
        p
        for p in await participants(session, case_id)
        if p.role == "supporting" and p.status == "open"
    ]
