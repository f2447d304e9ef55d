"""Incidents HTTP API: declare, the peacetime/wartime answer, command, notices, close, report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents import service
from linli.cases.incidents.access import may_command
from linli.cases.incidents.models import Incident
from linli.cases.incidents.report import linked_case_read
from linli.cases.incidents.schemas import (
    CaseLinkCreate,
    CloseIn,
    IncidentCreate,
    IncidentDetail,
    IncidentPage,
    IncidentRead,
    IncidentReport,
    IncidentUpdate,
    LinkedCaseRead,
    LogEntryCreate,
    LogEntryRead,
    ModeRead,
    NoticeCreate,
    NoticeRead,
    ResourceCreate,
    ResourceRead,
    ResourceUpdate,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.org import service as org_service
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

Reader = Annotated[Principal, Depends(require("incidents:read"))]
Commander = Annotated[Principal, Depends(require("incidents:command"))]
GEOJSON = "application/geo+json"


async def detail_of(
    session: AsyncSession, incident: Incident, principal: Principal
) -> IncidentDetail:
    """Return the API detail of an incident the principal has read."""
    view = await service.view_incident(session, incident)
    return IncidentDetail.model_validate(
        {
            **IncidentRead.model_validate(incident).model_dump(),
            "tasks": [TaskRead.model_validate(t) for t in view.tasks],
            "resources": [ResourceRead.model_validate(r) for r in view.resources],
            "log": [LogEntryRead.model_validate(e) for e in view.log],
            "cases": [linked_case_read(link, case, principal.locale) for link, case in view.cases],
            "notices": [NoticeRead.model_validate(n) for n in view.notices],
            "can_command": may_command(principal, incident),
        }
    )


async def feature_of(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """Return an incident as a GeoJSON feature: its polygon, or its unit's boundary."""
    geometry = incident.area
    if geometry is None:
        geometry = (await org_service.get_unit(session, incident.unit_id)).boundary
    return {
        "type": "Feature",
        "id": str(incident.id),
        "geometry": geometry,
        "properties": {
            "id": str(incident.id),
            "title": incident.title,
            "kind": incident.kind,
            "severity": incident.severity,
            "status": incident.status,
            "declared_at": incident.declared_at.isoformat(),
            "url": f"/incidents/{incident.id}",
        },
    }


@router.get(
    "",
    response_model=IncidentPage,
    responses={
        200: {"content": {GEOJSON: {}}, "description": "with ?geo=true a FeatureCollection"}
    },
)
async def list_incidents(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    active: bool | None = None,
    geo: bool = False,
) -> IncidentPage | JSONResponse:
    """List the incidents you may read, active first; `?geo=true` gives their areas for a map."""
    # The FeatureCollection carries the page's `next` (and `total`) as foreign members.
    page = await service.list_incidents(session, principal=principal, active=active, paging=paging)
    if geo:
        features = [await feature_of(session, i) for i in page.items]
        return JSONResponse(
            {"type": "FeatureCollection", "features": features, **page_meta(page)},
            media_type=GEOJSON,
        )
    return IncidentPage(
        items=[IncidentRead.model_validate(i) for i in page.items], **page_meta(page)
    )


@router.post("", status_code=201)
async def declare_incident(
    body: IncidentCreate, session: DbSession, principal: Commander
) -> IncidentDetail:
    """Declare an incident over a unit or a polygon inside it: the area goes to wartime."""
    incident = await service.declare_incident(session, principal=principal, data=body)
    return await detail_of(session, incident, principal)


@router.get("/mode")
async def incident_mode(unit: uuid.UUID, session: DbSession, principal: Reader) -> ModeRead:
    """Say whether a unit is in wartime (inside an active incident's area) or peacetime."""
    mode = await service.mode_of(session, unit, principal=principal)
    return ModeRead(
        unit_id=mode.unit_id,
        mode="wartime" if mode.wartime else "peacetime",
        incidents=mode.incidents,
    )


@router.get("/{incident_id:uuid}")
async def get_incident(
    incident_id: uuid.UUID, session: DbSession, principal: Reader
) -> IncidentDetail:
    """Read an incident with its tasks, resources, situation log, cases and notices."""
    incident = await service.get_incident(session, incident_id, principal=principal)
    return await detail_of(session, incident, principal)


