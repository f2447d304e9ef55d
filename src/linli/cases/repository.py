"""Queries of the case core, written with `select()`; each loads exactly what it needs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, undefer
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from linli.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    CategorySetting,
    effective_category,
    tree_id_of,
)
from linli.core.pagination import Page, PageQuery, bounded_count, keyset_page, newest_first
from linli.org.models import OrgUnit

# The order of every case list: newest first; the unique reference breaks ties in report order.
CASE_KEYS = newest_first(Case.created_at, Case.ref)


def is_postgresql(session: AsyncSession) -> bool:
    """Return whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


async def get_category(session: AsyncSession, code: str) -> Category | None:
    """Return the category with `code`, or None."""
    return await session.scalar(select(Category).where(Category.code == code))


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    """Return every category, by code."""
    return (await session.scalars(select(Category).order_by(Category.code))).all()


async def category_in_tree(
    session: AsyncSession, code: str, tree_id: uuid.UUID | None
) -> Category | None:
    """Return the category `code` as the tree `tree_id` sees it (one lookup), or None."""
    if tree_id is None:
        return await get_category(session, code)
    row = (
        await session.execute(
            select(Category, CategorySetting)
            .outerjoin(
                CategorySetting,
                and_(
                    CategorySetting.tree_id == tree_id,
                    CategorySetting.category_code == Category.code,
                ),
            )
            .where(Category.code == code)
        )
    ).first()
    return None if row is None else effective_category(row[0], row[1])


async def category_for_path(
    session: AsyncSession, code: str, org_path: str | None
) -> Category | None:
    """Return the category `code` as the tree holding `org_path` (a case's place) sees it."""
    return await category_in_tree(session, code, tree_id_of(org_path))


async def categories_in_tree(session: AsyncSession, tree_id: uuid.UUID | None) -> list[Category]:
    """Return every category, by code, as the tree `tree_id` sees it."""
    categories = await list_categories(session)
    if tree_id is None:
        return list(categories)
    settings = {
        s.category_code: s
        for s in await session.scalars(
            select(CategorySetting).where(CategorySetting.tree_id == tree_id)
        )
    }
    return [effective_category(c, settings.get(c.code)) for c in categories]


async def get_category_setting(
    session: AsyncSession, tree_id: uuid.UUID, code: str
) -> CategorySetting | None:
    """Return the tree's own settings of category `code`, or None."""
    return await session.scalar(
        select(CategorySetting).where(
            CategorySetting.tree_id == tree_id, CategorySetting.category_code == code
        )
    )


async def tree_roots(session: AsyncSession) -> Sequence[OrgUnit]:
    """Return the top-level units (districts and towns): each heads a tree with its settings."""
    return (await session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))).all()


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


class AnyOf(ColumnElement[bool]):
    """`column IN (subquery)`, written on PostgreSQL as `column = ANY(ARRAY(subquery))`.

    In an OR with other indexed clauses, PostgreSQL cannot turn `IN (subquery)` into an index
    condition (it becomes a hashed filter, so a narrow scope reads the whole table); the array,
    computed once, is a value the planner combines with the other indexes in a bitmap.
    """

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands: SQLite needs no `= 1` after it
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy reads it)
        ("column", InternalTraversal.dp_clauseelement),
        ("subquery", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], subquery: Select[Any]) -> None:
        self.column = column
        self.subquery = subquery


@compiles(AnyOf)
def _any_of(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.subquery), **kw)


@compiles(AnyOf, "postgresql")
def _any_of_postgresql(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY{compiler.process(element.subquery.scalar_subquery(), **kw)})"


def any_of(
    column: QueryableAttribute[Any] | ColumnElement[Any], subquery: Select[Any]
) -> ColumnElement[bool]:
    """Return the clause keeping rows whose `column` is one of `subquery`'s values."""
    if isinstance(column, QueryableAttribute):
        column = column.__clause_element__()
    return AnyOf(column, subquery)


def case_query(where: Sequence[ColumnElement[bool]]) -> Select[Case]:
    """Return the select of cases matching every clause in `where`."""
    return select(Case).where(*where)


async def list_cases(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    paging: PageQuery,
    *,
    skip: int = 0,
) -> Page[Case]:
    """Return the page of matching cases (newest first) `paging` asks for, `skip` rows on.

    `skip` serves clients that page by number (Open311); callers bound it. SQL applies OFFSET
    after the order and the cursor, so the page and its `next` cursor stay in list order.
    """
    if skip <= 0:
        return await keyset_page(session, case_query(where), CASE_KEYS, paging)
    skipped = case_query(where).offset(skip)
    page = await keyset_page(session, skipped, CASE_KEYS, replace(paging, count=False))
    if paging.count:
        page.total, page.total_capped = await bounded_count(session, case_query(where), CASE_KEYS)
    return page


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
