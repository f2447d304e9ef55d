"""Queries of meetings, written with `select()`; each loads exactly what it needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import Key, Page, PageQuery, keyset_page, newest_first, oldest_first
from linli.org.models import OrgUnit
from linli.participation.meetings.models import (
    AgendaItem,
    Decision,
    DecisionUpdate,
    Meeting,
    MinuteEntry,
    Registration,
)
from linli.security.models import RoleGrant, StaffAccount

MEETING_KEYS = newest_first(Meeting.starts_at, Meeting.id)
UPCOMING_KEYS = oldest_first(Meeting.starts_at, Meeting.id)
# The board: open work first ("done" sorts after "in_progress" and "open"), soonest due first.
DECISION_KEYS = (
    Key(Decision.status, descending=True),
    Key(Decision.due_on, descending=False),
    Key(Decision.id, descending=False),
)
REGISTRATION_KEYS = oldest_first(Registration.created_at, Registration.id)
MY_KEYS = newest_first(Registration.created_at, Registration.id)


def ancestor_paths(path: str) -> list[str]:
    """Return the paths of a unit and of every ancestor (`/a/`, `/a/b/`, …)."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


async def get_meeting(
    session: AsyncSession, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Meeting | None:
    """Return a meeting, locking its row for the rest of the transaction when asked."""
    stmt = select(Meeting).where(Meeting.id == meeting_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=for_update))


async def list_meetings(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    paging: PageQuery,
    *,
    upcoming: bool = False,
) -> Page[Meeting]:
    """Return a page of meetings: newest first, or the upcoming ones soonest first."""
    keys = UPCOMING_KEYS if upcoming else MEETING_KEYS
    return await keyset_page(session, select(Meeting).where(*where), keys, paging)


async def agenda(session: AsyncSession, meeting_id: uuid.UUID) -> Sequence[AgendaItem]:
    """Return a meeting's agenda in order."""
    stmt = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
    return (await session.scalars(stmt.order_by(AgendaItem.position))).all()


async def next_position(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    """Return the position a new agenda item takes (after the last)."""
    stmt = select(func.coalesce(func.max(AgendaItem.position), 0)).where(
        AgendaItem.meeting_id == meeting_id
    )
    return int(await session.scalar(stmt) or 0) + 1


async def minutes(
    session: AsyncSession, meeting_id: uuid.UUID, *, public_only: bool = False
) -> Sequence[MinuteEntry]:
    """Return a meeting's minutes in the order they were written."""
    stmt = select(MinuteEntry).where(MinuteEntry.meeting_id == meeting_id)
    if public_only:
        stmt = stmt.where(MinuteEntry.public.is_(True))
    return (await session.scalars(stmt.order_by(MinuteEntry.seq))).all()


async def next_minute_seq(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    """Return the number of the next line of the minutes (the meeting's row is locked)."""
    stmt = select(func.coalesce(func.max(MinuteEntry.seq), 0)).where(
        MinuteEntry.meeting_id == meeting_id
    )
    return int(await session.scalar(stmt) or 0) + 1


async def decisions_of(
    session: AsyncSession, meeting_id: uuid.UUID, *, public_only: bool = False
) -> Sequence[Decision]:
    """Return a meeting's decisions in the order they were taken."""
    stmt = select(Decision).where(Decision.meeting_id == meeting_id)
    if public_only:
        stmt = stmt.where(Decision.public.is_(True))
    return (await session.scalars(stmt.order_by(Decision.created_at, Decision.id))).all()


async def get_decision(
    session: AsyncSession, decision_id: uuid.UUID, *, for_update: bool = False
) -> Decision | None:
    """Return one decision."""
    stmt = select(Decision).where(Decision.id == decision_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=for_update))


async def list_decisions(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[Decision]:
    """Return a page of the decisions board."""
    return await keyset_page(session, select(Decision).where(*where), DECISION_KEYS, paging)


def overdue_clause(today: date) -> ColumnElement[bool]:
    """Return the condition of a decision past its due date and not done."""
    return (Decision.status != "done") & (Decision.due_on < today)


async def updates_of(session: AsyncSession, decision_id: uuid.UUID) -> Sequence[DecisionUpdate]:
    """Return a decision's updates, oldest first."""
    stmt = select(DecisionUpdate).where(DecisionUpdate.decision_id == decision_id)
    return (await session.scalars(stmt.order_by(DecisionUpdate.at, DecisionUpdate.id))).all()


async def take_place(session: AsyncSession, meeting_id: uuid.UUID) -> bool:
    """Count one more registered place if the meeting has one left; return whether it had.

    One conditional UPDATE: PostgreSQL re-checks the condition on the locked row, SQLite runs
    one writer at a time, so concurrent registrations never pass the limit."""
    result = await session.execute(
        update(Meeting)
        .where(
            Meeting.id == meeting_id,
            or_(Meeting.capacity.is_(None), Meeting.registered_count < Meeting.capacity),
        )
        .values(registered_count=Meeting.registered_count + 1)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def give_back_place(session: AsyncSession, meeting_id: uuid.UUID) -> None:
    """Count one registered place fewer."""
    await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.registered_count > 0)
        .values(registered_count=Meeting.registered_count - 1)
        .execution_options(synchronize_session=False)
    )


async def registration_of(
    session: AsyncSession, meeting_id: uuid.UUID, account_id: uuid.UUID
) -> Registration | None:
    """Return a resident's registration for a meeting (whatever its status)."""
    return await session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting_id, Registration.account_id == account_id
        )
    )


