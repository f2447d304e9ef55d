"""Time partitions of the readings tables (PostgreSQL): readings land in their day's partition,
wait in DEFAULT when none exists and move out, unharmed, when it is made; redelivery stays
idempotent across partitions; old partitions are dropped past the longest retention. On SQLite the
store keeps the same retention and the partition functions do nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from iot_world import World
from sqlalchemy import text

from linli.core.clock import ManualClock
from linli.core.database import get_engine, session_scope
from linli.iot import partitions, service, store
from linli.iot.models import Device
from linli.iot.schemas import ReadingIn

DAY = timedelta(days=1)


def _postgres() -> bool:
    return get_engine().dialect.name == "postgresql"


@pytest.fixture
async def pg(db: str) -> AsyncIterator[None]:
    """PostgreSQL only; partitions made by the test are dropped afterwards (DEFAULT stays)."""
    if not _postgres():
        pytest.skip("partitions exist on PostgreSQL only")
    await _drop_made_partitions()
    yield
    await _drop_made_partitions()


async def _drop_made_partitions() -> None:
    async with session_scope() as session:
        for spec in partitions.SPEC:
            for name in await _children(session, spec.table):
                if name != spec.default:
                    await session.execute(text(f"DROP TABLE {name}"))


async def _children(session: Any, table: str) -> set[str]:
    rows = await session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": table},
    )
    return set(rows)


async def _ingest(world: World, readings: list[ReadingIn]) -> tuple[int, int]:
    async with session_scope() as session:
        device = await session.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        result = await service.ingest(session, device=device, readings=readings)
    return result.accepted, result.duplicates


async def _ensure(now: datetime, *, lock_wait: float = partitions.LOCK_WAIT) -> list[str]:
    async with session_scope() as session:
        return await partitions.ensure_partitions(session, now=now, lock_wait=lock_wait)


async def _drop(now: datetime) -> list[str]:
    async with session_scope() as session:
        return await partitions.drop_expired(session, now=now)


async def _compact(now: datetime) -> int:
    async with session_scope() as session:
        return await store.compact(session, now=now)


async def _where(table: str) -> dict[str, int]:
    """Return {partition: rows} of a partitioned table."""
    async with session_scope() as session:
        rows = await session.execute(
            text(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        )
        return {name: int(n) for name, n in rows}


async def _recent_partition_of(ts: datetime) -> str:
    async with session_scope() as session:
        found = await session.scalar(
            text("SELECT tableoid::regclass::text FROM reading_recent WHERE ts = :ts"), {"ts": ts}
        )
    assert found is not None
    return str(found)


async def _readings(client: AsyncClient, world: World, start: datetime, end: datetime) -> Any:
    answer = await client.get(
        f"/api/devices/{world.devices['AQ-A'].id}/readings",
        params={"start": start.isoformat(), "end": end.isoformat(), "limit": 5000},
        headers=world.auth("op"),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _every(start: datetime, count: int, step: timedelta, value: float = 1.0) -> list[ReadingIn]:
    return [ReadingIn(metric="pm25", value=value + i, ts=start + i * step) for i in range(count)]


def _days(table: str, first: datetime, last: datetime) -> set[str]:
    out, day = set(), first
    while day <= last:
        out.add(f"{table}_p{day:%Y%m%d}")
        day += DAY
    return out


@pytest.mark.usefixtures("pg")
async def test_partitions_cover_the_accepted_window_and_readings_land_in_their_day(
    world: World, clock: ManualClock
) -> None:
    now = clock.now()  # 2026-03-02 01:00 UTC
    created = await _ensure(now)
    # Daily recent partitions from 30 days back (what ingest accepts) to two days ahead,
    # monthly ones for packed hours and rollups over the same span.
    recent = _days(
        "reading_recent", datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)
    )
    monthly = {
        f"{t}_p{m}"
        for t in ("reading_compact", "reading_rollup_1m", "reading_rollup_1h")
        for m in ("202601", "202602", "202603")
    }
    assert set(created) == recent | monthly
    assert await _ensure(now) == []  # idempotent

    late_evening = now - timedelta(hours=1, seconds=1)  # 2026-03-01 23:59:59
    month_old = now - timedelta(days=29)
    readings = [
        ReadingIn(metric="pm25", value=1.0, ts=month_old),
        ReadingIn(metric="pm25", value=2.0, ts=late_evening),
        ReadingIn(metric="pm25", value=3.0, ts=now),
    ]
    assert await _ingest(world, readings) == (3, 0)
    assert await _recent_partition_of(month_old) == "reading_recent_p20260201"
    assert await _recent_partition_of(late_evening) == "reading_recent_p20260301"
    assert await _recent_partition_of(now) == "reading_recent_p20260302"
    assert "reading_recent_default" not in await _where("reading_recent")

    # Compaction writes packed hours and rollups into their months' partitions.
    assert await _compact(now) == 2
    assert await _where("reading_compact") == {
        "reading_compact_p202602": 1,
        "reading_compact_p202603": 1,
    }
    assert set(await _where("reading_rollup_1h")) == {
        "reading_rollup_1h_p202602",
        "reading_rollup_1h_p202603",
    }


@pytest.mark.usefixtures("pg")
async def test_readings_without_a_partition_wait_in_default_and_move_out_whole(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    # The partitions task last ran a month ago: April has no partitions yet.
    await _ensure(clock.now())
    now = clock.advance(timedelta(days=30, hours=2))  # 2026-04-01 03:00
    start = now - timedelta(hours=4)
    readings = _every(start, 4 * 60, timedelta(minutes=1))
    assert await _ingest(world, readings) == (len(readings), 0)
    assert await _compact(now) == 3 * 60  # 23:00 (March) and two April hours packed
    assert await _where("reading_recent") == {"reading_recent_default": 60}
    assert await _where("reading_compact") == {
        "reading_compact_p202603": 1,
        "reading_compact_default": 2,
    }
    before = await _readings(client, world, start, now)
    assert len(before) == len(readings)

    created = await _ensure(now)

    assert {"reading_recent_p20260401", "reading_compact_p202604"} <= set(created)
    assert await _where("reading_recent") == {"reading_recent_p20260401": 60}
    assert await _where("reading_compact") == {
        "reading_compact_p202603": 1,
        "reading_compact_p202604": 2,
    }
    assert await _where("reading_rollup_1m") == {
        "reading_rollup_1m_p202603": 60,
        "reading_rollup_1m_p202604": 120,
    }
    assert await _where("reading_rollup_1h") == {
        "reading_rollup_1h_p202603": 1,
        "reading_rollup_1h_p202604": 2,
    }
    assert await _readings(client, world, start, now) == before  # nothing lost, nothing doubled
    assert await _ingest(world, readings) == (0, len(readings))  # still known where they moved


@pytest.mark.usefixtures("pg")
async def test_a_reading_committed_to_default_while_partitions_are_made_is_moved_too(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _ensure(clock.now())
    now = clock.advance(5 * DAY)
    readings = _every(now - timedelta(minutes=10), 10, timedelta(minutes=1))
    async with session_scope() as ingesting:
        device = await ingesting.get(Device, world.devices["AQ-A"].id)
        assert device is not None
        result = await service.ingest(ingesting, device=device, readings=readings)
        assert result.accepted == len(readings)
        # Not committed yet: making partitions must wait for this batch, then move it (given
        # time enough here; the task itself gives up sooner, see the test below).
        making = asyncio.create_task(_ensure(now, lock_wait=30.0))
        await _until_a_lock_is_awaited()
        assert not making.done()
    created = await making
    assert "reading_recent_p20260307" in created
    assert await _where("reading_recent") == {"reading_recent_p20260307": len(readings)}
    assert len(await _readings(client, world, now - DAY, now + DAY)) == len(readings)


_AWAITED = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
    "WHERE NOT l.granted AND d.datname = current_database() "
    "AND l.relation IN (CAST('reading_recent' AS regclass), "
    "CAST('reading_recent_default' AS regclass))"
)


async def _until_a_lock_is_awaited() -> None:
    async with session_scope() as session:
        for _ in range(500):
            if await session.scalar(_AWAITED):
                return
            await asyncio.sleep(0.01)  # polling for the other transaction, not for the clock
    raise AssertionError("partitions were made without waiting for the open batch")


async def test_redelivery_is_idempotent_across_partitions(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    if _postgres():
        await _drop_made_partitions()
        await _ensure(clock.now())
    now = clock.now()
    # 300 readings (the staged COPY path on PostgreSQL) across midnight, and a small batch.
    big = _every(now - timedelta(hours=2), 300, timedelta(seconds=20))
    small = _every(now - timedelta(days=3), 5, timedelta(hours=12), value=50.0)
    assert await _ingest(world, big) == (300, 0)
    assert await _ingest(world, small) == (5, 0)
    assert await _ingest(world, [*small, *big]) == (0, 305)
    extra = ReadingIn(metric="pm25", value=9.0, ts=now - timedelta(days=2, hours=1))
    assert await _ingest(world, [*big[:250], extra, *small]) == (1, 255)
    stored = await _readings(client, world, now - 4 * DAY, now + DAY)
    assert len(stored) == 306 == len({r["ts"] for r in stored})
    if _postgres():
        days = await _where("reading_recent")
        assert set(days) == {
            "reading_recent_p20260227",
            "reading_recent_p20260228",
            "reading_recent_p20260301",
            "reading_recent_p20260302",
        }
        assert sum(days.values()) == 306
        await _drop_made_partitions()


async def _history(world: World, clock: ManualClock, at: datetime) -> list[ReadingIn]:
    """Three hours of readings up to `at`, ingested and compacted then, the last hour left
    recent; partitions made as the hourly task would have made them."""
    clock.set(at)
    readings = _every(at - timedelta(hours=3), 180, timedelta(minutes=1))
    await _ensure(at)
    assert await _ingest(world, readings) == (180, 0)
    await _compact(at)
    return readings


async def test_retention_keeps_what_a_user_may_still_query_on_either_database(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    if _postgres():
        await _drop_made_partitions()
    now = clock.now()
    gone_at = now - timedelta(days=850)  # past every retention
    kept_at = now - timedelta(days=300)  # within this air station's 400 days
    await _history(world, clock, gone_at)
    await _history(world, clock, kept_at)
    clock.set(now)
    await _ensure(now)
    kept = await _readings(client, world, kept_at - DAY, kept_at + DAY)
    assert len(kept) == 180

    dropped = await _drop(now)
    async with session_scope() as session:
        await store.apply_retention(session)

    assert await _readings(client, world, gone_at - DAY, gone_at + DAY) == []
    assert await _readings(client, world, kept_at - DAY, kept_at + DAY) == kept
    assert (dropped != []) == _postgres()
    if _postgres():
        await _drop_made_partitions()


@pytest.mark.usefixtures("pg")
async def test_drop_expired_drops_exactly_the_partitions_past_the_longest_retention(
    world: World, clock: ManualClock
) -> None:
    now = clock.now()  # 2026-03-02 01:00; the longest retention (800 days) reaches 2023-12-23
    assert store.longest_retention_days() == 800
    await _history(world, clock, datetime(2023, 11, 3, 1, tzinfo=UTC))
    await _history(world, clock, datetime(2025, 5, 6, 1, tzinfo=UTC))
    clock.set(now)
    await _ensure(now)

    dropped = await _drop(now)

    old_days = _days(
        "reading_recent", datetime(2023, 10, 4, tzinfo=UTC), datetime(2023, 11, 5, tzinfo=UTC)
    )
    # Out of the accepted window and emptied by compaction; 2025-05-06 still holds the recent
    # hour, so it stays until compaction folds it.
    emptied = _days(
        "reading_recent", datetime(2025, 4, 6, tzinfo=UTC), datetime(2025, 5, 8, tzinfo=UTC)
    ) - {"reading_recent_p20250506"}
    monthly = {
        f"{t}_p{m}"
        for t in ("reading_compact", "reading_rollup_1m", "reading_rollup_1h")
        for m in ("202310", "202311")
    }
    assert set(dropped) == old_days | emptied | monthly
    async with session_scope() as session:
        left = await _children(session, "reading_compact")
        assert left == {
            "reading_compact_default",
            "reading_compact_p202504",
            "reading_compact_p202505",
            "reading_compact_p202601",
            "reading_compact_p202602",
            "reading_compact_p202603",
        }
        assert "reading_recent_p20250506" in await _children(session, "reading_recent")
    assert await _drop(now) == []


async def test_partition_functions_do_nothing_on_sqlite(world: World, clock: ManualClock) -> None:
    if _postgres():
        pytest.skip("SQLite behaviour")
    assert await _ensure(clock.now()) == []
    assert await _drop(clock.now() + timedelta(days=3000)) == []
    async with session_scope() as session:
        names = await session.scalars(
            text("SELECT name FROM sqlite_master WHERE name LIKE 'reading_recent%'")
        )
        assert list(names) == ["reading_recent"]  # the plain table, no partitions


def test_the_partitions_alone_are_hidden_from_alembic() -> None:
    for name in (
        "reading_recent_p20260302",
        "reading_compact_p202603",
        "reading_rollup_1m_default",
    ):
        assert partitions.is_partition(name)
        assert not partitions.include_object(None, name, "table", True, None)
    for name in ("reading_recent", "reading_compact", "reading_recent_p202603", "device"):
        assert not partitions.is_partition(name)
        assert partitions.include_object(None, name, "table", True, None)
