"""Registry HTTP API: buildings, places, residents (personal data masked unless revealed)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from linli.org import service as org_service
from linli.registry import service
from linli.registry.schemas import (
    BuildingCreate,
    BuildingPage,
    BuildingRead,
    PlaceCreate,
    PlacePage,
    PlaceRead,
    ResidentCreate,
    ResidentPage,
    ResidentRead,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["registry"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]
Reveal = Annotated[
    bool, Query(description="show name and phone in clear (needs residents:pii; audited)")
]


@router.get("/buildings")
async def list_buildings(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("buildings:read"))],
    unit_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> BuildingPage:
    """List the buildings in the caller's scope (optionally inside one org unit)."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    items, total = await service.list_buildings(
        session, principal=principal, unit=unit, limit=limit, offset=offset
    )
    return BuildingPage(items=[BuildingRead.model_validate(b) for b in items], total=total)


@router.post("/buildings", status_code=201)
async def create_building(
    data: BuildingCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("buildings:write"))],
) -> BuildingRead:
    """Register a building; its org unit is found from the coordinates unless given."""
    building = await service.create_building(session, data=data, principal=principal)
    return BuildingRead.model_validate(building)


@router.get("/buildings/{building_id}")
async def get_building(
    building_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("buildings:read"))],
) -> BuildingRead:
    """Return one building."""
    building = await service.get_building(session, building_id, principal=principal)
    return BuildingRead.model_validate(building)


@router.get("/places")
async def list_places(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("buildings:read"))],
    kind: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> PlacePage:
    """List the amenities in the caller's scope, optionally of one kind."""
    items, total = await service.list_places(
        session, principal=principal, kind=kind, limit=limit, offset=offset
    )
    return PlacePage(items=[PlaceRead.model_validate(p) for p in items], total=total)


@router.post("/places", status_code=201)
async def create_place(
    data: PlaceCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("buildings:write"))],
) -> PlaceRead:
    """Register an amenity."""
    place = await service.create_place(session, data=data, principal=principal)
    return PlaceRead.model_validate(place)


@router.get("/residents")
async def list_residents(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("residents:read"))],
    building_id: uuid.UUID | None = None,
    lives_alone: bool | None = None,
    phone: Annotated[
        str | None, Query(max_length=40, description="exact phone lookup (residents:pii)")
    ] = None,
    reveal: Reveal = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ResidentPage:
    """List residents in scope; names and phones masked unless `reveal=true`."""
    if phone is not None:
        found = await service.find_residents_by_phone(session, phone, principal=principal)
        items, total = found[offset : offset + limit], len(found)
    else:
        items, total = await service.list_residents(
            session,
            principal=principal,
            building_id=building_id,
            lives_alone=lives_alone,
            limit=limit,
            offset=offset,
        )
    views = await service.view_residents(session, items, principal=principal, reveal=reveal)
    return ResidentPage(items=views, total=total)


@router.post("/residents", status_code=201)
async def create_resident(
    data: ResidentCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("residents:write"))],
) -> ResidentRead:
    """Register a resident of a building (the answer shows masked values)."""
    resident = await service.create_resident(session, data=data, principal=principal)
    (view,) = await service.view_residents(session, [resident], principal=principal)
    return view


@router.get("/residents/{resident_id}")
async def get_resident(
    resident_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("residents:read"))],
    reveal: Reveal = False,
) -> ResidentRead:
    """Return one resident; `reveal=true` shows name and phone and is audited."""
    resident = await service.get_resident(session, resident_id, principal=principal)
    (view,) = await service.view_residents(session, [resident], principal=principal, reveal=reveal)
    return view
