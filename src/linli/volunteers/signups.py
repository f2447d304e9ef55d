"""Volunteers on shifts: sign-up (confirmed, waiting for a coordinator, or waitlisted when
full), overlaps refused, cancelling (the waitlist moves up), check-in and check-out."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict
from linli.core.pagination import Page, PageQuery, keyset_page, oldest_first
from linli.security import audit
from linli.security.permissions import Principal
from linli.volunteers import profiles, shifts
from linli.volunteers import repository as repo
from linli.volunteers.errors import BadCheck, OverlappingShift, SignupNotFound
from linli.volunteers.models import Shift, Signup, Volunteer

LIVE = ("pending", "confirmed", "waitlisted")


async def _record(session: AsyncSession, actor: str, action: str, shift: Shift) -> None:
    await audit.record(
        session, actor=actor, action=action, target_type="shift", target_id=str(shift.id),
        org_path=shift.org_path,
    )  # fmt: skip


async def _place(session: AsyncSession, shift: Shift, volunteer: Volunteer, actor: str) -> Signup:
    shifts.check_open(shift)
    existing = await repo.signup_of(session, shift.id, volunteer.id)
    if existing is not None and existing.status in LIVE:
        return existing  # signing up twice changes nothing
    clash = await repo.overlapping(session, volunteer.id, shift)
    if clash is not None:
        raise OverlappingShift(
            f"the volunteer is already on another shift from {clash.starts_at.isoformat()} "
            f"to {clash.ends_at.isoformat()}, which overlaps this one"
        )
    programme = await shifts.programme_of(session, shift)
    if programme.requires_confirmation:
        status = "pending"
    else:
        status = "confirmed" if await repo.take_place(session, shift.id) else "waitlisted"
    now = clock.now()
    if existing is not None:
        existing.status, existing.actor, existing.updated_at = status, actor, now
        existing.created_at = now  # back of the waitlist
        existing.checked_in_at = existing.checked_out_at = None
        signup = existing
    else:
        signup = Signup(
            shift_id=shift.id, volunteer_id=volunteer.id, starts_at=shift.starts_at,
            ends_at=shift.ends_at, status=status, actor=actor, created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(signup)
        except IntegrityError as err:  # the same volunteer, at the same instant, elsewhere
            raise Conflict("already signed up", code="already_signed_up") from err
    await session.flush()
    await _record(session, actor, f"shift.{status}", shift)
    return signup


async def sign_up_self(
    session: AsyncSession, shift_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Take a place on a shift of one's own branch as a volunteer."""
    volunteer = await profiles.my_volunteer(session, principal=principal)
    shift = await shifts.get_shift(
        session, shift_id, principal=principal, volunteer=volunteer, for_update=True
    )
    return await _place(session, shift, volunteer, principal.actor)


async def sign_up(
    session: AsyncSession, shift_id: uuid.UUID, volunteer_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Put a volunteer of one's subtree on a shift (a coordinator's sign-up)."""
    shift = await shifts.get_shift(
        session, shift_id, principal=principal, permission="volunteers:write", for_update=True
    )
    volunteer = await profiles.get_volunteer(session, volunteer_id, principal=principal)
    return await _place(session, shift, volunteer, principal.actor)


async def fill_from_waitlist(session: AsyncSession, shift: Shift) -> int:
    """Give places that came free to the waitlist, longest waiting first; return how many."""
    moved = 0
    while (waiting := await repo.first_waitlisted(session, shift.id)) is not None:
        if not await repo.take_place(session, shift.id):
            break
        waiting.status, waiting.updated_at = "confirmed", clock.now()
        await session.flush()
        moved += 1
    return moved


async def _cancel(session: AsyncSession, shift: Shift, signup: Signup, actor: str) -> Signup:
    shifts.check_open(shift)
    was = signup.status
    signup.status, signup.updated_at = "cancelled", clock.now()
    await session.flush()
    if was == "confirmed":
        await repo.give_back_place(session, shift.id)
        await fill_from_waitlist(session, shift)
    await _record(session, actor, "shift.cancel_signup", shift)
    return signup


async def cancel_self(
    session: AsyncSession, shift_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Give up one's place (or waitlist place) on a shift; the waitlist moves up."""
    volunteer = await profiles.my_volunteer(session, principal=principal)
    shift = await shifts.get_shift(
        session, shift_id, principal=principal, volunteer=volunteer, for_update=True
    )
    signup = await repo.signup_of(session, shift.id, volunteer.id)
    if signup is None or signup.status not in LIVE:
        raise SignupNotFound()
    return await _cancel(session, shift, signup, principal.actor)


