"""Queries of notices: staff lists, a target's audience in the registry, what a resident may read,
the offline lists and the figures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from linli.core.pagination import newest_first, oldest_first
from linli.registry.models import Resident
from linli.residents.models import ResidentAccount
from linli.residents.notices.models import (
    SENIOR_AGE,
    Notice,
    NoticeBuilding,
    NoticeCall,
    NoticeRead,
)
from linli.residents.types import ResidentActor
from linli.rules.notifications.models import ResidentReach

STAFF_ORDER = newest_first(Notice.created_at, Notice.id)
RESIDENT_ORDER = newest_first(Notice.published_at, Notice.id)
PHONE_LIST_ORDER = oldest_first(Resident.created_at, Resident.id)


def claimed(session: AsyncSession, stmt: Select[Any]) -> Select[Any]:
    """Lock the selected rows; PostgreSQL skips rows another worker holds."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def staff_notices(where: ColumnElement[bool], status: str | None = None) -> Select[Any]:
    stmt = select(Notice).where(where)
    return stmt.where(Notice.status == status) if status else stmt


async def building_ids(
    session: AsyncSession, notice_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Return the targeted buildings of each notice (none: all of its area)."""
    found: dict[uuid.UUID, list[uuid.UUID]] = {n: [] for n in notice_ids}
    if not notice_ids:
        return found
    rows = await session.execute(
        select(NoticeBuilding.notice_id, NoticeBuilding.building_id)
        .where(NoticeBuilding.notice_id.in_(notice_ids))
        .order_by(NoticeBuilding.building_id)
    )
    for notice_id, building_id in rows:
        found[notice_id].append(building_id)
    return found


def audience_clause(
    *, org_path: str, buildings: Sequence[uuid.UUID], group: str, now: datetime
) -> ColumnElement[bool]:
    """Return the WHERE clause of the registry residents a target picks."""
    clauses: list[ColumnElement[bool]] = [Resident.org_path.startswith(org_path, autoescape=True)]
    if buildings:
        clauses.append(Resident.building_id.in_(buildings))
    if group == "seniors_alone":
        clauses.append(senior_clause(now))
    elif group == "households":
        clauses.append(household_contact())
    return and_(*clauses)


def household_contact() -> ColumnElement[bool]:
    """Return the clause of one resident per household: none registered before them in the
    same building and unit (a resident without a unit is a household of their own)."""
    older = aliased(Resident)
    return ~exists().where(
        Resident.unit.is_not(None),
        older.building_id == Resident.building_id,
        older.unit == Resident.unit,
        or_(
            older.created_at < Resident.created_at,
            and_(older.created_at == Resident.created_at, older.id < Resident.id),
        ),
    )


def senior_clause(now: datetime) -> ColumnElement[bool]:
    """Return the clause of the registry's seniors living alone (65 or more this year)."""
    return and_(
        Resident.lives_alone.is_(True),
        Resident.birth_year.is_not(None),
        Resident.birth_year <= now.year - SENIOR_AGE,
    )


def accounts_clause(
    *, org_path: str, buildings: Sequence[uuid.UUID], group: str, now: datetime
) -> ColumnElement[bool]:
    """Return the WHERE clause of the active resident accounts a target picks."""
    clauses: list[ColumnElement[bool]] = [
        ResidentAccount.active.is_(True),
        ResidentAccount.org_path.startswith(org_path, autoescape=True),
    ]
    if buildings:
        clauses.append(ResidentAccount.building_id.in_(buildings))
    if group == "seniors_alone":
        clauses.append(
            exists().where(Resident.id == ResidentAccount.registry_resident_id, senior_clause(now))
        )
    return and_(*clauses)


async def audience_counts(
    session: AsyncSession, where: ColumnElement[bool]
) -> tuple[int, int, int, int]:
    """Return residents, buildings, and those to phone and to visit among them."""
    offline = and_(
        ResidentReach.resident_id == Resident.id, ResidentReach.has_smartphone.is_(False)
    )
    row = (
        await session.execute(
            select(
                func.count(Resident.id),
                func.count(func.distinct(Resident.building_id)),
                func.count(ResidentReach.resident_id).filter(ResidentReach.method != "visit"),
                func.count(ResidentReach.resident_id).filter(ResidentReach.method == "visit"),
            )
            .select_from(Resident)
            .outerjoin(ResidentReach, offline)
            .where(where)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def visible_to(actor: ResidentActor, now: datetime) -> ColumnElement[bool]:
    """Return the clause of the published, unexpired notices aimed at the resident's home."""
    if actor.org_path is None:
        return false()
    building = (
        exists().where(
            NoticeBuilding.notice_id == Notice.id, NoticeBuilding.building_id == actor.building_id
        )
        if actor.building_id is not None
        else false()
    )
    senior = exists().where(
        ResidentAccount.id == actor.account_id,
        Resident.id == ResidentAccount.registry_resident_id,
        senior_clause(now),
    )
    return and_(
        Notice.status == "published",
        or_(Notice.expire_at.is_(None), Notice.expire_at > now),
        # The notice's area holds the home: its path is a prefix of the home's.
        literal(actor.org_path).startswith(Notice.org_path),
        or_(Notice.all_buildings.is_(True), building),
        # A group of the registry (seniors living alone) reaches the accounts matched to one
        # of its residents.
        or_(Notice.group != "seniors_alone", senior),
    )


async def read_ids(
    session: AsyncSession, account_id: uuid.UUID, notice_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Return which of the notices the account has opened."""
    if not notice_ids:
        return set()
    rows = await session.scalars(
        select(NoticeRead.notice_id).where(
            NoticeRead.account_id == account_id, NoticeRead.notice_id.in_(notice_ids)
        )
    )
    return set(rows)


def offline_list(where: ColumnElement[bool]) -> Select[Any]:
    """Return the audience recorded without a smartphone (how to reach them: `reaches`)."""
    return (
        select(Resident)
        .join(ResidentReach, ResidentReach.resident_id == Resident.id)
        .where(where, ResidentReach.has_smartphone.is_(False))
    )


async def reaches(
    session: AsyncSession, resident_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ResidentReach]:
    """Return how to reach each of the residents."""
    if not resident_ids:
        return {}
    rows = await session.scalars(
        select(ResidentReach).where(ResidentReach.resident_id.in_(resident_ids))
    )
    return {r.resident_id: r for r in rows}


async def last_calls(
    session: AsyncSession, notice_id: uuid.UUID, resident_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, NoticeCall]:
    """Return each resident's latest call about the notice."""
    if not resident_ids:
        return {}
    rows = await session.scalars(
        select(NoticeCall)
        .where(NoticeCall.notice_id == notice_id, NoticeCall.resident_id.in_(resident_ids))
        .order_by(NoticeCall.called_at, NoticeCall.id)
    )
    return {call.resident_id: call for call in rows}


async def figures_by_building(
    session: AsyncSession, notice_id: uuid.UUID, where: ColumnElement[bool]
) -> list[tuple[uuid.UUID, int, int, int]]:
    """Return per building of the audience: (building, audience, read, reached)."""
    audience = dict(
        (b, int(n))
        for b, n in await session.execute(
            select(Resident.building_id, func.count(Resident.id))
            .where(where)
            .group_by(Resident.building_id)
        )
    )
    reads = dict(
        (b, int(n))
        for b, n in await session.execute(
            select(NoticeRead.building_id, func.count(NoticeRead.id))
            .where(NoticeRead.notice_id == notice_id, NoticeRead.building_id.is_not(None))
            .group_by(NoticeRead.building_id)
        )
    )
    reached = dict(
        (b, int(n))
        for b, n in await session.execute(
            select(Resident.building_id, func.count(func.distinct(NoticeCall.resident_id)))
            .join(Resident, Resident.id == NoticeCall.resident_id)
            .where(NoticeCall.notice_id == notice_id, NoticeCall.outcome == "reached", where)
            .group_by(Resident.building_id)
        )
    )
    return [(b, audience[b], reads.get(b, 0), reached.get(b, 0)) for b in sorted(audience, key=str)]


async def read_count(session: AsyncSession, notice_id: uuid.UUID) -> int:
    """Return how many accounts opened the notice."""
    found = await session.scalar(
        select(func.count(NoticeRead.id)).where(NoticeRead.notice_id == notice_id)
    )
    return int(found or 0)


async def due_notices(session: AsyncSession, *, now: datetime, batch: int) -> Sequence[Notice]:
    """Return (and lock) the scheduled notices whose publication time has come."""
    stmt = (
        select(Notice)
        .where(Notice.status == "scheduled", Notice.publish_at <= now)
        .order_by(Notice.publish_at, Notice.id)
        .limit(batch)
    )
    return (
        await session.scalars(claimed(session, stmt).execution_options(populate_existing=True))
    ).all()
