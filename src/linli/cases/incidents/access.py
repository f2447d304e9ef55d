"""What every incident action shares: scoped loading, the area's geometry, the situation log."""

from __future__ import annotations

import uuid
from typing import Any

from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents import repository
from linli.cases.incidents.errors import IncidentClosed, IncidentNotFound
from linli.cases.incidents.events import snapshot
from linli.cases.incidents.models import Incident, IncidentLogEntry
from linli.core import clock, events
from linli.core.errors import Forbidden, ValidationFailed
from linli.org.models import OrgUnit
from linli.security.permissions import Principal


def may_read(principal: Principal, incident: Incident) -> bool:
    """Return whether the principal may read the incident: it lies in their subtree, their
    subtree lies in its unit (they are in the area), or they command it."""
    if principal.account_id == incident.commander_id:
        return True
    return any(
        incident.org_path.startswith(p) or p.startswith(incident.org_path)
        for p in principal.paths_for("incidents:read")
    )


def read_clause(principal: Principal) -> ColumnElement[bool]:
    """Return the WHERE clause keeping the incidents `may_read` lets the principal read."""
    paths = principal.paths_for("incidents:read")
    above = sorted({a for p in paths for a in repository.ancestor_paths(p)})
    return or_(
        principal.scope("incidents:read", Incident.org_path),
        Incident.org_path.in_(above) if above else false(),
        Incident.commander_id == principal.account_id,
    )


def may_command(principal: Principal, incident: Incident) -> bool:
    """Return whether the principal may command the incident (over its unit, or its commander)."""
    if principal.account_id == incident.commander_id and principal.has("incidents:command"):
        return True
    return principal.can("incidents:command", incident.org_path)


async def load_for(
    session: AsyncSession,
    incident_id: uuid.UUID,
    principal: Principal,
    *,
    command: bool = False,
    for_update: bool = False,
) -> Incident:
    """Return an incident the principal may read (and command, when asked); else NotFound."""
    incident = await repository.get_incident(session, incident_id, for_update=for_update)
    if incident is None or not may_read(principal, incident):
        raise IncidentNotFound()
    if command and not may_command(principal, incident):
        raise Forbidden("you lack 'incidents:command' on this incident", code="forbidden_scope")
    return incident


def require_active(incident: Incident) -> None:
    """Raise Conflict(incident_closed) unless the incident is still active."""
    if incident.status != "active":
        raise IncidentClosed()


def parse_area(area: dict[str, Any]) -> BaseGeometry:
    """Return the shapely geometry of a GeoJSON area, or raise ValidationFailed(bad_area)."""
    try:
        geom = shape(area)
    except (GEOSException, AttributeError, KeyError, TypeError, ValueError, IndexError) as err:
        raise ValidationFailed("the area is not GeoJSON", code="bad_area") from err
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty or not geom.is_valid:
        raise ValidationFailed("the area must be a valid (Multi)Polygon", code="bad_area")
    return geom


def area_of(incident: Incident, unit: OrgUnit | None) -> BaseGeometry | None:
    """Return the incident's area: its polygon, else its unit's boundary (None: unknown)."""
    if incident.area is not None:
        return shape(incident.area)
    if unit is not None and unit.boundary is not None:
        return shape(unit.boundary)
    return None


def overlaps(a: BaseGeometry, b: BaseGeometry) -> bool:
    """Return whether two areas share more than an edge."""
    return bool(a.intersects(b)) and not a.touches(b)


async def write_log(
    session: AsyncSession,
    incident: Incident,
    *,
    actor: str,
    action: str,
    text: str,
    detail: dict[str, Any] | None = None,
) -> IncidentLogEntry:
    """Write one situation-log line for a change, touch the incident and record its event."""
    now = clock.now()
    entry = await repository.append_log(
        session, incident.id, at=now, actor=actor, action=action, text=text, detail=detail or {}
    )
    incident.updated_at = now
    events.record(session, snapshot(incident, action=action, detail=detail))
    return entry
