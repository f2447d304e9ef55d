"""Org HTTP API: the unit tree (also as GeoJSON), locating a point, routing, work calendars."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.org import repository, service
from linli.org.models import OrgUnit, RoutingRule
from linli.org.schemas import (
    CalendarRead,
    CalendarSet,
    OrgUnitCreate,
    OrgUnitDetail,
    OrgUnitPage,
    OrgUnitRead,
    RoutingRuleRead,
    RoutingRuleSet,
)
from linli.security import audit
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/org", tags=["org"])

Reader = Annotated[Principal, Depends(require("org:read"))]
Writer = Annotated[Principal, Depends(require("org:write"))]
GEOJSON = "application/geo+json"


async def _readable(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> OrgUnit:
    """Return the unit if the caller may read it; otherwise it does not exist for them."""
    unit = await session.get(OrgUnit, unit_id)
    if unit is None or not principal.can("org:read", unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    return unit


def _feature(unit: OrgUnit) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(unit.id),
        "geometry": unit.boundary,
        "properties": {
            "id": str(unit.id),
            "code": unit.code,
            "name": unit.name,
            "name_zh": unit.name_zh,
            "kind": unit.kind,
            "parent_id": str(unit.parent_id) if unit.parent_id else None,
        },
    }


@router.get(
    "/units",
    response_model=OrgUnitPage,
    responses={
        200: {
            "content": {GEOJSON: {}},
            "description": "a page of units; with ?format=geojson a FeatureCollection",
        }
    },
)
async def list_units(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    kind: Key | None = None,
    parent: uuid.UUID | None = None,
    format: Literal["json", "geojson"] = "json",
) -> OrgUnitPage | JSONResponse:
    """List the units the caller may read; `?format=geojson` gives every boundary for the map."""
    where = principal.scope("org:read", OrgUnit.path)
    if format == "geojson":
        units = await repository.units_with_boundary(session, where, kind=kind, parent_id=parent)
        collection = {"type": "FeatureCollection", "features": [_feature(u) for u in units]}
        return JSONResponse(collection, media_type=GEOJSON)
    page = await repository.units_page(session, where, kind=kind, parent_id=parent, paging=paging)
    return OrgUnitPage(items=[OrgUnitRead.model_validate(u) for u in page.items], **page_meta(page))


@router.get("/units/{unit_id}")
async def get_unit(unit_id: uuid.UUID, session: DbSession, principal: Reader) -> OrgUnitDetail:
    """Return one unit with its boundary."""
    return OrgUnitDetail.model_validate(await _readable(session, principal, unit_id))


@router.post("/units", status_code=201)
async def create_unit(body: OrgUnitCreate, session: DbSession, principal: Writer) -> OrgUnitDetail:
    """Create a unit under a parent on which the caller holds `org:write`."""
    parent = await _readable(session, principal, body.parent_id)
    principal.require("org:write", parent.path)
    unit = await service.create_unit(
        session,
        kind=body.kind,
        code=body.code,
        name=body.name,
        name_zh=body.name_zh,
        parent=parent,
        boundary=body.boundary,
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="org.unit.create",
        target_type="org_unit",
        target_id=str(unit.id),
        org_path=unit.path,
        detail={"code": unit.code, "kind": unit.kind, "parent": parent.code},
    )
    return OrgUnitDetail.model_validate(unit)


@router.get("/locate")
async def locate(
    session: DbSession,
    principal: Reader,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
) -> OrgUnitRead:
    """Return the deepest unit in the caller's scope whose boundary covers the point."""
    found: list[OrgUnit] = []
    for path in principal.paths_for("org:read"):
        root = await service.get_unit(session, uuid.UUID(hex=path.strip("/").split("/")[-1]))
        unit = await service.locate(session, lon, lat, within=root)
        if unit is not None:
            found.append(unit)
    if not found:
        raise NotFound("no unit of yours covers this point", code="outside_boundaries")
    return OrgUnitRead.model_validate(min(found, key=lambda u: (-u.depth, u.code)))


@router.get("/routing")
async def list_routing(
    session: DbSession, principal: Reader, category: Key | None = None
) -> list[RoutingRuleRead]:
    """List the routing rules whose scope unit the caller may read."""
    rows = await repository.routing_rules(
        session, principal.scope("org:read", OrgUnit.path), category_code=category
    )
    return [_rule_read(rule, scope_code, target_code) for rule, scope_code, target_code in rows]


def _rule_read(rule: RoutingRule, scope_code: str, target_code: str) -> RoutingRuleRead:
    return RoutingRuleRead(
        id=rule.id,
        category_code=rule.category_code,
        scope_unit_id=rule.scope_unit_id,
        scope_code=scope_code,
        target_unit_id=rule.target_unit_id,
        target_code=target_code,
    )


@router.put("/routing")
async def set_routing(
    body: RoutingRuleSet, session: DbSession, principal: Writer
) -> RoutingRuleRead:
    """Route a category inside a scope unit's subtree to a target unit of the same tree."""
    scope = await _readable(session, principal, body.scope_unit_id)
    principal.require("org:write", scope.path)
    target = await session.get(OrgUnit, body.target_unit_id)
    if target is None:
        raise NotFound("target unit not found", code="unit_not_found")
    if target.path.split("/")[1] != scope.path.split("/")[1]:
        raise ValidationFailed(
            "the target unit belongs to another org tree", code="target_outside_tree"
        )
    rule = await service.set_route(
        session, category_code=body.category_code, scope=scope, target=target
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="routing.set",
        target_type="routing_rule",
        target_id=str(rule.id),
        org_path=scope.path,
        detail={"category": body.category_code, "scope": scope.code, "target": target.code},
    )
    return _rule_read(rule, scope.code, target.code)


async def _calendar_read(session: AsyncSession, unit: OrgUnit) -> CalendarRead:
    cal = await service.calendar_for(session, unit)
    return CalendarRead(
        unit_id=unit.id,
        own=await repository.has_own_calendar(session, unit.id),
        timezone=cal.timezone,
        workdays="".join(str(d) for d in sorted(cal.workdays)),
        day_start=cal.day_start,
        day_end=cal.day_end,
        holidays=sorted(cal.holidays),
    )


@router.get("/units/{unit_id}/calendar")
async def get_calendar(unit_id: uuid.UUID, session: DbSession, principal: Reader) -> CalendarRead:
    """Return the work calendar in force at a unit (its own or inherited)."""
    return await _calendar_read(session, await _readable(session, principal, unit_id))


@router.put("/units/{unit_id}/calendar")
async def set_calendar(
    unit_id: uuid.UUID, body: CalendarSet, session: DbSession, principal: Writer
) -> CalendarRead:
    """Give a unit (and the subtree below it) working hours and holidays."""
    unit = await _readable(session, principal, unit_id)
    principal.require("org:write", unit.path)
    await service.set_calendar(
        session,
        unit=unit,
        timezone=body.timezone,
        workdays=body.workdays,
        day_start=body.day_start,
        day_end=body.day_end,
        holidays=list(body.holidays),
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="calendar.set",
        target_type="org_unit",
        target_id=str(unit.id),
        org_path=unit.path,
        detail=body.model_dump(mode="json"),
    )
    return await _calendar_read(session, unit)
