"""Incident command: tasks for departments, resources, the situation log and linked cases.

Every change writes one line of the situation log and an `incident.updated` event.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.incidents import repository
from linli.cases.incidents.access import (
    load_for,
    may_command,
    may_read,
    require_active,
    write_log,
)
from linli.cases.incidents.errors import IncidentNotFound, ResourceNotFound, TaskNotFound
from linli.cases.incidents.lifecycle import holds_role_around
from linli.cases.incidents.models import (
    Incident,
    IncidentCase,
    IncidentLogEntry,
    IncidentResource,
    IncidentTask,
)
from linli.cases.incidents.schemas import ResourceCreate, ResourceUpdate, TaskCreate, TaskUpdate
from linli.cases.models import Case
from linli.core import clock
from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.org.models import OrgUnit
from linli.security.permissions import Principal


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed("give times with a UTC offset", code="naive_datetime")
    return clock.as_utc(value) if value is not None else None


async def _task_unit(session: AsyncSession, incident: Incident, unit_id: uuid.UUID) -> OrgUnit:
    """Return a unit of the incident's own tree (its departments included)."""
    unit = await session.get(OrgUnit, unit_id)
    root = incident.org_path.split("/")[1]
    if unit is None or unit.path.split("/")[1] != root:
        raise ValidationFailed("the task's unit is not in this tree", code="unknown_task_unit")
    return unit


async def _check_owner(session: AsyncSession, owner_id: uuid.UUID, unit: OrgUnit) -> None:
    if not await holds_role_around(session, owner_id, unit.path):
        raise ValidationFailed(
            "the owner must be an active staff member of the task's unit", code="owner_out_of_scope"
        )


# --- tasks ----------------------------------------------------------------------------------


async def add_task(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal, data: TaskCreate
) -> IncidentTask:
    """Give a unit (and optionally one of its staff) a task with a deadline."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    unit = await _task_unit(session, incident, data.unit_id)
    if data.owner_id is not None:
        await _check_owner(session, data.owner_id, unit)
    title = data.title.strip()
    if not title:
        raise ValidationFailed("a title has 1 to 200 characters", code="bad_title")
    now = clock.now()
    task = IncidentTask(
        incident_id=incident.id,
        unit_id=unit.id,
        owner_id=data.owner_id,
        title=title,
        deadline_at=_aware(data.deadline_at),
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    await write_log(
        session,
        incident,
        actor=principal.actor,
        action="task_added",
        text=f"Task for {unit.name}: {title}",
        detail={"task_id": str(task.id), "unit": unit.code},
    )
    return task


async def update_task(
    session: AsyncSession,
    incident_id: uuid.UUID,
    task_id: uuid.UUID,
    *,
    principal: Principal,
    data: TaskUpdate,
) -> IncidentTask:
    """Finish (done, with a note), cancel or change a task; its owner may finish it too."""
    incident = await repository.get_incident(session, incident_id, for_update=True)
    task = await repository.get_task(session, incident_id, task_id) if incident else None
    owner = task is not None and task.owner_id == principal.account_id
    # A department's staff may sit outside the incident's subtree: their own task they may see.
    if incident is None or not (may_read(principal, incident) or owner):
        raise IncidentNotFound()
    if task is None:
        raise TaskNotFound()
    commander = may_command(principal, incident)
    fields = data.model_dump(exclude_unset=True)
    edits = {k: v for k, v in fields.items() if k not in ("status", "note")}
    owner_finishing = owner and data.status == "done" and not edits
    if not (commander or owner_finishing):
        raise Forbidden("you may not change this task", code="forbidden_scope")
    require_active(incident)
    if task.status != "open":
        raise Conflict(f"the task is {task.status}", code="task_not_open", status=task.status)
    note = (data.note or "").strip() or None
    changes: dict[str, Any] = {}
    if "title" in edits:
        title = (edits["title"] or "").strip()
        if not title:
            raise ValidationFailed("a title has 1 to 200 characters", code="bad_title")
        task.title, changes["title"] = title, title
    if "owner_id" in edits:
        if edits["owner_id"] is not None:
            await _check_owner(
                session, edits["owner_id"], await _task_unit(session, incident, task.unit_id)
            )
        task.owner_id = edits["owner_id"]
        changes["owner_id"] = str(edits["owner_id"])
    if "deadline_at" in edits:
        task.deadline_at = _aware(edits["deadline_at"])
        changes["deadline_at"] = task.deadline_at.isoformat() if task.deadline_at else None
    now = clock.now()
    action, text = "task_changed", f"Task changed: {task.title}"
    if data.status is not None:
        if note is None:
            code = "note_required" if data.status == "done" else "reason_required"
            raise ValidationFailed(f"marking a task {data.status} needs a note", code=code)
        task.status, task.done_note, task.finished_at = data.status, note, now
        action = "task_done" if data.status == "done" else "task_cancelled"
        text = f"Task {data.status}: {task.title} — {note}"
        changes["status"] = data.status
    elif not changes:
        raise ValidationFailed("nothing to change", code="bad_update")
    task.updated_at = now
    await write_log(
        session,
        incident,
        actor=principal.actor,
        action=action,
        text=text,
        detail={"task_id": str(task.id), **changes},
    )
    return task


# --- resources ------------------------------------------------------------------------------


def _check_point(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise ValidationFailed("give both lon and lat, or neither", code="bad_coordinates")


async def add_resource(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal, data: ResourceCreate
) -> IncidentResource:
    """Commit a resource (people, vehicles, supplies…) to the incident."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    _check_point(data.lon, data.lat)
    name = data.name.strip()
    if not name:
        raise ValidationFailed("a resource needs a name", code="bad_name")
    now = clock.now()
    resource = IncidentResource(
        incident_id=incident.id,
        kind=data.kind,
        name=name,
        quantity=data.quantity,
        lon=data.lon,
        lat=data.lat,
        status=data.status,
        created_at=now,
        updated_at=now,
    )
    session.add(resource)
    await session.flush()
    await write_log(
        session,
        incident,
        actor=principal.actor,
        action="resource_added",
        text=f"Resource {name} × {data.quantity} ({data.status})",
        detail={"resource_id": str(resource.id), "kind": data.kind, "status": data.status},
    )
    return resource


