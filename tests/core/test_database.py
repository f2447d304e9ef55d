from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from linli.core import clock as clock_mod
from linli.core import database
from linli.core.database import (
    DEFAULT_BUDGETS,
    Workload,
    budget,
    create_engine,
    get_engine,
    pool_budget,
    session_scope,
    use_workload,
)
from linli.core.ids import new_id
from linli.core.settings import get_settings
from linli.org import service as org_service
from linli.org.models import OrgUnit


async def test_timestamps_come_back_aware_utc(db: str, clock: clock_mod.ManualClock) -> None:
    async with session_scope() as session:
        unit = await org_service.create_unit(session, kind="district", code="D1", name="D1")
    async with session_scope() as session:
        stored = await session.get(OrgUnit, unit.id)
        assert stored is not None
        assert stored.created_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


async def test_failed_unit_of_work_stores_nothing(db: str) -> None:
    try:
        async with session_scope() as session:
            await org_service.create_unit(session, kind="district", code="D2", name="D2")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with session_scope() as session:
        assert (await session.scalars(select(OrgUnit))).all() == []


def test_ids_sort_by_creation_time() -> None:
    ids = [new_id() for _ in range(50)]
    assert all(i.version == 7 for i in ids)
    assert [i.bytes[:6] for i in ids] == sorted(i.bytes[:6] for i in ids)


async def test_each_workload_class_has_its_own_bounded_pool(db: str) -> None:
    engines = {w: get_engine(w) for w in Workload}
    assert len({id(e) for e in engines.values()}) == len(Workload)
    backend = "sqlite" if db.startswith("sqlite") else "postgresql"
    for workload, engine in engines.items():
        assert engine.pool.size() == budget(workload) == DEFAULT_BUDGETS[backend][workload]  # type: ignore[attr-defined]
    async with session_scope(Workload.INGEST) as session:
        assert session.bind is engines[Workload.INGEST]
    with use_workload(Workload.BACKGROUND):
        async with session_scope() as session:
            assert session.bind is engines[Workload.BACKGROUND]


def test_a_configured_budget_wins_over_the_backend_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINLI_DB_POOL_INGEST", "7")
    get_settings.cache_clear()
    try:
        assert pool_budget(Workload.INGEST, "postgresql+asyncpg://h/db") == 7
        assert pool_budget(Workload.API, "sqlite+aiosqlite:///x.db") == 3
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_a_pooled_connection_the_database_dropped_is_replaced_unnoticed(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.startswith("sqlite"):
        pytest.skip("a PostgreSQL server's connections")
    engine = create_engine(db, pool_size=1)
    backend = text("SELECT pg_backend_pid()")
    try:
        async with engine.connect() as conn:
            pid = await conn.scalar(backend)
        async with session_scope() as session:  # the server drops it (a restart, a timeout)
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        # Gone once no backend answers to its pid (each look in a transaction of its own: one
        # transaction sees a single snapshot of pg_stat_activity).
        for _ in range(10_000):
            async with session_scope() as session:
                gone = text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
                if await session.scalar(gone, {"pid": pid}):
                    break
        else:
            pytest.fail("the terminated backend never went away")
        monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)  # it has been idle long enough
        async with engine.connect() as conn:
            assert await conn.scalar(backend) not in (None, pid)
    finally:
        await engine.dispose()
