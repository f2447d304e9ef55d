"""Queries of incidents, written with `select()`; each loads exactly what it needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents.models import (
    Incident,
    IncidentCase,
    IncidentLogEntry,
    IncidentNotice,
    IncidentResource,
    IncidentTask,
)
from linli.cases.models import Case
from linli.core.pagination import Key, Page, PageQuery, keyset_page, newest_first
from linli.org.models import OrgUnit
from linli.security.models import RoleGrant, StaffAccount


def ancestor_paths(path: str) -> list[str]:
    """Return the paths of a unit and of every ancestor (`/a/`, `/a/b/`, …)."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


async def get_incident(
    session: AsyncSession, incident_id: uuid.UUID, *, for_update: bool = False
) -> Incident | None:
    """Return an incident, locking its row for the rest of the transaction when asked."""
    stmt = select(Incident).where(Incident.id == incident_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=for_update))


# Active first ("active" sorts before "closed"), then newest declared first.
INCIDENT_KEYS = (
    Key(Incident.status, descending=False),
    *newest_first(Incident.declared_at, Incident.id),
)


async def list_incidents(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[Incident]:
    """Return the page of matching incidents (active first, newest first) `paging` asks for."""
    return await keyset_page(session, select(Incident).where(*where), INCIDENT_KEYS, paging)


async def active_over(session: AsyncSession, path: str) -> Sequence[Incident]:
    """Return the active incidents declared on the unit at `path` or on one of its ancestors."""
    stmt = select(Incident).where(
        Incident.status == "active", Incident.org_path.in_(ancestor_paths(path))
    )
    return (await session.scalars(stmt.order_by(Incident.declared_at))).all()


async def active_touching(session: AsyncSession, path: str) -> Sequence[Incident]:
    """Return the active incidents declared on the unit at `path`, above it or inside it."""
    stmt = select(Incident).where(
        Incident.status == "active",
        or_(
            Incident.org_path.in_(ancestor_paths(path)),
            Incident.org_path.startswith(path, autoescape=True),
        ),
    )
    return (await session.scalars(stmt.order_by(Incident.declared_at))).all()


async def tasks(session: AsyncSession, incident_id: uuid.UUID) -> Sequence[IncidentTask]:
    """Return an incident's tasks, oldest first."""
    stmt = select(IncidentTask).where(IncidentTask.incident_id == incident_id)
    return (await session.scalars(stmt.order_by(IncidentTask.created_at, IncidentTask.id))).all()


async def get_task(
    session: AsyncSession, incident_id: uuid.UUID, task_id: uuid.UUID
) -> IncidentTask | None:
    """Return one task of an incident."""
    return await session.scalar(
        select(IncidentTask).where(
            IncidentTask.id == task_id, IncidentTask.incident_id == incident_id
        )
    )


async def resources(session: AsyncSession, incident_id: uuid.UUID) -> Sequence[IncidentResource]:
    """Return an incident's resources, oldest first."""
    stmt = select(IncidentResource).where(IncidentResource.incident_id == incident_id)
    return (
        await session.scalars(stmt.order_by(IncidentResource.created_at, IncidentResource.id))
    ).all()


async def get_resource(
    session: AsyncSession, incident_id: uuid.UUID, resource_id: uuid.UUID
) -> IncidentResource | None:
    """Return one resource of an incident."""
    return await session.scalar(
        select(IncidentResource).where(
            IncidentResource.id == resource_id, IncidentResource.incident_id == incident_id
        )
    )


async def log(session: AsyncSession, incident_id: uuid.UUID) -> Sequence[IncidentLogEntry]:
    """Return the situation log in order."""
    stmt = select(IncidentLogEntry).where(IncidentLogEntry.incident_id == incident_id)
    return (await session.scalars(stmt.order_by(IncidentLogEntry.seq))).all()


async def append_log(
    session: AsyncSession, incident_id: uuid.UUID, **fields: Any
) -> IncidentLogEntry:
    """Append one line to the situation log (the incident's row is locked by the caller)."""
    last = await session.scalar(
        select(func.max(IncidentLogEntry.seq)).where(IncidentLogEntry.incident_id == incident_id)
    )
    entry = IncidentLogEntry(incident_id=incident_id, seq=int(last or 0) + 1, **fields)
    session.add(entry)
    await session.flush()
    return entry


async def linked_cases(
    session: AsyncSession, incident_id: uuid.UUID
) -> list[tuple[IncidentCase, Case]]:
    """Return the incident's links with their cases, in the order they were linked."""
    stmt = (
        select(IncidentCase, Case)
        .join(Case, Case.id == IncidentCase.case_id)
        .where(IncidentCase.incident_id == incident_id)
        .order_by(IncidentCase.linked_at, Case.ref)
    )
    return [(link, c) for link, c in await session.execute(stmt)]


async def get_link(
    session: AsyncSession, incident_id: uuid.UUID, case_id: uuid.UUID
) -> IncidentCase | None:
    """Return the link of a case to an incident, if there is one."""
    return await session.scalar(
        select(IncidentCase).where(
            IncidentCase.incident_id == incident_id, IncidentCase.case_id == case_id
        )
    )


async def notices(session: AsyncSession, incident_id: uuid.UUID) -> Sequence[IncidentNotice]:
    """Return the notices staged for an incident, by stage."""
    stmt = select(IncidentNotice).where(IncidentNotice.incident_id == incident_id)
    return (await session.scalars(stmt.order_by(IncidentNotice.stage))).all()


async def grants(session: AsyncSession, account_id: uuid.UUID) -> list[tuple[str, str]]:
    """Return (role, unit path) of every role an active account holds."""
    stmt = (
        select(RoleGrant.role, OrgUnit.path)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .join(StaffAccount, StaffAccount.id == RoleGrant.account_id)
        .where(RoleGrant.account_id == account_id, StaffAccount.active.is_(True))
    )
    return [(role, path) for role, path in await session.execute(stmt)]


async def staff_units_under(
    session: AsyncSession, path: str
) -> list[tuple[uuid.UUID, dict[str, Any] | None]]:
    """Return (account, unit boundary) of every role of an active account inside a subtree."""
    stmt = (
        select(RoleGrant.account_id, OrgUnit.boundary)
        .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
        .join(StaffAccount, StaffAccount.id == RoleGrant.account_id)
        .where(OrgUnit.path.startswith(path, autoescape=True), StaffAccount.active.is_(True))
    )
    return [(account_id, boundary) for account_id, boundary in await session.execute(stmt)]


async def staff_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Return the display names of staff accounts."""
    if not ids:
        return {}
    stmt = select(StaffAccount.id, StaffAccount.display_name).where(StaffAccount.id.in_(ids))
    return {i: name for i, name in await session.execute(stmt)}
