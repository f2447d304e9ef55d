"""Case references under concurrency: distinct, unique after a rollback, taken without waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.cases import service as cases
from linli.cases.models import Case
from linli.core import database
from linli.core.database import get_engine, session_scope

from .conftest import World


async def _report(session: AsyncSession, world: World, title: str = "Loud music") -> Case:
    lon, lat = world.at("C11-G1")
    return await cases.report_case(
        session,
        actor="hotline:desk-1",
        category_code="public.order.noise",
        title=title,
        lon=lon,
        lat=lat,
        source="hotline",
    )


def _number(ref: str) -> int:
    return int(ref.rsplit("-", 1)[1])


async def test_a_hundred_concurrent_reports_get_a_hundred_distinct_refs(world: World) -> None:
    async def report(n: int) -> str:
        async with session_scope() as session:
            return (await _report(session, world, title=f"Noise {n}")).ref

    refs = await asyncio.gather(*(report(n) for n in range(100)))
    assert len(set(refs)) == 100
    async with session_scope() as session:
        stored = set(await session.scalars(select(Case.ref)))
    assert stored == set(refs)


async def test_a_rolled_back_report_leaves_its_number_unused_and_the_next_ref_unique(
    world: World,
) -> None:
    kept = await world.report()
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            lost = await _report(session, world)
            raise RuntimeError("the request fails after the case was opened")
    after = await world.report()
    async with session_scope() as session:
        stored = list(await session.scalars(select(Case.ref)))
    assert sorted(stored) == sorted([kept.ref, after.ref])
    assert _number(kept.ref) < _number(after.ref)
    if get_engine().dialect.name == "postgresql":
        assert _number(after.ref) > _number(lost.ref)  # the gap the rollback left


@pytest.fixture
async def own_sessions(db: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on an engine of their own, so holding many connections starves nobody else."""
    engine = database.create_engine(db)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_on_postgresql_open_reports_do_not_wait_for_each_other(
    world: World, own_sessions: async_sessionmaker[AsyncSession]
) -> None:
    if get_engine().dialect.name != "postgresql":
        pytest.skip("SQLite serializes every write transaction already")
    writers = 20  # the engine's pool: 10 connections and 10 overflow
    async with AsyncExitStack() as stack:
        sessions = [await stack.enter_async_context(own_sessions()) for _ in range(writers)]
        opened = []
        for n, session in enumerate(sessions):
            # A report that had to wait for another open one would fail here after 2 s.
            await session.execute(text("SET LOCAL lock_timeout = '2s'"))
            opened.append((await _report(session, world, title=f"Noise {n}")).ref)
        for session in sessions:
            await session.commit()
    assert len(set(opened)) == writers
