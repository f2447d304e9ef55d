from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.core.ids import new_id
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
