"""Facilities and their rules, as staff set them up and residents find them."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import ColumnElement, literal, or_
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.residents.bookings import repository
from linli.residents.bookings.errors import facility_not_found
from linli.residents.bookings.models import FACILITY_KINDS, Facility
from linli.residents.bookings.schemas import FacilityCreate, FacilityUpdate
from linli.residents.bookings.slots import Hours
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

# The currency a site's fees are in, by its governance profile, unless a facility names one.
SITE_CURRENCIES = {"grid": "CNY", "town": "SGD"}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _checkin_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


def need_of(facility: Facility) -> Need:
    """Return what a resident needs to book the facility."""
    return Need(Level(facility.need_level), facility.area_path)


async def hours_of(session: AsyncSession, facility: Facility) -> Hours:
    """Return the facility's opening hours on its site's clock."""
    timezone = await org_service.site_timezone(session, facility.org_unit_id)
    return Hours(facility.days, facility.opens, facility.closes, facility.slot_minutes, timezone)


async def _area_path(
    session: AsyncSession, principal: Principal, area_unit_id: uuid.UUID | None
) -> str | None:
    if area_unit_id is None:
        return None
    try:
        unit = await org_service.get_unit(session, area_unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_area_unit") from err
    return unit.path


def _check_kind(kind: str) -> None:
    if kind not in FACILITY_KINDS:
        raise ValidationFailed(
            f"unknown facility kind '{kind}'", code="bad_facility_kind", kinds=list(FACILITY_KINDS)
        )


def _check_rules(facility: Facility) -> None:
    if facility.closes <= facility.opens:
        raise ValidationFailed("closes must be after opens", code="bad_hours")
    if facility.max_minutes < facility.min_minutes:
        raise ValidationFailed("max_minutes is below min_minutes", code="bad_duration")
    for minutes in (facility.min_minutes, facility.max_minutes):
        if minutes % facility.slot_minutes:
            raise ValidationFailed(
                "booking lengths must be whole numbers of slots", code="bad_duration"
            )


async def create_facility(
    session: AsyncSession, *, data: FacilityCreate, principal: Principal
) -> Facility:
    """Set up a facility of an org unit in the caller's `bookings:write` subtree."""
    try:
        unit = await org_service.get_unit(session, data.org_unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    if not principal.can("bookings:read", unit.path):
        raise ValidationFailed("no such org unit", code="unknown_unit")
    principal.require("bookings:write", unit.path)
    _check_kind(data.kind)
    if data.place_id is not None:
        await _check_place(session, principal, data.place_id)
    fields = data.model_dump(exclude={"org_unit_id", "area_unit_id", "currency"})
    facility = Facility(
        **fields,
        org_unit_id=unit.id,
        org_path=unit.path,
        area_path=await _area_path(session, principal, data.area_unit_id),
        currency=data.currency or SITE_CURRENCIES.get(unit.profile, "SGD"),
        checkin_code=_checkin_code(),
        updated_at=clock.now(),
    )
    _check_rules(facility)
    session.add(facility)
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="facility.create",
        target_type="facility",
        target_id=str(facility.id),
        org_path=facility.org_path,
        detail={"name": facility.name},
    )
    return facility


async def _check_place(session: AsyncSession, principal: Principal, place_id: uuid.UUID) -> None:
    try:
        place = await registry_service.get_place(session, place_id)
    except NotFound as err:
        raise ValidationFailed("no such place", code="unknown_place") from err
    if not principal.can("bookings:write", place.org_path):
        raise ValidationFailed("no such place", code="unknown_place")


async def update_facility(
    session: AsyncSession, facility_id: uuid.UUID, *, data: FacilityUpdate, principal: Principal
) -> Facility:
    """Change a facility's details or rules; bookings already made keep theirs."""
    facility = await get_facility(session, facility_id, principal=principal)
    principal.require("bookings:write", facility.org_path)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if "area_unit_id" in changes:
        facility.area_path = await _area_path(session, principal, changes.pop("area_unit_id"))
    if "kind" in changes:
        _check_kind(changes["kind"])
    for name, value in changes.items():
        if value is None and name not in {"no_show_limit", "name_zh"}:
            continue
        setattr(facility, name, value)
    _check_rules(facility)
    facility.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="facility.update",
        target_type="facility",
        target_id=str(facility.id),
        org_path=facility.org_path,
        detail={"fields": sorted(changes)},
    )
    return facility


async def get_facility(
    session: AsyncSession, facility_id: uuid.UUID, *, principal: Principal | None = None
) -> Facility:
    """Return a facility the principal may read (any, for None), or raise NotFound."""
    facility = await session.get(Facility, facility_id)
    if facility is None:
        raise facility_not_found()
    if principal is not None and not principal.can("bookings:read", facility.org_path):
        raise facility_not_found()
    return facility


async def facilities_page(
    session: AsyncSession,
    *,
    principal: Principal,
    paging: PageQuery,
    unit_path: str | None = None,
) -> Page[Facility]:
    """Return a page of the facilities in the caller's scope, by name."""
    stmt = repository.facilities(principal.scope("bookings:read", Facility.org_path))
    if unit_path is not None:
        stmt = stmt.where(Facility.org_path.startswith(unit_path, autoescape=True))
    return await keyset_page(session, stmt, repository.FACILITY_ORDER, paging)


def _for_resident(actor: ResidentActor) -> ColumnElement[bool]:
    """Keep the facilities of the resident's site whose area (if any) holds their home."""
    if actor.org_path is None:
        return Facility.area_path.is_(None)
    site = "/" + actor.org_path.strip("/").split("/")[0] + "/"
    home = literal(actor.org_path)
    return Facility.org_path.startswith(site, autoescape=True) & or_(
        Facility.area_path.is_(None), home.startswith(Facility.area_path)
    )


async def resident_facilities_page(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery
) -> Page[Facility]:
    """Return a page of the facilities a resident may look at, by name: those of their site
    open to their area (all without area rules when their home is not known yet)."""
    stmt = repository.facilities(_for_resident(actor), active_only=True)
    return await keyset_page(session, stmt, repository.FACILITY_ORDER, paging)


async def resident_facility(
    session: AsyncSession, actor: ResidentActor, facility_id: uuid.UUID
) -> Facility:
    """Return an active facility, or raise NotFound (facilities are no secret: one outside the
    resident's area is shown, and booking it says why it cannot be booked)."""
    facility = await session.get(Facility, facility_id)
    if facility is None or not facility.active:
        raise facility_not_found()
    return facility
