"""Buildings, places and residents (households: `registry.households`): create, find, and read
residents' personal data (audited). `principal` scopes and checks; None is a trusted system caller
(CLI, importer, another service) that sees everything. The API reads lists a keyset page at a time
(`*_page`); `list_*` give other services the first rows of a list and its bounded count."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, ordered
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.registry import repository
from linli.registry.households import service as households
from linli.registry.models import PLACE_KINDS, Building, Place, Resident
from linli.registry.repository import map_points as map_points  # the maps' base layer
from linli.registry.schemas import BuildingCreate, PlaceCreate, ResidentCreate, ResidentRead
from linli.security import audit
from linli.security.crypto import get_cipher
from linli.security.permissions import Principal, actor_of, scope_or_all

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^\+?\d{5,20}$")
# Calling codes used to split "+86 13812345678" for display; others fall back to two digits.
_CALLING_CODES = ("1", "7", "44", "60", "61", "62", "63", "65", "66", "81", "82", "84", "86", "91")
_LONG_CALLING_CODES = ("852", "853", "855", "856", "880", "886", "960", "971")


def _check_visible(principal: Principal | None, permission: str, org_path: str, what: str) -> None:
    # Out-of-scope records answer exactly like missing ones, so ids cannot be probed.
    if principal is not None and not principal.can(permission, org_path):
        raise NotFound(f"{what} not found", code=f"{what}_not_found")


def _check_writable(principal: Principal | None, permission: str, org_path: str) -> None:
    if principal is not None:
        principal.require(permission, org_path)


async def locate_unit(
    session: AsyncSession, *, lon: float, lat: float, org_unit_id: uuid.UUID | None = None
) -> OrgUnit:
    """Return the given unit, or the deepest unit whose boundary holds the point."""
    if org_unit_id is not None:
        return await org_service.get_unit(session, org_unit_id)
    unit = await org_service.locate(session, lon, lat)
    if unit is None:
        raise ValidationFailed(
            f"({lon}, {lat}) lies outside every org-unit boundary", code="outside_boundaries"
        )
    return unit


# --- buildings -------------------------------------------------------------------------------


async def create_building(
    session: AsyncSession, *, data: BuildingCreate, principal: Principal | None = None
) -> Building:
    """Register a building in the unit given or found from its coordinates."""
    unit = await locate_unit(session, lon=data.lon, lat=data.lat, org_unit_id=data.org_unit_id)
    _check_writable(principal, "buildings:write", unit.path)
    if await repository.building_code_taken(session, data.code):
        raise Conflict(f"building code '{data.code}' is taken", code="building_code_taken")
    fields = data.model_dump(exclude={"org_unit_id"})
    building = Building(**fields, org_unit_id=unit.id, org_path=unit.path)
    session.add(building)
    await session.flush()
    return building


def _buildings(principal: Principal | None, unit: OrgUnit | None, q: str | None) -> Select[Any]:
    where = scope_or_all(principal, "buildings:read", Building.org_path)
    return repository.buildings(where, unit_path=unit.path if unit else None, q=q)


async def buildings_page(
    session: AsyncSession,
    *,
    principal: Principal | None,
    unit: OrgUnit | None = None,
    q: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Building]:
    """Return a page of the buildings the principal may read (inside `unit`, matching `q`), by
    code."""
    stmt = _buildings(principal, unit, q)
    return await keyset_page(session, stmt, repository.BUILDING_ORDER, paging)


async def list_buildings(
    session: AsyncSession,
    *,
    principal: Principal | None,
    unit: OrgUnit | None = None,
    q: str | None = None,
    limit: int = 50,
) -> tuple[list[Building], int]:
    """Return the first `limit` buildings the principal may read (inside `unit`, matching `q`)
    by code, and how many match (counted up to `COUNT_CAP`)."""
    stmt = _buildings(principal, unit, q)
    return await repository.first_rows(session, stmt, repository.BUILDING_ORDER, limit)


async def get_building(
    session: AsyncSession, building_id: uuid.UUID, *, principal: Principal | None = None
) -> Building:
    """Return a building the principal may read, or raise NotFound."""
    building = await session.get(Building, building_id)
    if building is None:
        raise NotFound("building not found", code="building_not_found")
    _check_visible(principal, "buildings:read", building.org_path, "building")
    return building


# --- places ----------------------------------------------------------------------------------


async def create_place(
    session: AsyncSession, *, data: PlaceCreate, principal: Principal | None = None
) -> Place:
    """Register an amenity (bus stop, clinic, school, market, park, community centre…)."""
    if data.kind not in PLACE_KINDS:
        raise ValidationFailed(
            f"unknown place kind '{data.kind}'", code="unknown_place_kind", kinds=list(PLACE_KINDS)
        )
    unit = await locate_unit(session, lon=data.lon, lat=data.lat, org_unit_id=data.org_unit_id)
    _check_writable(principal, "buildings:write", unit.path)
    place = Place(
        kind=data.kind,
        name=data.name,
        lon=data.lon,
        lat=data.lat,
        org_unit_id=unit.id,
        org_path=unit.path,
    )
    session.add(place)
    await session.flush()
    return place


async def places_page(
    session: AsyncSession,
    *,
    principal: Principal | None,
    kind: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Place]:
    """Return a page of the places the principal may read, by name."""
    stmt = repository.places(scope_or_all(principal, "buildings:read", Place.org_path), kind=kind)
    return await keyset_page(session, stmt, repository.PLACE_ORDER, paging)


async def get_place(
    session: AsyncSession, place_id: uuid.UUID, *, principal: Principal | None = None
) -> Place:
    """Return a place the principal may read, or raise NotFound."""
    place = await session.get(Place, place_id)
    if place is None:
        raise NotFound("place not found", code="place_not_found")
    _check_visible(principal, "buildings:read", place.org_path, "place")
    return place


# --- residents -------------------------------------------------------------------------------


def normalise_phone(phone: str) -> str:
    """Return the phone number without separators, or raise ValidationFailed."""
    compact = _PHONE_SEPARATORS.sub("", phone.strip())
    if not _PHONE.match(compact):
        raise ValidationFailed("phone must be 5–20 digits, optionally after '+'", code="bad_phone")
    return compact


def phone_lookup_hash(phone: str) -> str:
    """Return the keyed hash under which a resident's phone is found."""
    return get_cipher().lookup_hash(normalise_phone(phone), context="resident.phone")


