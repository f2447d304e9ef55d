"""Keyset pages walk a list once, in order, whatever the ties, and reject forged cursors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.errors import ValidationFailed
from linli.core.pagination import (
    COUNT_CAP,
    Key,
    PageQuery,
    bounded_count,
    keyset_page,
    newest_first,
    oldest_first,
)
from linli.org import service as org_service
from linli.org.models import OrgUnit


async def _units(clock: clock_mod.ManualClock, n: int) -> None:
    async with session_scope() as session:
        for i in range(n):
            if i % 3 == 0:  # ties on created_at: the unique last key orders them
                clock.advance(timedelta(seconds=1))
            await org_service.create_unit(session, kind="district", code=f"U{i:03d}", name=f"{i}")


async def _walk(keys: tuple[Key, ...], limit: int) -> list[str]:
    codes: list[str] = []
    cursor: str | None = None
    while True:
        async with session_scope() as session:
            page = await keyset_page(
                session, select(OrgUnit), keys, PageQuery(cursor=cursor, limit=limit)
            )
        codes += [u.code for u in page.items]
        assert len(page.items) <= limit
        if page.next is None:
            return codes
        cursor = page.next


@pytest.mark.parametrize("limit", [1, 7, 50])
async def test_pages_walk_every_row_once_in_order(
    db: str, clock: clock_mod.ManualClock, limit: int
) -> None:
    await _units(clock, 23)
    async with session_scope() as session:
        ordered = list(
            await session.scalars(
                select(OrgUnit).order_by(OrgUnit.created_at.desc(), OrgUnit.id.desc())
            )
        )
    assert await _walk(newest_first(OrgUnit.created_at, OrgUnit.id), limit) == [
        u.code for u in ordered
    ]
    assert await _walk(oldest_first(OrgUnit.code), limit) == sorted(u.code for u in ordered)
    mixed = (Key(OrgUnit.name, descending=False), Key(OrgUnit.code))
    assert await _walk(mixed, limit) == [
        u.code for u in sorted(ordered, key=lambda u: (u.name, [-ord(c) for c in u.code]))
    ]


async def test_total_is_counted_only_when_asked(db: str, clock: clock_mod.ManualClock) -> None:
    await _units(clock, 5)
    keys = newest_first(OrgUnit.created_at, OrgUnit.id)
    async with session_scope() as session:
        quiet = await keyset_page(session, select(OrgUnit), keys, PageQuery(limit=2))
        counted = await keyset_page(session, select(OrgUnit), keys, PageQuery(limit=2, count=True))
        capped = await bounded_count(session, select(OrgUnit))
    assert (quiet.total, counted.total, counted.total_capped) == (None, 5, False)
    assert capped == (5, False) and COUNT_CAP >= 1000


@pytest.mark.parametrize(
    "cursor", ["not base64!", "bm90IGpzb24", "WzFd", "WyJ4IiwieSJd", "WyIyMDI2IiwgIngiXQ"]
)
async def test_forged_cursors_are_refused(db: str, cursor: str) -> None:
    keys = newest_first(OrgUnit.created_at, OrgUnit.id)
    async with session_scope() as session:
        with pytest.raises(ValidationFailed) as err:
            await keyset_page(session, select(OrgUnit), keys, PageQuery(cursor=cursor))
    assert err.value.code == "bad_cursor"
