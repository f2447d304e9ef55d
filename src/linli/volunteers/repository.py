"""Queries of the volunteers domain."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.volunteers.models import Leave, Shift, Signup, Volunteer

Box = tuple[float, float, float, float]

MATCH_COLUMNS = (
    Volunteer.id,
    Volunteer.account_id,
    Volunteer.lon,
    Volunteer.lat,
    Volunteer.languages,
    Volunteer.skills,
    Volunteer.qualifications,
    Volunteer.windows,
    Volunteer.timezone,
)


def _inside(b: Box) -> Any:
    return and_(
        Volunteer.lat >= b[1], Volunteer.lat <= b[3], Volunteer.lon >= b[0], Volunteer.lon <= b[2]
    )


async def available_in_ring(
    session: AsyncSession, *, org_path: str, outer: Box, inner: Box | None, at: datetime
) -> Sequence[Row[Any]]:
    """Return the matching columns of the subtree's active volunteers inside `outer` and
    outside `inner` (the part of the box a wider search adds), through the lat/lon index, who
    are neither on leave nor on a confirmed shift at `at` (both by the volunteer's index)."""
    leave = select(Leave.id).where(
        Leave.volunteer_id == Volunteer.id, Leave.ends_at > at, Leave.starts_at <= at
    )
    shift = select(Signup.id).where(
        Signup.volunteer_id == Volunteer.id,
        Signup.starts_at <= at,
        Signup.ends_at > at,
        Signup.status == "confirmed",
    )
    stmt = select(*MATCH_COLUMNS).where(
        _inside(outer),
        Volunteer.active.is_(True),
        Volunteer.org_path.startswith(org_path, autoescape=True),
        ~leave.exists(),
        ~shift.exists(),
    )
    if inner is not None:
        stmt = stmt.where(not_(_inside(inner)))
    return (await session.execute(stmt)).all()


async def on_leave(
    session: AsyncSession, ids: Collection[uuid.UUID], at: datetime
) -> set[uuid.UUID]:
    """Return which of the volunteers are on leave at `at`."""
    if not ids:
        return set()
    stmt = select(Leave.volunteer_id).where(
        Leave.volunteer_id.in_(list(ids)), Leave.starts_at <= at, Leave.ends_at > at
    )
    return set((await session.scalars(stmt)).all())


async def on_shift(
    session: AsyncSession, ids: Collection[uuid.UUID], at: datetime
) -> set[uuid.UUID]:
    """Return which of the volunteers hold a confirmed shift place at `at`."""
    if not ids:
        return set()
    stmt = select(Signup.volunteer_id).where(
        Signup.volunteer_id.in_(list(ids)),
        Signup.status == "confirmed",
        Signup.starts_at <= at,
        Signup.ends_at > at,
    )
    return set((await session.scalars(stmt)).all())


async def names_of(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Return the (decrypted) names of the volunteers."""
    if not ids:
        return {}
    rows = await session.execute(select(Volunteer.id, Volunteer.name).where(Volunteer.id.in_(ids)))
    return {row.id: row.name for row in rows}


async def get_volunteer(
    session: AsyncSession, volunteer_id: uuid.UUID, *, for_update: bool = False
) -> Volunteer | None:
    """Return a volunteer by id."""
    stmt = select(Volunteer).where(Volunteer.id == volunteer_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.scalars(stmt)).first()


async def volunteer_of_account(session: AsyncSession, account_id: uuid.UUID) -> Volunteer | None:
    """Return the volunteer profile linked to a staff account."""
    stmt = select(Volunteer).where(Volunteer.account_id == account_id)
    return (await session.scalars(stmt)).first()


async def take_place(session: AsyncSession, shift_id: uuid.UUID) -> bool:
    """Count one more confirmed place if the shift has one left; return whether it had.

    One conditional UPDATE: PostgreSQL re-checks the condition on the locked row, SQLite runs
    one writer at a time, so concurrent sign-ups never pass the number needed."""
    result = await session.execute(
        update(Shift)
        .where(Shift.id == shift_id, Shift.confirmed_count < Shift.needed)
        .values(confirmed_count=Shift.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def give_back_place(session: AsyncSession, shift_id: uuid.UUID) -> None:
    """Count one confirmed place fewer."""
    await session.execute(
        update(Shift)
        .where(Shift.id == shift_id, Shift.confirmed_count > 0)
        .values(confirmed_count=Shift.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


async def first_waitlisted(session: AsyncSession, shift_id: uuid.UUID) -> Signup | None:
    """Return the sign-up waiting longest on the shift's waitlist."""
    stmt = (
        select(Signup)
        .where(Signup.shift_id == shift_id, Signup.status == "waitlisted")
        .order_by(Signup.created_at, Signup.id)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def overlapping(
    session: AsyncSession, volunteer_id: uuid.UUID, shift: Shift
) -> Signup | None:
    """Return a live sign-up of the volunteer on another shift overlapping `shift`."""
    stmt = (
        select(Signup)
        .where(
            Signup.volunteer_id == volunteer_id,
            Signup.shift_id != shift.id,
            Signup.status != "cancelled",
            Signup.starts_at < shift.ends_at,
            Signup.ends_at > shift.starts_at,
        )
        .order_by(Signup.starts_at, Signup.id)
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def signup_of(
    session: AsyncSession, shift_id: uuid.UUID, volunteer_id: uuid.UUID
) -> Signup | None:
    """Return the volunteer's sign-up on the shift, if any."""
    stmt = select(Signup).where(Signup.shift_id == shift_id, Signup.volunteer_id == volunteer_id)
    return (await session.scalars(stmt)).first()


async def claim_warning(session: AsyncSession, shift_id: uuid.UUID, now: datetime) -> bool:
    """Mark the shift's shortage as warned, if nobody did; return whether this call did."""
    result = await session.execute(
        update(Shift)
        .where(Shift.id == shift_id, Shift.short_warned_at.is_(None))
        .values(short_warned_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def claim_reminder(session: AsyncSession, shift_id: uuid.UUID, now: datetime) -> bool:
    """Mark the shift's volunteers as reminded, if nobody did; return whether this call did."""
    result = await session.execute(
        update(Shift)
        .where(Shift.id == shift_id, Shift.reminded_at.is_(None))
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