async def _signup(
    session: AsyncSession, shift_id: uuid.UUID, signup_id: uuid.UUID, principal: Principal
) -> tuple[Shift, Signup]:
    shift = await shifts.get_shift(
        session, shift_id, principal=principal, permission="volunteers:write", for_update=True
    )
    signup = await session.get(Signup, signup_id)
    if signup is None or signup.shift_id != shift.id:
        raise SignupNotFound()
    return shift, signup


async def cancel(
    session: AsyncSession, shift_id: uuid.UUID, signup_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Take a volunteer off a shift (a coordinator); the waitlist moves up."""
    shift, signup = await _signup(session, shift_id, signup_id, principal)
    if signup.status not in LIVE:
        raise SignupNotFound()
    return await _cancel(session, shift, signup, principal.actor)


async def confirm(
    session: AsyncSession, shift_id: uuid.UUID, signup_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Confirm a pending sign-up: a place if one is left, else the waitlist."""
    shift, signup = await _signup(session, shift_id, signup_id, principal)
    shifts.check_open(shift)
    if signup.status != "pending":
        raise Conflict("only a pending sign-up is confirmed", code="not_pending")
    placed = await repo.take_place(session, shift.id)
    signup.status = "confirmed" if placed else "waitlisted"
    signup.updated_at = clock.now()
    await session.flush()
    await _record(session, principal.actor, f"shift.{signup.status}", shift)
    return signup


async def check_in(
    session: AsyncSession, shift_id: uuid.UUID, signup_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Record that a confirmed volunteer came (from an hour before the shift to its end)."""
    shift, signup = await _signup(session, shift_id, signup_id, principal)
    now = clock.now()
    if signup.status != "confirmed":
        raise BadCheck("only a confirmed volunteer checks in")
    if signup.checked_in_at is not None:
        raise BadCheck("already checked in")
    if not shift.starts_at.timestamp() - 3600 <= now.timestamp() <= shift.ends_at.timestamp():
        raise BadCheck("check-in opens an hour before the shift and closes at its end")
    signup.checked_in_at, signup.updated_at = now, now
    await session.flush()
    await _record(session, principal.actor, "shift.check_in", shift)
    return signup


async def check_out(
    session: AsyncSession, shift_id: uuid.UUID, signup_id: uuid.UUID, *, principal: Principal
) -> Signup:
    """Record that the volunteer left: the hours served run from check-in (or the shift's
    start, if later) to now (or the shift's end, if earlier)."""
    shift, signup = await _signup(session, shift_id, signup_id, principal)
    now = clock.now()
    if signup.checked_in_at is None:
        raise BadCheck("not checked in")
    if signup.checked_out_at is not None:
        raise BadCheck("already checked out")
    start = max(signup.checked_in_at, shift.starts_at)
    end = min(now, shift.ends_at)
    signup.checked_out_at, signup.updated_at = now, now
    signup.minutes = max(0, int((end - start).total_seconds() // 60))
    await session.flush()
    await _record(session, principal.actor, "shift.check_out", shift)
    return signup


async def list_signups(
    session: AsyncSession, shift_id: uuid.UUID, *, principal: Principal, paging: PageQuery
) -> Page[Signup]:
    """Return a shift's sign-ups by status, then in the order they came."""
    shift = await shifts.get_shift(session, shift_id, principal=principal)
    stmt = select(Signup).where(Signup.shift_id == shift.id)
    order = oldest_first(Signup.status, Signup.created_at, Signup.id)
    return await keyset_page(session, stmt, order, paging)