async def first_waitlisted(session: AsyncSession, meeting_id: uuid.UUID) -> Registration | None:
    """Return the registration longest on the waitlist."""
    stmt = (
        select(Registration)
        .where(Registration.meeting_id == meeting_id, Registration.status == "waitlisted")
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )
    return await session.scalar(stmt)


async def count_by(session: AsyncSession, meeting_id: uuid.UUID) -> dict[str, int]:
    """Return how many registrations a meeting has per status, and how many attended."""
    rows = await session.execute(
        select(
            Registration.status,
            func.count(),
            func.count(Registration.attended_at),
        )
        .where(Registration.meeting_id == meeting_id)
        .group_by(Registration.status)
    )
    counts: dict[str, int] = {"attended": 0}
    for status, n, attended in rows:
        counts[str(status)] = int(n)
        counts["attended"] += int(attended)
    return counts


async def list_registrations(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery, *, mine: bool
) -> Page[Registration]:
    """Return a page of registrations: a meeting's in order, or a resident's newest first."""
    keys = MY_KEYS if mine else REGISTRATION_KEYS
    return await keyset_page(session, select(Registration).where(*where), keys, paging)


async def get_registration(
    session: AsyncSession, meeting_id: uuid.UUID, registration_id: uuid.UUID
) -> Registration | None:
    """Return one registration of a meeting."""
    return await session.scalar(
        select(Registration).where(
            Registration.id == registration_id, Registration.meeting_id == meeting_id
        )
    )


async def staff_around(
    session: AsyncSession, path: str, *, limit: int = 200
) -> Sequence[StaffAccount]:
    """Return the active staff granted a role on the unit at `path`, inside it or above it:
    the people a decision of its council may be given to, by name."""
    inside_or_above = or_(
        OrgUnit.path.startswith(path, autoescape=True), OrgUnit.path.in_(ancestor_paths(path))
    )
    stmt = (
        select(StaffAccount)
        .where(
            StaffAccount.active.is_(True),
            StaffAccount.id.in_(
                select(RoleGrant.account_id)
                .join(OrgUnit, OrgUnit.id == RoleGrant.unit_id)
                .where(inside_or_above)
            ),
        )
        .order_by(StaffAccount.display_name, StaffAccount.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def registrations_for(
    session: AsyncSession, account_id: uuid.UUID, meeting_ids: Sequence[uuid.UUID]
) -> Sequence[Registration]:
    """Return one resident's registrations for the meetings `meeting_ids`."""
    if not meeting_ids:
        return []
    stmt = select(Registration).where(
        Registration.account_id == account_id, Registration.meeting_id.in_(meeting_ids)
    )
    return (await session.scalars(stmt)).all()
