"""Declare an incident (peacetime → wartime), change it, and close it with a summary."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents import repository
from linli.cases.incidents.access import load_for, parse_area, require_active, write_log
from linli.cases.incidents.models import Incident
from linli.cases.incidents.notices import send_notice
from linli.cases.incidents.schemas import CloseIn, IncidentCreate, IncidentUpdate
from linli.core import clock
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import audit
from linli.security.permissions import ROLES, Principal


async def holds_role_around(
    session: AsyncSession, account_id: uuid.UUID, path: str, *, permission: str | None = None
) -> bool:
    """Return whether an active account holds a role (with `permission`, if given) over, or
    inside, the subtree at `path`."""
    return any(
        (path.startswith(p) or p.startswith(path))
        and (permission is None or permission in ROLES.get(role, ()))
        for role, p in await repository.grants(session, account_id)
    )


async def _check_commander(session: AsyncSession, account_id: uuid.UUID, unit: OrgUnit) -> None:
    if not await holds_role_around(session, account_id, unit.path, permission="incidents:command"):
        raise ValidationFailed(
            "the commander must be an active operator holding a role in the area",
            code="commander_out_of_scope",
        )


async def declare_incident(
    session: AsyncSession, *, principal: Principal, data: IncidentCreate
) -> Incident:
    """Declare an incident over a unit (or a polygon inside it): its area goes to wartime."""
    unit = await session.get(OrgUnit, data.unit_id)
    if unit is None or not principal.can("incidents:read", unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    if not principal.can("incidents:command", unit.path):
        raise Forbidden("you may not declare incidents here", code="forbidden_scope")
    title = data.title.strip()
    if not title:
        raise ValidationFailed("a title has 1 to 200 characters", code="bad_title")
    if data.area is not None:
        area = parse_area(data.area)
        if unit.boundary is None:
            raise ValidationFailed(
                "the unit has no boundary to hold an area", code="area_outside_unit"
            )
        # A hair of tolerance: a polygon drawn along the unit's edge still lies inside it.
        if not parse_area(unit.boundary).buffer(1e-9).covers(area):
            raise ValidationFailed("the area must lie inside the unit", code="area_outside_unit")
    await _check_commander(session, data.commander_id, unit)
    now = clock.now()
    incident = Incident(
        kind=data.kind,
        severity=data.severity,
        title=title,
        description=data.description,
        status="active",
        unit_id=unit.id,
        org_path=unit.path,
        area=data.area,
        commander_id=data.commander_id,
        declared_by=principal.actor,
        declared_at=now,
        updated_at=now,
        created_at=now,
    )
    session.add(incident)
    await session.flush()
    await write_log(
        session,
        incident,
        actor=principal.actor,
        action="declare",
        text=f"Declared {data.kind} incident ({data.severity}) over {unit.name}",
        detail={"unit": unit.code, "polygon": data.area is not None},
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="incident.declare",
        target_type="incident",
        target_id=str(incident.id),
        org_path=incident.org_path,
        detail={"kind": data.kind, "severity": data.severity, "unit": unit.code},
    )
    return incident


async def update_incident(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal, data: IncidentUpdate
) -> Incident:
    """Change an active incident's severity, title, description or commander."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    changes: dict[str, Any] = {}
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise ValidationFailed(f"'{field}' cannot be emptied", code="bad_update")
        if field == "title":
            value = value.strip()
            if not value:
                raise ValidationFailed("a title has 1 to 200 characters", code="bad_title")
        if field == "commander_id":
            await _check_commander(
                session, value, await org_service.get_unit(session, incident.unit_id)
            )
        if getattr(incident, field) != value:
            setattr(incident, field, value)
            changes[field] = str(value)
    if changes:
        await write_log(
            session,
            incident,
            actor=principal.actor,
            action="update",
            text="Changed " + ", ".join(sorted(changes)),
            detail=changes,
        )
    return incident


async def close_incident(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal, data: CloseIn
) -> Incident:
    """Close an incident with its summary; open tasks need `force` and a reason."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    summary = data.summary.strip()
    if not summary:
        raise ValidationFailed("closing needs a summary", code="summary_required")
    still_open = [t for t in await repository.tasks(session, incident.id) if t.status == "open"]
    reason = (data.reason or "").strip()
    if still_open and not data.force:
        raise Conflict(
            f"{len(still_open)} task(s) are still open; close them or force with a reason",
            code="open_tasks",
            open_tasks=len(still_open),
        )
    if still_open and not reason:
        raise ValidationFailed("forcing a close needs a reason", code="reason_required")
    now = clock.now()
    incident.status = "closed"
    incident.closed_at = now
    incident.closed_by = principal.actor
    incident.summary = summary
    incident.forced_close_reason = reason if still_open else None
    detail: dict[str, Any] = {"open_tasks": len(still_open)}
    if still_open:
        detail["reason"] = reason
    await write_log(
        session, incident, actor=principal.actor, action="close", text=summary, detail=detail
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="incident.close",
        target_type="incident",
        target_id=str(incident.id),
        org_path=incident.org_path,
        detail=detail,
    )
    if data.all_clear is not None:
        await send_notice(session, incident, 3, data.all_clear, actor=principal)
    return incident
