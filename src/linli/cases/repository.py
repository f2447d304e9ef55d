"""Queries of the case core, written with `select()`; each loads exactly what it needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from linli.cases.models import Attachment, Case, CaseEvent, CaseRefCounter, Category


def is_postgresql(session: AsyncSession) -> bool:
    """Return whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


async def get_category(session: AsyncSession, code: str) -> Category | None:
    """Return the category with `code`, or None."""
    return await session.scalar(select(Category).where(Category.code == code))


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    """Return every category, by code."""
    return (await session.scalars(select(Category).order_by(Category.code))).all()


async def get_case(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> Case | None:
    """Return a case, locking its row for the rest of the transaction when asked."""
    stmt = select(Case).where(Case.id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt.execution_options(populate_existing=for_update))


async def open_case_for_source(session: AsyncSession, source: str, source_ref: str) -> Case | None:
    """Return the case already opened for an alarm (or other source record), if any."""
    return await session.scalar(
        select(Case).where(Case.source == source, Case.source_ref == source_ref).limit(1)
    )


def case_query(where: Sequence[ColumnElement[bool]]) -> Select[Case]:
    """Return the select of cases matching every clause in `where`."""
    return select(Case).where(*where)


async def list_cases(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], *, limit: int, offset: int
) -> tuple[Sequence[Case], int]:
    """Return one page of matching cases (newest first) and how many match in all."""
    total = await session.scalar(select(func.count()).select_from(Case).where(*where))
    newest_first = case_query(where).order_by(Case.created_at.desc(), Case.ref.desc())
    rows = await session.scalars(newest_first.limit(limit).offset(offset))
    return rows.all(), int(total or 0)


def search_clause(q: str) -> ColumnElement[bool]:
    """Return a clause matching `q` in a case's reference or title, ignoring case."""
    pattern = f"%{q.strip()}%"
    return or_(Case.ref.ilike(pattern), Case.title.ilike(pattern))


async def timeline(session: AsyncSession, case_id: uuid.UUID) -> Sequence[CaseEvent]:
    """Return the case's timeline in order."""
    return (
        await session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    ).all()


async def attachments(session: AsyncSession, case_id: uuid.UUID) -> Sequence[Attachment]:
    """Return the metadata of a case's attachments (not their bytes), oldest first."""
    return (
        await session.scalars(
            select(Attachment)
            .where(Attachment.case_id == case_id)
            .order_by(Attachment.created_at, Attachment.id)
        )
    ).all()


async def attachment_with_data(
    session: AsyncSession, case_id: uuid.UUID, attachment_id: uuid.UUID
) -> Attachment | None:
    """Return one attachment of a case with its bytes loaded."""
    return await session.scalar(
        select(Attachment)
        .options(undefer(Attachment.data))
        .where(Attachment.id == attachment_id, Attachment.case_id == case_id)
    )


async def attachment_ids(session: AsyncSession, case_id: uuid.UUID) -> set[uuid.UUID]:
    """Return the ids of a case's attachments."""
    return set(await session.scalars(select(Attachment.id).where(Attachment.case_id == case_id)))


async def count_photos(session: AsyncSession, case_id: uuid.UUID) -> int:
    """Return how many photos the case holds."""
    count = await session.scalar(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.case_id == case_id, Attachment.kind == "photo")
    )
    return int(count or 0)


async def next_ref_number(session: AsyncSession, day: str) -> int:
    """Hand out the next case number of `day`, atomically on both databases."""
    insert = pg_insert if is_postgresql(session) else sqlite_insert
    stmt = (
        insert(CaseRefCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(
            index_elements=[CaseRefCounter.day], set_={"last": CaseRefCounter.last + 1}
        )
        .returning(CaseRefCounter.last)
    )
    return int((await session.execute(stmt)).scalar_one())


async def photo_counts(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Return how many photos each of the cases holds, in one query (none: left out)."""
    if not case_ids:
        return {}
    rows = await session.execute(
        select(Attachment.case_id, func.count())
        .where(Attachment.case_id.in_(list(case_ids)), Attachment.kind == "photo")
        .group_by(Attachment.case_id)
    )
    return {case_id: int(n) for case_id, n in rows.all()}
