"""Queries of privacy: a person's rows by lookup hash or link, row updates by primary key, and
keyset walks over whole tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, RowMapping, Table, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.database import Base
from linli.security.privacy.catalogue import Link


def table(name: str) -> Table:
    """Return the table `name` of the metadata."""
    return Base.metadata.tables[name]


def primary_key(tbl: Table) -> str:
    """Return the name of the one primary-key column of `tbl`."""
    keys = list(tbl.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"{tbl.name} needs a single-column primary key for privacy work")
    return keys[0].name


async def rows_where(
    session: AsyncSession, tbl: Table, condition: ColumnElement[bool]
) -> list[RowMapping]:
    """Return the rows of `tbl` meeting `condition` (encrypted columns decrypted), by key."""
    stmt = select(tbl).where(condition).order_by(tbl.c[primary_key(tbl)])
    return list((await session.execute(stmt)).mappings())


def hash_condition(tbl: Table, hashes: Mapping[str, set[str]]) -> ColumnElement[bool]:
    """Return the clause matching rows whose lookup-hash column holds one of its hashes."""
    clauses = [tbl.c[col].in_(sorted(values)) for col, values in hashes.items() if values]
    return or_(*clauses) if clauses else false()


def link_condition(
    tbl: Table, links: Sequence[Link], found: Mapping[str, Sequence[RowMapping]]
) -> ColumnElement[bool]:
    """Return the clause matching rows tied by `links` to rows already found."""
    clauses = []
    for link in links:
        keys = {row[link.key] for row in found.get(link.table, ()) if row[link.key] is not None}
        if keys:
            clauses.append(tbl.c[link.column].in_(sorted(keys, key=str)))
    return or_(*clauses) if clauses else false()


async def update_row(session: AsyncSession, tbl: Table, key: Any, values: dict[str, Any]) -> None:
    """Write `values` to the row of `tbl` whose primary key is `key`."""
    if values:
        pk = tbl.c[primary_key(tbl)]
        await session.execute(update(tbl).where(pk == key).values(**values))


async def batch_after(
    session: AsyncSession, tbl: Table, columns: Sequence[str], after: Any, *, limit: int
) -> list[Row[Any]]:
    """Return up to `limit` rows (primary key first, then `columns`) after key `after`."""
    pk = tbl.c[primary_key(tbl)]
    stmt = select(pk, *(tbl.c[c] for c in columns)).order_by(pk).limit(limit)
    if after is not None:
        stmt = stmt.where(pk > after)
    return list(await session.execute(stmt))
