"""Programmes and their shifts: coordinators plan them in their subtree."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first, oldest_first
from linli.org import service as org_service
from linli.security import audit
from linli.security.models import StaffAccount
from linli.security.permissions import Principal
from linli.volunteers.errors import ProgrammeNotFound, ShiftClosed, ShiftNotFound
from linli.volunteers.models import Programme, Shift, Volunteer
from linli.volunteers.schemas import ProgrammeCreate, ShiftCreate


async def create_programme(
    session: AsyncSession, data: ProgrammeCreate, *, principal: Principal
) -> Programme:
    """Start a volunteering programme of an org unit; its coordinator is told of short shifts."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    principal.require("volunteers:write", unit.path)
    coordinator = data.coordinator_id or principal.account_id
    if await session.get(StaffAccount, coordinator) is None:
        raise ValidationFailed("no such staff account", code="unknown_account")
    programme = Programme(
        unit_id=unit.id, org_path=unit.path, name=data.name.model_dump(),
        requires_confirmation=data.requires_confirmation, coordinator_id=coordinator,
        created_by=principal.actor,
    )  # fmt: skip
    session.add(programme)
    await session.flush()
    await audit.record(
        session, actor=principal.actor, action="programme.create", target_type="programme",
        target_id=str(programme.id), org_path=programme.org_path,
    )  # fmt: skip
    return programme


async def get_programme(
    session: AsyncSession,
    programme_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = "volunteers:read",
) -> Programme:
    """Return a programme of the principal's subtree (404 outside it), checking `permission`."""
    programme = await session.get(Programme, programme_id)
    if programme is None or not principal.can("volunteers:read", programme.org_path):
        raise ProgrammeNotFound()
    principal.require(permission, programme.org_path)
    return programme


async def list_programmes(
    session: AsyncSession, *, principal: Principal, paging: PageQuery
) -> Page[Programme]:
    """Return a page of the programmes in the principal's subtrees, newest first."""
    stmt = select(Programme).where(principal.scope("volunteers:read", Programme.org_path))
    order = newest_first(Programme.created_at, Programme.id)
    return await keyset_page(session, stmt, order, paging)


async def create_shift(
    session: AsyncSession, programme_id: uuid.UUID, data: ShiftCreate, *, principal: Principal
) -> Shift:
    """Plan a shift of a programme: when, where, how many people and which skills."""
    programme = await get_programme(
        session, programme_id, principal=principal, permission="volunteers:write"
    )
    if data.starts_at <= clock.now():
        raise ValidationFailed("a shift starts in the future", code="shift_in_past")
    shift = Shift(
        programme_id=programme.id, org_path=programme.org_path, starts_at=data.starts_at,
        ends_at=data.ends_at, place=data.place, needed=data.needed, skills=list(data.skills),
    )  # fmt: skip
    session.add(shift)
    await session.flush()
    await audit.record(
        session, actor=principal.actor, action="shift.create", target_type="shift",
        target_id=str(shift.id), org_path=shift.org_path,
    )  # fmt: skip
    return shift


async def list_shifts(
    session: AsyncSession, programme_id: uuid.UUID, *, principal: Principal, paging: PageQuery
) -> Page[Shift]:
    """Return a page of a programme's shifts, earliest first."""
    programme = await get_programme(session, programme_id, principal=principal)
    stmt = select(Shift).where(Shift.programme_id == programme.id)
    return await keyset_page(session, stmt, oldest_first(Shift.starts_at, Shift.id), paging)


def _volunteer_sees(principal: Principal, volunteer: Volunteer | None, path: str) -> bool:
    """A volunteer sees shifts of their unit's branch: its ancestors and its subtree."""
    if volunteer is None or not principal.has("volunteers:self"):
        return False
    return volunteer.org_path.startswith(path) or path.startswith(volunteer.org_path)


async def get_shift(
    session: AsyncSession,
    shift_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = "volunteers:read",
    volunteer: Volunteer | None = None,
    for_update: bool = False,
) -> Shift:
    """Return a shift the principal may see: in their subtree, or on their own branch when they
    act as `volunteer` (404 otherwise); a coordinator's `permission` is checked."""
    stmt = select(Shift).where(Shift.id == shift_id)
    if for_update:
        stmt = stmt.with_for_update()
    shift = (await session.scalars(stmt)).first()
    if shift is None:
        raise ShiftNotFound()
    if volunteer is not None:
        if not _volunteer_sees(principal, volunteer, shift.org_path):
            raise ShiftNotFound()
        return shift
    if not principal.can("volunteers:read", shift.org_path):
        raise ShiftNotFound()
    principal.require(permission, shift.org_path)
    return shift


def check_open(shift: Shift) -> None:
    """Refuse changes to a cancelled shift or one that has started."""
    if shift.cancelled or shift.starts_at <= clock.now():
        raise ShiftClosed()


async def programme_of(session: AsyncSession, shift: Shift) -> Programme:
    """Return the programme a shift belongs to."""
    programme = await session.get(Programme, shift.programme_id)
    assert programme is not None  # a shift is deleted with its programme
    return programme