async def update_resource(
    session: AsyncSession,
    incident_id: uuid.UUID,
    resource_id: uuid.UUID,
    *,
    principal: Principal,
    data: ResourceUpdate,
) -> IncidentResource:
    """Move, resize, rename or change the status of a resource."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    resource = await repository.get_resource(session, incident.id, resource_id)
    if resource is None:
        raise ResourceNotFound()
    fields = data.model_dump(exclude_unset=True)
    for key in ("name", "quantity", "status"):
        if key in fields and fields[key] is None:
            raise ValidationFailed(f"'{key}' cannot be emptied", code="bad_update")
    lon, lat = fields.get("lon", resource.lon), fields.get("lat", resource.lat)
    _check_point(lon, lat)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"]:
            raise ValidationFailed("a resource needs a name", code="bad_name")
    changes = {k: v for k, v in fields.items() if getattr(resource, k) != v}
    if not changes:
        raise ValidationFailed("nothing to change", code="bad_update")
    for key, value in changes.items():
        setattr(resource, key, value)
    resource.updated_at = clock.now()
    await write_log(
        session,
        incident,
        actor=principal.actor,
        action="resource_changed",
        text=f"Resource {resource.name}: " + ", ".join(f"{k} {v}" for k, v in changes.items()),
        detail={"resource_id": str(resource.id), **changes},
    )
    return resource


# --- the situation log and linked cases -----------------------------------------------------


async def add_log_entry(
    session: AsyncSession, incident_id: uuid.UUID, *, principal: Principal, text: str
) -> IncidentLogEntry:
    """Write a free-text line (a situation report) to the log of an active incident."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    if not text.strip():
        raise ValidationFailed("a log entry needs text", code="text_required")
    return await write_log(
        session, incident, actor=principal.actor, action="note", text=text.strip()
    )


async def link_case(
    session: AsyncSession, incident_id: uuid.UUID, case_id: uuid.UUID, *, principal: Principal
) -> tuple[IncidentCase, Case]:
    """Link an existing case (one the principal may read) to the incident."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    case = await cases_service.load_for(session, case_id, principal)
    if await repository.get_link(session, incident.id, case.id) is not None:
        raise Conflict("the case is already linked", code="case_already_linked")
    link = await attach_case(session, incident, case, actor=principal.actor, automatic=False)
    return link, case


async def attach_case(
    session: AsyncSession, incident: Incident, case: Case, *, actor: str, automatic: bool
) -> IncidentCase:
    """Store the link of a case to an incident and log it (the caller checked both)."""
    link = IncidentCase(
        incident_id=incident.id,
        case_id=case.id,
        linked_at=clock.now(),
        linked_by=actor,
        automatic=automatic,
    )
    session.add(link)
    await session.flush()
    how = "automatically" if automatic else "by hand"
    await write_log(
        session,
        incident,
        actor=actor,
        action="case_linked",
        text=f"Case {case.ref} linked {how}: {case.title}",
        detail={"case_id": str(case.id), "ref": case.ref, "automatic": automatic},
    )
    return link


async def unlink_case(
    session: AsyncSession, incident_id: uuid.UUID, case_id: uuid.UUID, *, principal: Principal
) -> None:
    """Remove a case from the incident (the case itself stays as it is)."""
    incident = await load_for(session, incident_id, principal, command=True, for_update=True)
    require_active(incident)
    link = await repository.get_link(session, incident.id, case_id)
    if link is None:
        raise NotFound("the case is not linked to this incident", code="case_not_linked")
    case = await session.get(Case, case_id)
    await session.delete(link)
    ref = case.ref if case is not None else str(case_id)
    await write_log(
        session,
        incident,
        actor=principal.actor,
        action="case_unlinked",
        text=f"Case {ref} unlinked",
        detail={"case_id": str(case_id), "ref": ref},
    )
