"""Registry HTTP API: buildings, places, residents (personal data masked unless revealed)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.core.schemas import Key
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

Reveal = Annotated[
    bool, Query(description="show name and phone in clear (needs residents:pii; audited)")
]


@router.get("/buildings")
async def list_buildings(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("buildings:read"))],
    paging: Paging,
    unit_id: uuid.UUID | None = None,
) -> BuildingPage:
    """List the buildings in the caller's scope (optionally inside one org unit), by code."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    page = await service.buildings_page(session, principal=principal, unit=unit, paging=paging)
    return BuildingPage(
        items=[BuildingRead.model_validate(b) for b in page.items], **page_meta(page)
    )


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
    paging: Paging,
    kind: Key | None = None,
) -> PlacePage:
    """List the amenities in the caller's scope, optionally of one kind, by name."""
    page = await service.places_page(session, principal=principal, kind=kind, paging=paging)
    return PlacePage(items=[PlaceRead.model_validate(p) for p in page.items], **page_meta(page))


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
    paging: Paging,
    building_id: uuid.UUID | None = None,
    lives_alone: bool | None = None,
    phone: Annotated[
        str | None, Query(max_length=40, description="exact phone lookup (residents:pii)")
    ] = None,
    reveal: Reveal = False,
) -> ResidentPage:
    """List residents in scope, oldest first; names and phones masked unless `reveal=true`."""
    page = await service.residents_page(
        session,
        principal=principal,
        building_id=building_id,
        lives_alone=lives_alone,
        phone=phone,
        paging=paging,
    )
    views = await service.view_residents(session, page.items, principal=principal, reveal=reveal)
    return ResidentPage(items=views, **page_meta(page))


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