@router.patch("/{incident_id:uuid}")
async def update_incident(
    incident_id: uuid.UUID, body: IncidentUpdate, session: DbSession, principal: Commander
) -> IncidentDetail:
    """Change an active incident's severity, title, description or commander."""
    incident = await service.update_incident(session, incident_id, principal=principal, data=body)
    return await detail_of(session, incident, principal)


@router.post("/{incident_id}/tasks", status_code=201)
async def add_task(
    incident_id: uuid.UUID, body: TaskCreate, session: DbSession, principal: Commander
) -> TaskRead:
    """Give a unit (a department, a community) a task with an owner and a deadline."""
    task = await service.add_task(session, incident_id, principal=principal, data=body)
    return TaskRead.model_validate(task)


@router.patch("/{incident_id}/tasks/{task_id}")
async def update_task(
    incident_id: uuid.UUID,
    task_id: uuid.UUID,
    body: TaskUpdate,
    session: DbSession,
    principal: Reader,
) -> TaskRead:
    """Mark a task done (with a note) or cancelled, or change it; its owner may finish it."""
    task = await service.update_task(session, incident_id, task_id, principal=principal, data=body)
    return TaskRead.model_validate(task)


@router.post("/{incident_id}/resources", status_code=201)
async def add_resource(
    incident_id: uuid.UUID, body: ResourceCreate, session: DbSession, principal: Commander
) -> ResourceRead:
    """Commit a resource to the incident."""
    resource = await service.add_resource(session, incident_id, principal=principal, data=body)
    return ResourceRead.model_validate(resource)


@router.patch("/{incident_id}/resources/{resource_id}")
async def update_resource(
    incident_id: uuid.UUID,
    resource_id: uuid.UUID,
    body: ResourceUpdate,
    session: DbSession,
    principal: Commander,
) -> ResourceRead:
    """Move, resize or change the status of a resource."""
    resource = await service.update_resource(
        session, incident_id, resource_id, principal=principal, data=body
    )
    return ResourceRead.model_validate(resource)


@router.post("/{incident_id}/log", status_code=201)
async def add_log_entry(
    incident_id: uuid.UUID, body: LogEntryCreate, session: DbSession, principal: Commander
) -> LogEntryRead:
    """Write a situation report to the incident's log."""
    entry = await service.add_log_entry(session, incident_id, principal=principal, text=body.text)
    return LogEntryRead.model_validate(entry)


@router.post("/{incident_id}/cases", status_code=201)
async def link_case(
    incident_id: uuid.UUID, body: CaseLinkCreate, session: DbSession, principal: Commander
) -> LinkedCaseRead:
    """Link an existing case you may read to the incident."""
    link, case = await service.link_case(session, incident_id, body.case_id, principal=principal)
    return linked_case_read(link, case, principal.locale)


@router.delete("/{incident_id}/cases/{case_id}", status_code=204)
async def unlink_case(
    incident_id: uuid.UUID, case_id: uuid.UUID, session: DbSession, principal: Commander
) -> Response:
    """Remove a case from the incident (the case itself is untouched)."""
    await service.unlink_case(session, incident_id, case_id, principal=principal)
    return Response(status_code=204)


@router.post("/{incident_id}/notices", status_code=201)
async def send_notice(
    incident_id: uuid.UUID, body: NoticeCreate, session: DbSession, principal: Commander
) -> NoticeRead:
    """Stage a notice: 1 staff of the area, 2 its residents, 3 the all-clear after closing."""
    incident = await service.get_incident(session, incident_id, principal=principal)
    notice = await service.send_notice(session, incident, body.stage, body.text, actor=principal)
    return NoticeRead.model_validate(notice)


@router.post("/{incident_id}/close")
async def close_incident(
    incident_id: uuid.UUID, body: CloseIn, session: DbSession, principal: Commander
) -> IncidentDetail:
    """Close the incident with a summary (open tasks need `force` and a reason)."""
    incident = await service.close_incident(session, incident_id, principal=principal, data=body)
    return await detail_of(session, incident, principal)


@router.get("/{incident_id}/report")
async def incident_report(
    incident_id: uuid.UUID, session: DbSession, principal: Reader
) -> IncidentReport:
    """Return the incident's report: duration, task figures, resources, cases, log, notices."""
    incident = await service.get_incident(session, incident_id, principal=principal)
    return await service.build_report(session, incident, locale=principal.locale)
