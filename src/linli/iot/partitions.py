"""Time partitions of the readings tables on PostgreSQL (declarative `PARTITION BY RANGE`).

`reading_recent` is split by UTC day of `ts`; `reading_compact` (by `hour`) and both rollups (by
`start`) by UTC month. Partitions are named `<table>_pYYYYMMDD` / `<table>_pYYYYMM`; each table
also has a `<table>_default` partition, so an insert never fails for want of a partition.

`ensure_partitions` creates the partitions of the window ingest accepts (`ingest.MAX_AGE` back,
`AHEAD` ahead) and of every range the DEFAULT partition holds rows in, moving those rows out.
`drop_expired` drops whole monthly partitions past the longest retention of any device type, and
daily `reading_recent` partitions that compaction has emptied once they fall out of the accepted
window. Shorter retentions stay with `store.apply_retention`. On SQLite both do nothing.

Locks. Ensure locks the partitioned tables against writers (SHARE ROW EXCLUSIVE: an insert
that chose DEFAULT before a partition was attached would fail its partition check after it),
then their DEFAULT partitions, in `SPEC` order (the order compaction takes them), before
`reading_series` (the new partition's foreign key needs it); drop locks the parent.
While a run waits for a lock, every writer that comes after it waits behind it (PostgreSQL
queues lock requests: a waiting ACCESS EXCLUSIVE holds up later readers and writers too), so
a run never waits long: all its lock waits together stay under `LOCK_WAIT` (the remaining time
is its `lock_timeout` before each lock). A run that cannot have them gives up with a "lock not
available" error (`database.is_busy`), having changed nothing; the scheduler tries again a
little later (`linli.runtime.scheduler.BUSY_RETRY_SECONDS`). Partitions are made `AHEAD` days
before they are needed, so a run or two given up costs nothing.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.iot import store
from linli.iot.ingest import MAX_AGE, MAX_FUTURE

# How far past the newest accepted reading partitions exist (the task runs hourly).
AHEAD = timedelta(days=2)
# Seconds a run may spend, in all, waiting for its locks before it gives up.
LOCK_WAIT = 0.5


@dataclass(frozen=True, slots=True)
class Partitioned:
    """A readings table partitioned by range of `column`, one partition per `unit` (day/month)."""

    table: str
    column: str
    unit: str

    @property
    def default(self) -> str:
        return f"{self.table}_default"

    def name(self, start: datetime) -> str:
        """Return the name of the partition beginning at `start`."""
        return (
            f"{self.table}_p{start:%Y%m%d}" if self.unit == "day" else f"{self.table}_p{start:%Y%m}"
        )

    def bounds(self, name: str) -> tuple[datetime, datetime] | None:
        """Return [start, end) of the partition called `name`, or None if it is not one of ours."""
        found = re.fullmatch(rf"{self.table}_p(\d{{8}}|\d{{6}})", name)
        if found is None or len(found[1]) != (8 if self.unit == "day" else 6):
            return None
        start = datetime.strptime(found[1], "%Y%m%d" if self.unit == "day" else "%Y%m")
        start = start.replace(tzinfo=UTC)
        return start, self.following(start)

    def floor(self, ts: datetime) -> datetime:
        """Return the start of the partition holding `ts`."""
        day = clock.as_utc(ts).replace(hour=0, minute=0, second=0, microsecond=0)
        return day if self.unit == "day" else day.replace(day=1)

    def following(self, start: datetime) -> datetime:
        """Return the start of the partition after the one beginning at `start`."""
        if self.unit == "day":
            return start + timedelta(days=1)
        return (start + timedelta(days=32)).replace(day=1)


SPEC = (
    Partitioned("reading_recent", "ts", "day"),
    Partitioned("reading_compact", "hour", "month"),
    Partitioned("reading_rollup_1m", "start", "month"),
    Partitioned("reading_rollup_1h", "start", "month"),
)


def is_partition(name: str) -> bool:
    """Tell whether `name` is a partition (child table) of a partitioned readings table."""
    return any(name == s.default or s.bounds(name) is not None for s in SPEC)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object` filter: leave the partitions (made at run time, not declared
    by models) out of autogenerate and schema comparison."""
    return not (type_ == "table" and reflected and name is not None and is_partition(name))


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _window(spec: Partitioned, now: datetime) -> list[datetime]:
    """Return the starts of the partitions covering what ingest accepts at `now`, and `AHEAD`."""
    start, last = spec.floor(now - MAX_AGE), spec.floor(now + MAX_FUTURE + AHEAD)
    starts = []
    while start <= last:
        starts.append(start)
        start = spec.following(start)
    return starts


def _literal(ts: datetime) -> str:
    return f"'{clock.as_utc(ts).isoformat()}'"


