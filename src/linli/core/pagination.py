"""Keyset pagination: a page costs the same at the millionth row as at the first.

A list is ordered by key columns ending in a unique one (`created_at, id`). A page is the first
`limit` rows after the cursor, which carries the last row's key values; nothing is skipped by
OFFSET and nothing counts the whole table. A total is given only when asked, and then counted up to
`COUNT_CAP` rows: past that the page says "at least COUNT_CAP".

Routes take `linli.core.deps.Paging` (cursor, limit, count) and answer a schema built on
`PageMeta` (`next`, `total`, `total_capped`); pages link to `next` the same way.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import Field
from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from linli.core.errors import ValidationFailed
from linli.core.schemas import Schema

T = TypeVar("T")

COUNT_CAP = 10_000
MAX_LIMIT = 200
MAX_CURSOR = 512


@dataclass(frozen=True)
class Key:
    """One sort key of a list: a mapped attribute (never NULL) and its direction."""

    attribute: InstrumentedAttribute[Any]
    descending: bool = True

    @property
    def name(self) -> str:
        return self.attribute.key


def newest_first(*attributes: InstrumentedAttribute[Any]) -> tuple[Key, ...]:
    """Return descending keys on `attributes` (the last must be unique)."""
    return tuple(Key(a) for a in attributes)


def oldest_first(*attributes: InstrumentedAttribute[Any]) -> tuple[Key, ...]:
    """Return ascending keys on `attributes` (the last must be unique)."""
    return tuple(Key(a, descending=False) for a in attributes)


@dataclass
class Page(Generic[T]):
    """One page of a list: its rows, the cursor of the next page, and the total when asked."""

    items: list[T]
    next: str | None
    total: int | None = None
    total_capped: bool = False


class PageMeta(Schema):
    """What every list answer carries besides its items."""

    next: str | None = Field(
        None, description="cursor of the next page (pass as `cursor`); null on the last page"
    )
    total: int | None = Field(
        None, description=f"how many match, when asked with count=true; at most {COUNT_CAP:,}"
    )
    total_capped: bool = Field(
        False, description="true when more match than `total` says (the count stopped at its cap)"
    )


@dataclass(frozen=True)
class PageQuery:
    """The paging parameters of a list route."""

    cursor: str | None = None
    limit: int = 50
    count: bool = False


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _decode_value(key: Key, raw: Any) -> Any:
    kind = key.attribute.type.python_type
    try:
        if issubclass(kind, datetime):
            return datetime.fromisoformat(str(raw))
        if issubclass(kind, date):
            return date.fromisoformat(str(raw))
        if issubclass(kind, uuid.UUID):
            return uuid.UUID(str(raw))
        if kind is bool or not isinstance(raw, kind):
            raise TypeError(raw)
    except (TypeError, ValueError) as err:
        raise _bad_cursor() from err
    return raw


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "the cursor is not one this list gave out; start again without it", code="bad_cursor"
    )


def encode_cursor(keys: Sequence[Key], row: Any) -> str:
    """Return the cursor that continues after `row`."""
    values = [_encode_value(getattr(row, key.name)) for key in keys]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(keys: Sequence[Key], cursor: str) -> list[Any]:
    """Return the key values a cursor carries, or raise ValidationFailed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError) as err:
        raise _bad_cursor() from err
    if not isinstance(values, list) or len(values) != len(keys):
        raise _bad_cursor()
    return [_decode_value(key, value) for key, value in zip(keys, values, strict=True)]


def after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return the clause of the rows that come after `values` in the order of `keys`."""
    # Bound with each column's type, so values compare as the column stores them.
    bound = [literal(v, type_=k.attribute.type) for k, v in zip(keys, values, strict=True)]
    if len({k.descending for k in keys}) == 1:
        # A row comparison: both databases walk a matching index from the cursor.
        left, right = tuple_(*(k.attribute for k in keys)), tuple_(*bound)
        return left < right if keys[0].descending else left > right
    clauses: list[ColumnElement[bool]] = []
    for i, key in enumerate(keys):
        equal = [k.attribute == v for k, v in zip(keys[:i], bound[:i], strict=True)]
        beyond = key.attribute < bound[i] if key.descending else key.attribute > bound[i]
        clauses.append(and_(*equal, beyond))
    return or_(false(), *clauses)


def ordered(stmt: Select[Any], keys: Sequence[Key]) -> Select[Any]:
    """Return `stmt` ordered by `keys`."""
    return stmt.order_by(*(k.attribute.desc() if k.descending else k.attribute for k in keys))


async def bounded_count(
    session: AsyncSession, stmt: Select[Any], keys: Sequence[Key] = ()
) -> tuple[int, bool]:
    """Count `stmt`'s rows up to COUNT_CAP; return the count and whether it stopped at the cap.

    Given the list's keys it counts the first rows in list order, so PostgreSQL walks the list's
    own index and stops at the cap instead of reading the table.
    """
    capped = ordered(stmt, keys) if keys else stmt.order_by(None)
    first = capped.limit(COUNT_CAP + 1).subquery()
    n = int(await session.scalar(select(func.count()).select_from(first)) or 0)
    return min(n, COUNT_CAP), n > COUNT_CAP


async def keyset_page(
    session: AsyncSession, stmt: Select[Any], keys: Sequence[Key], paging: PageQuery
) -> Page[Any]:
    """Return the page of `stmt` (ordered by `keys`) that `paging` asks for."""
    limit = max(1, min(paging.limit, MAX_LIMIT))
    base = stmt
    if paging.cursor:
        stmt = stmt.where(after(keys, decode_cursor(keys, paging.cursor)))
    rows = list(await session.scalars(ordered(stmt, keys).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    page: Page[Any] = Page(items=rows, next=encode_cursor(keys, rows[-1]) if more else None)
    if paging.count and not more and not paging.cursor:
        page.total = len(rows)  # the whole list is on this page: nothing left to count
    elif paging.count:
        page.total, page.total_capped = await bounded_count(session, base, keys)
    return page


def page_meta(page: Page[Any]) -> dict[str, Any]:
    """Return the `PageMeta` fields of a page, to build a route's answer with its items."""
    return {"next": page.next, "total": page.total, "total_capped": page.total_capped}
