"""Incident pages: the list (active first), one incident's command page and its printable report.

Pages read through `linli.cases.incidents.service`; the forms post to the incidents JSON API
(with the CSRF header) and reload, so the API stays the one way to act.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.incidents import service as incidents_service
from linli.cases.incidents.access import may_command
from linli.cases.incidents.models import Incident
from linli.core import clock
from linli.core.errors import NotFound
from linli.core.pagination import PageQuery
from linli.core.settings import get_settings
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import people as people_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("incidents:read"))]
LIST_LIMIT = 200


async def _units(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, OrgUnit]:
    found: dict[uuid.UUID, OrgUnit] = {}
    for unit_id in ids:
        try:
            found[unit_id] = await org_service.get_unit(session, unit_id)
        except NotFound:
            continue
    return found


def _area(incident: Incident, unit: OrgUnit | None) -> dict[str, Any] | None:
    return incident.area if incident.area is not None else (unit.boundary if unit else None)


async def _task_units(session: AsyncSession, unit: OrgUnit | None) -> list[OrgUnit]:
    """Return the units a task may go to: the incident's subtree and its tree's departments."""
    if unit is None:
        return []
    root = (await org_service.ancestors(session, unit) or [unit])[0]
    inside = await org_service.subtree(session, unit)
    departments = await org_service.subtree(session, root, kinds=("department",))
    seen = {u.id for u in inside}
    return inside + [d for d in departments if d.id not in seen]


@router.get("/incidents")
async def incidents_page(
    request: Request, principal: Reader, session: DbSession, cursor: PageCursor = None
) -> Response:
    """List the incidents of the viewer's area, active ones first."""
    locale = page_locale(request, principal.locale)
    page = await incidents_service.list_incidents(
        session, principal=principal, paging=PageQuery(cursor=cursor, limit=LIST_LIMIT, count=True)
    )
    units = await _units(session, {i.unit_id for i in page.items})
    return render(
        request,
        "incidents.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        incidents=page.items,
        total=page.total or 0,
        pages=pager(request, page, locale=locale),
        units=units,
        active="incidents",
        **page_context(principal),
    )


@router.get("/incidents/{incident_id}")
async def incident_page(
    incident_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Show one incident: facts, task board, resources, cases, notices, log and a map."""
    incident = await incidents_service.get_incident(session, incident_id, principal=principal)
    view = await incidents_service.view_incident(session, incident)
    units = await _units(session, {incident.unit_id, *(t.unit_id for t in view.tasks)})
    # Everyone the page names, in one query: commander, task owners, who declared, closed, logged.
    people = await people_service.people(
        session,
        actors=[incident.declared_by, incident.closed_by, *(e.actor for e in view.log)],
        account_ids=[incident.commander_id, *(t.owner_id for t in view.tasks)],
    )
    settings = get_settings()
    locale = page_locale(request, principal.locale)
    cases = [
        {"id": str(c.id), "ref": c.ref, "title": cases_service.title_in(c, locale),
         "status": c.status, "priority": c.priority, "overdue": c.overdue,
         "lon": c.lon, "lat": c.lat}
        for _, c in view.cases
    ]  # fmt: skip
    resources = [
        {"name": r.name, "kind": r.kind, "quantity": r.quantity, "lon": r.lon, "lat": r.lat}
        for r in view.resources
    ]
    return render(
        request,
        "incident.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        view=view,
        i=incident,
        unit=units.get(incident.unit_id),
        units=units,
        people=people,
        area=_area(incident, units.get(incident.unit_id)),
        task_units=await _task_units(session, units.get(incident.unit_id)),
        now=clock.now(),
        map_cases=cases,
        map_resources=resources,
        can_command=may_command(principal, incident),
        is_owner={t.id for t in view.tasks if t.owner_id == principal.account_id},
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        active="incidents",
        **page_context(principal),
    )


@router.get("/incidents/{incident_id}/report")
async def incident_report_page(
    incident_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Show the incident's report as a printable page."""
    incident = await incidents_service.get_incident(session, incident_id, principal=principal)
    locale = page_locale(request, principal.locale)
    report = await incidents_service.build_report(session, incident, locale=locale)
    units = await _units(session, {t.unit_id for t in report.task_list})
    people = await people_service.people(
        session,
        actors=[incident.declared_by, incident.closed_by, *(e.actor for e in report.log)],
        account_ids=[incident.commander_id],
    )
    return render(
        request,
        "incident_report.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        report=report,
        units=units,
        people=people,
        active="incidents",
        **page_context(principal),
    )