class _Locks:
    """Take table locks within one budget of waiting time, in the order asked."""

    def __init__(self, session: AsyncSession, wait: float) -> None:
        self.session = session
        self.deadline = time.monotonic() + wait

    async def take(self, table: str, mode: str) -> None:
        """Lock `table` in `mode`, waiting at most what is left of the budget (then failing
        with `lock_not_available`)."""
        left_ms = max(1, int((self.deadline - time.monotonic()) * 1000))
        await self.session.execute(text(f"SET LOCAL lock_timeout = '{left_ms}ms'"))
        await self.session.execute(text(f"LOCK TABLE {table} IN {mode} MODE"))


async def _partitions(session: AsyncSession, table: str) -> set[str]:
    rows = await session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:table AS regclass)"
        ),
        {"table": table},
    )
    return set(rows)


async def _in_default(session: AsyncSession, spec: Partitioned) -> set[datetime]:
    """Return the starts of the partitions that rows in the DEFAULT partition belong to."""
    rows = await session.scalars(
        text(f"SELECT DISTINCT date_trunc('{spec.unit}', {spec.column}, 'UTC') FROM {spec.default}")
    )
    return {clock.as_utc(r) for r in rows}


async def _missing(session: AsyncSession, spec: Partitioned, now: datetime) -> list[datetime]:
    existing = await _partitions(session, spec.table)
    wanted = set(_window(spec, now)) | await _in_default(session, spec)
    return sorted(s for s in wanted if spec.name(s) not in existing)


async def _create(session: AsyncSession, spec: Partitioned, start: datetime) -> None:
    """Create one partition, moving its rows out of DEFAULT (which the caller has locked)."""
    name, end = spec.name(start), spec.following(start)
    lo, hi = _literal(start), _literal(end)
    await session.execute(text(f"CREATE TABLE {name} (LIKE {spec.table} INCLUDING DEFAULTS)"))
    await session.execute(
        text(
            f"WITH moved AS (DELETE FROM {spec.default} WHERE {spec.column} >= {lo} "
            f"AND {spec.column} < {hi} RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        )
    )
    await session.execute(
        text(f"ALTER TABLE {spec.table} ATTACH PARTITION {name} FOR VALUES FROM ({lo}) TO ({hi})")
    )


async def ensure_partitions(
    session: AsyncSession, *, now: datetime | None = None, lock_wait: float = LOCK_WAIT
) -> list[str]:
    """Create the partitions for the accepted window and for rows waiting in DEFAULT partitions;
    return the names created. Idempotent; does nothing on SQLite. Gives up (lock not
    available) rather than wait more than `lock_wait` seconds in all for its locks."""
    if not _postgres(session):
        return []
    now = now or clock.now()
    todo = [spec for spec in SPEC if await _missing(session, spec, now)]
    if not todo:
        return []
    locks = _Locks(session, lock_wait)
    for spec in todo:
        # No insert may be under way meanwhile: one that chose DEFAULT before the attach would
        # fail its partition check after it (ATTACH alone lets writers of the parent on).
        await locks.take(spec.table, "SHARE ROW EXCLUSIVE")
    for spec in todo:
        # No row may reach DEFAULT between moving a range's rows out and attaching its partition.
        await locks.take(spec.default, "ACCESS EXCLUSIVE")
    await locks.take("reading_series", "SHARE ROW EXCLUSIVE")
    created = []
    for spec in todo:
        # Asked again under the locks: another scheduler may have made them meanwhile.
        for start in await _missing(session, spec, now):
            await _create(session, spec, start)
            created.append(spec.name(start))
    return created


async def _expired(session: AsyncSession, spec: Partitioned, name: str, now: datetime) -> bool:
    bounds = spec.bounds(name)
    if bounds is None:
        return False
    end = bounds[1]
    if end <= now - timedelta(days=store.longest_retention_days()):
        return True
    if spec.table != "reading_recent" or end > now - MAX_AGE:
        return False
    # Ingest accepts nothing this old any more; compaction folds (and deletes) what it holds.
    return not await session.scalar(text(f"SELECT EXISTS (SELECT FROM {name})"))


async def drop_expired(
    session: AsyncSession, *, now: datetime | None = None, lock_wait: float = LOCK_WAIT
) -> list[str]:
    """Drop partitions wholly past the longest retention, and emptied daily recent partitions
    older than the accepted window; return the names dropped. Does nothing on SQLite. Gives
    up (lock not available) rather than wait more than `lock_wait` seconds for its locks."""
    if not _postgres(session):
        return []
    now = now or clock.now()
    dropped: list[str] = []
    locks = _Locks(session, lock_wait)
    for spec in SPEC:
        names = await _partitions(session, spec.table)
        candidates = [n for n in sorted(names) if await _expired(session, spec, n, now)]
        if not candidates:
            continue
        # Dropping a partition locks the parent anyway; taking it first keeps the usual order.
        await locks.take(spec.table, "ACCESS EXCLUSIVE")
        for name in candidates:
            if await _expired(session, spec, name, now):  # asked again: rows may have come
                await session.execute(text(f"DROP TABLE {name}"))
                dropped.append(name)
    return dropped