def mask_name(name: str) -> str:
    """Show only the family name: "Chen Wei" → "Chen **", "陈伟" → "陈**"."""
    name = name.strip()
    first, sep, _ = name.partition(" ")
    if sep:
        return f"{first} **"
    return f"{name[:1]}**"


def mask_phone(phone: str) -> str:
    """Hide the middle of a number: "+8613812345678" → "+86 138****5678"."""
    prefix, national = "", phone
    if phone.startswith("+"):
        digits = phone[1:]
        code = next((c for c in _LONG_CALLING_CODES if digits.startswith(c)), None)
        code = code or next((c for c in _CALLING_CODES if digits.startswith(c)), digits[:2])
        prefix, national = f"+{code} ", digits[len(code) :]
    tail = national[-4:] if len(national) >= 8 else national[-2:]
    head = national[: min(3, max(0, len(national) - 8))]
    return f"{prefix}{head}****{tail}"


def _new_resident(building: Building, data: ResidentCreate) -> Resident:
    phone = normalise_phone(data.phone) if data.phone else None
    resident = Resident(
        building_id=building.id,
        org_unit_id=building.org_unit_id,
        org_path=building.org_path,
        name=data.name.strip(),
        phone=phone,
        phone_hash=phone_lookup_hash(phone) if phone else None,
        birth_year=data.birth_year,
        lives_alone=data.lives_alone,
    )
    return households.place_in_household(resident, unit=data.unit, id_suffix=data.id_suffix)


async def create_resident(
    session: AsyncSession, *, data: ResidentCreate, principal: Principal | None = None
) -> Resident:
    """Register a resident of a building; name and phone are encrypted at rest."""
    try:
        building = await get_building(session, data.building_id, principal=principal)
    except NotFound as err:
        raise ValidationFailed("no such building", code="unknown_building") from err
    _check_writable(principal, "residents:write", building.org_path)
    resident = _new_resident(building, data)
    session.add(resident)
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="resident.create",
        target_type="resident",
        target_id=str(resident.id),
        org_path=resident.org_path,
        detail={"building": building.code},
    )
    return resident


async def import_buildings(
    session: AsyncSession, *, rows: Sequence[BuildingCreate], actor: str = "system"
) -> list[Building]:
    """Register many buildings at once (trusted import); all or nothing."""
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes) or await repository.building_codes_taken(session, codes):
        raise Conflict("building codes repeat or are taken", code="building_code_taken")
    units: dict[uuid.UUID | None, OrgUnit] = {}
    buildings = []
    for row in rows:
        if row.org_unit_id not in units or row.org_unit_id is None:
            units[row.org_unit_id] = await locate_unit(
                session, lon=row.lon, lat=row.lat, org_unit_id=row.org_unit_id
            )
        unit = units[row.org_unit_id]
        fields = row.model_dump(exclude={"org_unit_id"})
        buildings.append(Building(**fields, org_unit_id=unit.id, org_path=unit.path))
    session.add_all(buildings)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="building.import",
        target_type="building",
        target_id="*",
        detail={"count": len(buildings)},
    )
    return buildings


