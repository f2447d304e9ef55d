"""Reference numbers: unique, increasing, gap-tolerant, and never waiting on another writer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.core import database, refs
from linli.core.database import get_engine, session_scope

KIND = "case"  # declared by the cases domain, whose migration made its sequence


async def _take(kind: str = KIND) -> int:
    async with session_scope() as session:
        return await refs.next_number(session, kind)


async def test_every_declared_kind_has_a_sequence_in_the_migrated_database(db: str) -> None:
    assert KIND in refs.kinds()
    for kind in sorted(refs.kinds()):
        first = await _take(kind)
        assert await _take(kind) > first


async def test_numbers_increase_and_never_repeat_under_concurrent_writers(db: str) -> None:
    before = await _take()
    taken = await asyncio.gather(*(_take() for _ in range(100)))
    assert len(set(taken)) == 100
    assert min(taken) > before
    assert await _take() > max(taken)


async def test_a_rolled_back_number_is_never_handed_out_twice(db: str) -> None:
    before = await _take()
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            lost = await refs.next_number(session, KIND)
            raise RuntimeError("the unit of work fails")
    after = await _take()
    assert after > before
    if get_engine().dialect.name == "postgresql":
        # nextval is not undone: the failed unit of work leaves a gap.
        assert after > lost
    else:
        # SQLite undoes the number with the rest of the transaction; nobody saw it.
        assert after == lost


async def test_undeclared_kinds_and_bad_names_are_refused(db: str) -> None:
    async with session_scope() as session:
        with pytest.raises(refs.UnknownRefKind):
            await refs.next_number(session, "no_such_kind")
    for bad in ("Case", "case-ref", "", "1case", "x" * 41, "case; DROP TABLE case_record"):
        with pytest.raises(ValueError):
            refs.declare(bad)


@pytest.fixture
async def own_engine(db: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on an engine of their own, so holding many connections starves nobody else."""
    engine = database.create_engine(db)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_on_postgresql_no_open_transaction_waits_for_another(
    own_engine: async_sessionmaker[AsyncSession],
) -> None:
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite serializes every write transaction already")
    writers = 20  # the engine's pool: 10 connections and 10 overflow
    async with AsyncExitStack() as stack:
        sessions = [await stack.enter_async_context(own_engine()) for _ in range(writers)]
        taken = []
        for session in sessions:
            # A writer that had to wait for another open transaction would fail here.
            await session.execute(text("SET LOCAL lock_timeout = '2s'"))
            taken.append(await refs.next_number(session, KIND))
        for session in sessions:
            await session.commit()
    assert len(set(taken)) == writers and taken == sorted(taken)
