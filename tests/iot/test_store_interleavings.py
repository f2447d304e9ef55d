"""A property of the readings store: whatever the interleaving of ingest batches (old, new,
redelivered) with compaction, retention, partition maintenance and the clock moving on, every
acknowledged reading still within its retention is stored exactly once, counted once and rolled
up once, after every step (one past its retention may be gone, never doubled).

Besides whole steps one after the other, a step may run an ingest batch *inside* a compaction:
compaction is held before one of its statements (chosen by the example) until the batch has
committed, or is known to be waiting for compaction.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iot_world import World
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from store_checks import METRICS, Key, assert_stored_once, drop_made_partitions, maintenance_tasks

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service, store
from linli.iot.models import Device
from linli.iot.schemas import ReadingIn

CODES = ("AQ-A", "AQ-B")
KEEP = timedelta(days=store.retention_days("AirQualityObserved"))
# How long a held compaction waits for a batch that may be queued behind its own locks.
BLOCKED = 0.2
READINGS_TABLES = (
    "reading_rollup_1m",
    "reading_rollup_1h",
    "reading_compact",
    "reading_recent",
    "latest_reading",
    "reading_series",
)


@dataclass(frozen=True)
class Ingest:
    device: int
    hours_back: int  # the batch starts this many hours before now
    size: int
    again: int | None  # resend the batch sent this many batches ago instead, if there is one


@dataclass(frozen=True)
class Maintain:
    task: int  # index into `MAINTENANCE`


@dataclass(frozen=True)
class Advance:
    hours: int


@dataclass(frozen=True)
class IngestDuringCompaction:
    batch: Ingest
    before_statement: int  # compaction is held before its n-th statement


Step = Ingest | Maintain | Advance | IngestDuringCompaction

_ingests = st.builds(
    Ingest,
    device=st.integers(0, len(CODES) - 1),
    hours_back=st.sampled_from([0, 1, 2, 3, 5, 26, 24 * 20]),
    size=st.integers(1, 12),
    again=st.none() | st.integers(1, 4),
)
_steps: st.SearchStrategy[Step] = st.one_of(
    _ingests,
    st.builds(Maintain, task=st.integers(0, 2)),
    st.builds(Advance, hours=st.sampled_from([1, 2, 7, 24 * 40, 24 * 200])),
    st.builds(IngestDuringCompaction, batch=_ingests, before_statement=st.integers(1, 14)),
)


_held: contextvars.ContextVar[Hold | None] = contextvars.ContextVar("held", default=None)


class Hold:
    """Holds the task it is set in before its n-th statement until `release` is awaited."""

    def __init__(self, n: int) -> None:
        self.n, self.seen = n, 0
        self.reached = asyncio.Event()
        self.release: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def before_statement(self) -> None:
        self.seen += 1
        if self.seen == self.n:
            self.reached.set()
            await self.release


@pytest.fixture
def held_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a `Hold` set in a task stop that task's statements (and only that task's)."""
    execute, scalar = AsyncSession.execute, AsyncSession.scalar

    async def held_execute(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        hold = _held.get()
        if hold is not None:
            await hold.before_statement()
        return await execute(self, *args, **kwargs)

    async def held_scalar(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        hold = _held.get()
        if hold is not None:
            await hold.before_statement()
        return await scalar(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", held_execute)
    monkeypatch.setattr(AsyncSession, "scalar", held_scalar)


class Run:
    """One example: what was sent and acknowledged so far."""

    def __init__(self, world: World, clock: ManualClock) -> None:
        self.world, self.clock = world, clock
        self.sent: list[tuple[int, list[ReadingIn]]] = []
        self.acknowledged: set[Key] = set()
        self.serial = 0

    def batch(self, step: Ingest) -> tuple[int, list[ReadingIn]]:
        if step.again is not None and len(self.sent) >= step.again:
            return self.sent[-step.again]
        self.serial += 1
        first = self.clock.now() - timedelta(hours=step.hours_back)
        readings = [
            ReadingIn(
                metric=METRICS[i % len(METRICS)],
                value=float(i),
                ts=first + timedelta(seconds=97 * i, microseconds=self.serial),
            )
            for i in range(step.size)
        ]
        self.sent.append((step.device, readings))
        return step.device, readings

    async def ingest(self, device: int, readings: list[ReadingIn]) -> None:
        device_id = self.world.devices[CODES[device]].id
        async with session_scope() as session:
            found = await session.get(Device, device_id)
            assert found is not None
            result = await service.ingest(session, device=found, readings=readings)
        accepted = {i for i in range(len(readings))} - {r.index for r in result.rejected}
        self.acknowledged.update(
            (device_id, readings[i].metric, readings[i].ts) for i in sorted(accepted)
        )

    async def step(self, step: Step) -> None:
        tasks = maintenance_tasks()
        if isinstance(step, Ingest):
            await self.ingest(*self.batch(step))
        elif isinstance(step, Maintain):
            await tasks[step.task]()
        elif isinstance(step, Advance):
            self.clock.advance(timedelta(hours=step.hours))
        else:
            await self.ingest_during_compaction(step, tasks[0])

    async def ingest_during_compaction(self, step: IngestDuringCompaction, compact: Any) -> None:
        hold = Hold(step.before_statement)

        async def held() -> None:
            _held.set(hold)
            await compact()

        compaction = asyncio.create_task(held())
        reached = asyncio.create_task(hold.reached.wait())
        await asyncio.wait({compaction, reached}, return_when=asyncio.FIRST_COMPLETED)
        reached.cancel()
        batch = asyncio.create_task(self.ingest(*self.batch(step.batch)))
        if hold.reached.is_set():
            # The batch either commits, or waits for a lock the held compaction holds.
            await asyncio.wait({batch}, timeout=BLOCKED)
            hold.release.set_result(None)
        await asyncio.gather(compaction, batch)


@pytest.fixture
def origin(clock: ManualClock) -> datetime:
    """Where the clock stood when the test began: each example starts there again."""
    return clock.now()


async def _reset(clock: ManualClock, origin: datetime) -> None:
    clock.set(origin)
    async with session_scope() as session:
        for table in READINGS_TABLES:
            await session.execute(text(f"DELETE FROM {table}"))


@pytest.mark.usefixtures("held_statements")
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_steps, min_size=1, max_size=10))
async def test_every_acknowledged_reading_is_stored_once_after_every_step(
    world: World, clock: ManualClock, origin: datetime, steps: list[Step]
) -> None:
    await _reset(clock, origin)
    run = Run(world, clock)
    devices = [world.devices[code].id for code in CODES]
    try:
        for number, step in enumerate(steps, start=1):
            await run.step(step)
            span = (origin - timedelta(days=21), clock.now() + timedelta(hours=1))
            try:
                # Readings past their retention may be gone or not, but never doubled.
                await assert_stored_once(
                    run.acknowledged, devices, span=span, expired_before=clock.now() - KEEP
                )
            except AssertionError as err:
                raise AssertionError(f"after step {number} {step}: {err}") from None
    finally:
        await drop_made_partitions()


def test_retention_never_reaches_into_the_window_ingest_accepts() -> None:
    from linli.iot.ingest import MAX_AGE

    shortest = min(store.DEFAULT_RETENTION_DAYS, *store.RETENTION_DAYS.values())
    assert timedelta(days=shortest) > MAX_AGE
