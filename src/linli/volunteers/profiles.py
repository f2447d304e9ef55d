"""Volunteer profiles (encrypted name and phone, every read audited) and their leave."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.org import service as org_service
from linli.security import audit
from linli.security.models import StaffAccount
from linli.security.permissions import Principal
from linli.volunteers import repository as repo
from linli.volunteers.errors import (
    AccountTaken,
    LeaveNotFound,
    NotAVolunteer,
    UnknownAccount,
    VolunteerNotFound,
)
from linli.volunteers.models import Leave, Signup, Volunteer
from linli.volunteers.schemas import LeaveCreate, VolunteerCreate, VolunteerUpdate


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Return profile fields as stored: dates as ISO text, windows as plain dicts."""
    out = dict(data)
    if out.get("qualifications") is not None:
        out["qualifications"] = {k: v.isoformat() for k, v in out["qualifications"].items()}
    return out


async def _audit_read(session: AsyncSession, actor: str, volunteer: Volunteer) -> None:
    await audit.record(
        session, actor=actor, action="volunteer.read", target_type="volunteer",
        target_id=str(volunteer.id), org_path=volunteer.org_path,
    )  # fmt: skip


async def _check_account(session: AsyncSession, account_id: uuid.UUID | None) -> None:
    if account_id is None:
        return
    if await session.get(StaffAccount, account_id) is None:
        raise UnknownAccount()


async def create_volunteer(
    session: AsyncSession, data: VolunteerCreate, *, principal: Principal | None
) -> Volunteer:
    """Register a volunteer of an org unit; name and phone are encrypted at rest."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound as err:
        raise ValidationFailed("no such org unit", code="unknown_unit") from err
    if principal is not None:
        principal.require("volunteers:write", unit.path)
    await _check_account(session, data.account_id)
    fields = _plain(data.model_dump(exclude={"unit_id"}))
    timezone = await org_service.site_timezone(session, unit)
    volunteer = Volunteer(unit_id=unit.id, org_path=unit.path, timezone=timezone, **fields)
    try:
        async with session.begin_nested():
            session.add(volunteer)
    except IntegrityError as err:
        raise AccountTaken() from err
    await audit.record(
        session, actor=principal.actor if principal else "system", action="volunteer.create",
        target_type="volunteer", target_id=str(volunteer.id), org_path=volunteer.org_path,
    )  # fmt: skip
    return volunteer


async def get_volunteer(
    session: AsyncSession,
    volunteer_id: uuid.UUID,
    *,
    principal: Principal,
    permission: str = "volunteers:read",
    for_update: bool = False,
) -> Volunteer:
    """Return a volunteer of the principal's subtree (404 outside it); the read is audited."""
    volunteer = await repo.get_volunteer(session, volunteer_id, for_update=for_update)
    if volunteer is None or not principal.can("volunteers:read", volunteer.org_path):
        raise VolunteerNotFound()
    principal.require(permission, volunteer.org_path)
    await _audit_read(session, principal.actor, volunteer)
    return volunteer


async def my_volunteer(session: AsyncSession, *, principal: Principal) -> Volunteer:
    """Return the volunteer profile of the principal's own account; the read is audited."""
    volunteer = await repo.volunteer_of_account(session, principal.account_id)
    if volunteer is None:
        raise NotAVolunteer()
    await _audit_read(session, principal.actor, volunteer)
    return volunteer


async def update_volunteer(
    session: AsyncSession, volunteer_id: uuid.UUID, data: VolunteerUpdate, *, principal: Principal
) -> Volunteer:
    """Change a volunteer's profile (only the fields given)."""
    volunteer = await get_volunteer(
        session, volunteer_id, principal=principal, permission="volunteers:write", for_update=True
    )
    for key, value in _plain(data.model_dump(exclude_unset=True)).items():
        if value is None and key not in ("phone",):
            raise ValidationFailed(f"{key} may not be null", code="null_field")
        setattr(volunteer, key, value)
    volunteer.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session, actor=principal.actor, action="volunteer.update", target_type="volunteer",
        target_id=str(volunteer.id), org_path=volunteer.org_path,
        detail={"fields": sorted(data.model_fields_set)},
    )  # fmt: skip
    return volunteer


async def list_volunteers(
    session: AsyncSession, *, principal: Principal, paging: PageQuery
) -> Page[Volunteer]:
    """Return a page of the volunteers in the principal's subtrees, newest first; audited."""
    stmt = select(Volunteer).where(principal.scope("volunteers:read", Volunteer.org_path))
    page = await keyset_page(
        session, stmt, newest_first(Volunteer.created_at, Volunteer.id), paging
    )
    if page.items:
        await audit.record(
            session, actor=principal.actor, action="volunteer.list", target_type="volunteer",
            target_id=str(page.items[0].id), detail={"ids": [str(v.id) for v in page.items]},
        )  # fmt: skip
    return page


async def add_leave(
    session: AsyncSession, volunteer_id: uuid.UUID, data: LeaveCreate, *, principal: Principal
) -> Leave:
    """Record a period the volunteer is away: matching and sign-ups skip them then."""
    volunteer = await get_volunteer(
        session, volunteer_id, principal=principal, permission="volunteers:write"
    )
    leave = Leave(volunteer_id=volunteer.id, starts_at=data.starts_at, ends_at=data.ends_at)
    session.add(leave)
    await session.flush()
    return leave


async def list_leave(
    session: AsyncSession, volunteer_id: uuid.UUID, *, principal: Principal, paging: PageQuery
) -> Page[Leave]:
    """Return a volunteer's leave, latest end first."""
    volunteer = await get_volunteer(session, volunteer_id, principal=principal)
    stmt = select(Leave).where(Leave.volunteer_id == volunteer.id)
    return await keyset_page(session, stmt, newest_first(Leave.ends_at, Leave.id), paging)


async def delete_leave(
    session: AsyncSession, volunteer_id: uuid.UUID, leave_id: uuid.UUID, *, principal: Principal
) -> None:
    """Take back a period of leave."""
    volunteer = await get_volunteer(
        session, volunteer_id, principal=principal, permission="volunteers:write"
    )
    leave = await session.get(Leave, leave_id)
    if leave is None or leave.volunteer_id != volunteer.id:
        raise LeaveNotFound()
    await session.delete(leave)
    await session.flush()


async def recent_signups(
    session: AsyncSession, volunteer_id: uuid.UUID, *, limit: int = 50
) -> list[Signup]:
    """Return a volunteer's latest sign-ups (by shift start, newest first), at most `limit`."""
    stmt = (
        select(Signup)
        .where(Signup.volunteer_id == volunteer_id)
        .order_by(Signup.starts_at.desc(), Signup.id.desc())
        .limit(limit)
    )
    return list((await session.scalars(stmt)).all())
