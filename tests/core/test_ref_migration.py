"""The move from per-day case counters to reference sequences, and back, repeats no reference."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from guide_run import pg_admin
from linli.cases.models import Case, Category
from linli.core import database, migrate, refs
from linli.org import service as org_service
from linli.org.models import OrgUnit

BEFORE = "0016"  # the last revision with per-day counters


@pytest.fixture
async def empty_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """Yield the URL of an empty database of the backend under test, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
        return
    url = f"{database_url}_refs"
    await pg_admin(url, 'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    await pg_admin(url, 'CREATE DATABASE "{db}"')
    yield url
    await pg_admin(url, 'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


async def _add_cases(session: AsyncSession, *refs_: str) -> None:
    unit = await session.scalar(select(OrgUnit.id).where(OrgUnit.code == "D"))
    if unit is None:
        made = await org_service.create_unit(session, kind="district", code="D", name="D")
        # Only the columns every revision has: the ORM would name later ones.
        await session.execute(
            insert(Category).values(code="public.order.noise", name="Noise", priority=3)
        )
        unit = made.id
    for ref in refs_:
        # An insert naming its columns, not the ORM's unit of work: the model has columns that
        # revision BEFORE does not (what a rule's words are made of, 0025).
        await session.execute(
            insert(Case).values(
                ref=ref,
                title="Noise",
                category_code="public.order.noise",
                source="staff",
                profile="grid",
                status="reported",
                org_unit_id=unit,
                org_path="/D/",
                supervisor_unit_id=unit,
            )
        )


async def _has_counter_table(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        conn = await session.connection()
        return await conn.run_sync(lambda sync: inspect(sync).has_table("case_ref_counter"))


async def test_sequences_start_after_every_used_number_and_the_downgrade_resumes_each_day(
    empty_url: str,
) -> None:
    engine = database.create_engine(empty_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        await migrate.upgrade_async(empty_url, BEFORE)
        async with sessions.begin() as session:
            await _add_cases(session, "C-260301-000007", "C-260302-000950", "C-BULK-0001")
            # A counter may be ahead of the references (their cases deleted since).
            await session.execute(
                text("INSERT INTO case_ref_counter (day, last) VALUES ('260301', 970)")
            )
        await migrate.upgrade_async(empty_url)
        assert not await _has_counter_table(sessions)
        async with sessions.begin() as session:
            assert await refs.next_number(session, "case") == 971
            await _add_cases(session, "C-260303-000971")

        await asyncio.to_thread(command.downgrade, migrate.alembic_config(empty_url), BEFORE)
        async with sessions.begin() as session:
            rows = await session.execute(text("SELECT day, last FROM case_ref_counter"))
            counters = {day: last for day, last in rows}
        # Each day carries on after the highest number its references used.
        assert counters == {"260301": 7, "260302": 950, "260303": 971}
        await migrate.upgrade_async(empty_url)
        async with sessions.begin() as session:
            assert await refs.next_number(session, "case") == 972
    finally:
        await engine.dispose()
