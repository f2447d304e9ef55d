"""Emergency incidents, the one module other code imports.

Declaring, changing and closing live in `lifecycle`, tasks/resources/log/links in `command`,
staged notices in `notices` and the closing report in `report` — all re-exported here, beside the
reads, the peacetime/wartime answer and the intake hook `link_new_case`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents import repository
from linli.cases.incidents.access import area_of, load_for, may_read, overlaps, read_clause
from linli.cases.incidents.command import (
    add_log_entry,
    add_resource,
    add_task,
    attach_case,
    link_case,
    unlink_case,
    update_resource,
    update_task,
)
from linli.cases.incidents.lifecycle import close_incident, declare_incident, update_incident
from linli.cases.incidents.models import (
    Incident,
    IncidentCase,
    IncidentLogEntry,
    IncidentNotice,
    IncidentResource,
    IncidentTask,
)
from linli.cases.incidents.notices import send_notice
from linli.cases.incidents.report import build_report
from linli.cases.models import Case
from linli.core.errors import NotFound
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry.models import Building, Resident
from linli.security.models import StaffAccount
from linli.security.permissions import Principal

__all__ = [
    "IncidentView",
    "Mode",
    "add_log_entry",
    "add_resource",
    "add_task",
    "build_report",
    "close_incident",
    "declare_incident",
    "get_incident",
    "link_case",
    "link_new_case",
    "list_incidents",
    "mode_of",
    "notices_of",
    "residents_in_area",
    "send_notice",
    "staff_in_area",
    "unlink_case",
    "update_incident",
    "update_resource",
    "update_task",
    "view_incident",
]


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident with everything its page and API detail show."""

    incident: Incident
    tasks: Sequence[IncidentTask]
    resources: Sequence[IncidentResource]
    log: Sequence[IncidentLogEntry]
    cases: list[tuple[IncidentCase, Case]]
    notices: Sequence[IncidentNotice]


@dataclass(frozen=True, slots=True)
class Mode:
    unit_id: uuid.UUID
    wartime: bool
    incidents: list[uuid.UUID]


async def get_incident(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal
) -> Incident:
    """Return an incident the principal may read, or raise NotFound."""
    return await load_for(session, incident_id, principal)


async def view_incident(session: AsyncSession, incident: Incident) -> IncidentView:
    """Return the incident with its tasks, resources, log, linked cases and notices."""
    return IncidentView(
        incident=incident,
        tasks=await repository.tasks(session, incident.id),
        resources=await repository.resources(session, incident.id),
        log=await repository.log(session, incident.id),
        cases=await repository.linked_cases(session, incident.id),
        notices=await repository.notices(session, incident.id),
    )


async def list_incidents(
    session: AsyncSession,
    *,
    principal: Principal,
    active: bool | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Incident]:
    """Return the page `paging` asks for of the incidents the principal may read, active first."""
    where: list[ColumnElement[bool]] = [read_clause(principal)]
    if active is not None:
        where.append(Incident.status == ("active" if active else "closed"))
    return await repository.list_incidents(session, where, paging)


async def mode_of(session: AsyncSession, unit_id: uuid.UUID, *, principal: Principal) -> Mode:
    """Answer whether any part of a unit lies in the area of an active incident (wartime)."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.can("incidents:read", unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    boundary = area_of_unit(unit)
    hits: list[Incident] = []
    for incident in await repository.active_touching(session, unit.path):
        inside = unit.path.startswith(incident.org_path)
        if inside and incident.area is not None and boundary is not None:
            # Declared above the unit over a polygon: only a unit the polygon reaches is hit.
            area = area_of(incident, None)
            if area is not None and not overlaps(area, boundary):
                continue
        hits.append(incident)
    return Mode(unit.id, bool(hits), [i.id for i in hits if may_read(principal, i)])


async def notices_of(session: AsyncSession, incident: Incident) -> Sequence[IncidentNotice]:
    """Return an incident's staged notices, oldest first."""
    return await repository.notices(session, incident.id)


async def _area(session: AsyncSession, incident: Incident) -> BaseGeometry | None:
    if incident.area is None:
        return None
    return area_of(incident, await org_service.get_unit(session, incident.unit_id))


async def staff_in_area(session: AsyncSession, incident: Incident) -> list[StaffAccount]:
    """Return the active staff holding a role on a unit inside the incident's area."""
    area = await _area(session, incident)
    ids = {
        account_id
        for account_id, boundary in await repository.staff_units_under(session, incident.org_path)
        # Counted as the notice counts them: a unit without a boundary is inside its subtree.
        if area is None or boundary is None or overlaps(area, shape(boundary))
    }
    if not ids:
        return []
    found = await session.scalars(select(StaffAccount).where(StaffAccount.id.in_(ids)))
    return sorted(found, key=lambda a: a.username)


async def residents_in_area(session: AsyncSession, incident: Incident) -> list[Resident]:
    """Return the registered residents of buildings inside the incident's area."""
    area = await _area(session, incident)
    buildings = await session.scalars(
        select(Building).where(Building.org_path.startswith(incident.org_path, autoescape=True))
    )
    inside = [b.id for b in buildings if area is None or area.covers(Point(b.lon, b.lat))]
    if not inside:
        return []
    found = await session.scalars(
        select(Resident)
        .where(Resident.building_id.in_(inside))
        .order_by(Resident.created_at, Resident.id)
    )
    return list(found)


def area_of_unit(unit: OrgUnit) -> BaseGeometry | None:
    """Return a unit's boundary as a geometry, or None."""
    return shape(unit.boundary) if unit.boundary is not None else None


async def link_new_case(session: AsyncSession, case: Case) -> list[Incident]:
    """Link a newly reported case to every active incident whose area holds it; return those.

    Called by case intake in the same unit of work. A case with a point is linked when the
    incident's area covers the point; one without, when its unit lies in the area.
    """
    linked: list[Incident] = []
    unit: OrgUnit | None = None
    for incident in await repository.active_over(session, case.org_path):
        if incident.declared_at > case.created_at:
            continue
        if incident.area is not None:
            area = area_of(incident, None)
            assert area is not None
            if case.lon is not None and case.lat is not None:
                if not area.covers(Point(case.lon, case.lat)):
                    continue
            else:
                unit = unit or await session.get(OrgUnit, case.org_unit_id)
                boundary = area_of_unit(unit) if unit is not None else None
                if boundary is None or not overlaps(area, boundary):
                    continue
        if await repository.get_link(session, incident.id, case.id) is not None:
            continue
        locked = await repository.get_incident(session, incident.id, for_update=True)
        assert locked is not None
        await attach_case(session, locked, case, actor="system", automatic=True)
        linked.append(locked)
    return linked