async def import_residents(
    session: AsyncSession, *, rows: Sequence[ResidentCreate], actor: str = "system"
) -> list[Resident]:
    """Register many residents at once (trusted import; one audit entry); all or nothing."""
    ids = {r.building_id for r in rows}
    buildings = {b.id: b for b in await repository.buildings_by_ids(session, ids)}
    missing = ids - buildings.keys()
    if missing:
        raise ValidationFailed(f"{len(missing)} unknown buildings", code="unknown_building")
    residents = [_new_resident(buildings[r.building_id], r) for r in rows]
    session.add_all(residents)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="resident.import",
        target_type="resident",
        target_id="*",
        detail={"count": len(residents)},
    )
    return residents


async def residents_page(
    session: AsyncSession,
    *,
    principal: Principal | None,
    building_id: uuid.UUID | None = None,
    lives_alone: bool | None = None,
    phone: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Resident]:
    """Return a page of the residents the principal may read, oldest record first; looking up
    by exact `phone` needs `residents:pii` and finds only residents where it is held."""
    if phone is None:
        where = scope_or_all(principal, "residents:read", Resident.org_path)
    else:
        _check_phone_lookup(principal)
        where = scope_or_all(principal, "residents:pii", Resident.org_path)
    stmt = repository.residents(
        where,
        building_id=building_id,
        lives_alone=lives_alone,
        phone_hash=phone_lookup_hash(phone) if phone is not None else None,
    )
    return await keyset_page(session, stmt, repository.RESIDENT_ORDER, paging)


async def list_residents(
    session: AsyncSession,
    *,
    principal: Principal | None,
    building_id: uuid.UUID | None = None,
    lives_alone: bool | None = None,
    limit: int = 50,
) -> tuple[list[Resident], int]:
    """Return the first `limit` residents the principal may read, oldest record first, and how
    many match (counted up to `COUNT_CAP`)."""
    stmt = repository.residents(
        scope_or_all(principal, "residents:read", Resident.org_path),
        building_id=building_id,
        lives_alone=lives_alone,
    )
    return await repository.first_rows(session, stmt, repository.RESIDENT_ORDER, limit)


async def get_resident(
    session: AsyncSession, resident_id: uuid.UUID, *, principal: Principal | None = None
) -> Resident:
    """Return a resident the principal may read, or raise NotFound."""
    resident = await session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("resident not found", code="resident_not_found")
    _check_visible(principal, "residents:read", resident.org_path, "resident")
    return resident


async def find_residents_by_phone(
    session: AsyncSession, phone: str, *, principal: Principal | None = None
) -> list[Resident]:
    """Return the residents registered with exactly this phone number (by keyed hash)."""
    _check_phone_lookup(principal)
    where = scope_or_all(principal, "residents:pii", Resident.org_path)
    stmt = repository.residents(where, phone_hash=phone_lookup_hash(phone))
    return list(await session.scalars(ordered(stmt, repository.RESIDENT_ORDER)))


def _check_phone_lookup(principal: Principal | None) -> None:
    if principal is not None and not principal.has("residents:pii"):
        raise Forbidden("looking up by phone needs 'residents:pii'", code="pii_forbidden")


async def view_residents(
    session: AsyncSession,
    residents: Sequence[Resident],
    *,
    principal: Principal | None,
    reveal: bool = False,
) -> list[ResidentRead]:
    """Return residents for display: masked, or revealed with one audit entry per resident."""
    views: list[ResidentRead] = []
    for resident in residents:
        view = ResidentRead.model_validate(resident)
        if reveal:
            if principal is not None and not principal.can("residents:pii", resident.org_path):
                raise Forbidden(
                    "revealing personal data needs 'residents:pii'", code="pii_forbidden"
                )
            await audit.record(
                session,
                actor=actor_of(principal),
                action="resident.read",
                target_type="resident",
                target_id=str(resident.id),
                org_path=resident.org_path,
            )
            view.revealed = True
        else:
            view.name = mask_name(resident.name)
            view.phone = mask_phone(resident.phone) if resident.phone else None
        views.append(view)
    return views
