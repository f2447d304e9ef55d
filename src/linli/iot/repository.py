"""IoT queries, including the readings store's (series, recent rows, compacted hours, rollups)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from linli.core import clock
from linli.core.pagination import oldest_first
from linli.iot.models import (
    CompactHour,
    Device,
    HourRollup,
    LatestReading,
    MinuteRollup,
    Reading,
    ReadingSeries,
    RecentReading,
)

_HOUR = timedelta(hours=1)
DEVICE_ORDER = oldest_first(Device.code)  # the device list's order


def _insert(session: AsyncSession, model: type[Any] | Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"readings need PostgreSQL or SQLite, not {dialect}")


def devices(
    where: ColumnElement[bool], *, type: str | None = None, unit_path: str | None = None
) -> Select[Device]:
    """Select devices matching the filters (to be ordered by `DEVICE_ORDER`)."""
    stmt = select(Device).where(where)
    if type is not None:
        stmt = stmt.where(Device.type == type)
    if unit_path is not None:
        stmt = stmt.where(Device.org_path.startswith(unit_path, autoescape=True))
    return stmt


async def device_by_code(session: AsyncSession, code: str) -> Device | None:
    """Return the device with `code`, or None."""
    return await session.scalar(select(Device).where(Device.code == code))


async def lock_device(
    session: AsyncSession, device_id: uuid.UUID, *, wait: float | None = None
) -> None:
    """Hold the device's row lock, the one every ingest transaction of the device takes first
    (`touch_device`), until the transaction ends (SQLite: one writer anyway); with `wait`,
    fail (lock not available) rather than wait longer than that many seconds for it."""
    if wait is not None and session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = '{max(1, int(wait * 1000))}ms'"))
    stmt = select(Device.id).where(Device.id == device_id).with_for_update(key_share=True)
    await session.execute(stmt)


async def latest(session: AsyncSession, device_id: uuid.UUID) -> list[LatestReading]:
    """Return the latest value of each metric of a device."""
    stmt = (
        select(LatestReading)
        .where(LatestReading.device_id == device_id)
        .order_by(LatestReading.metric)
    )
    return list(await session.scalars(stmt))


async def latest_times(session: AsyncSession, device_id: uuid.UUID) -> dict[str, datetime]:
    """Return the time of the latest stored value of each metric of a device."""
    stmt = select(LatestReading.metric, LatestReading.ts).where(
        LatestReading.device_id == device_id
    )
    return {metric: ts for metric, ts in await session.execute(stmt)}


_UPSERT_LATEST: dict[str, Any] = {}  # dialect name → the statement


def _upsert_latest(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    stmt = _UPSERT_LATEST.get(dialect)
    if stmt is None:
        table = cast(Table, LatestReading.__table__)  # Core: no ORM bulk-insert bookkeeping
        base = _insert(session, table)
        stmt = _UPSERT_LATEST[dialect] = base.on_conflict_do_update(
            index_elements=["device_id", "metric"],
            set_={"ts": base.excluded.ts, "value": base.excluded.value},
            where=table.c.ts < base.excluded.ts,
        )
    return stmt


async def upsert_latest(
    session: AsyncSession, device_id: uuid.UUID, newest: dict[str, tuple[datetime, float]]
) -> None:
    """Store each metric's newest (ts, value) unless a newer one is already stored."""
    if not newest:
        return
    # One statement built once and run with the rows as parameters: compiled once, not per batch.
    await session.execute(
        _upsert_latest(session),
        [
            {"device_id": device_id, "metric": m, "ts": ts, "value": v}
            for m, (ts, v) in newest.items()
        ],
    )


async def latest_of_devices(
    session: AsyncSession, where: ColumnElement[bool], *, limit: int
) -> list[tuple[Device, LatestReading]]:
    """Return (device, latest value) pairs of the devices matching `where`, by code and metric."""
    stmt = (
        select(Device, LatestReading)
        .join(LatestReading, LatestReading.device_id == Device.id)
        .where(where)
        .order_by(Device.code, LatestReading.metric)
        .limit(limit)
    )
    return [(d, r) for d, r in await session.execute(stmt)]


# Built once: the per-batch queries of ingest are bound with parameters, not rebuilt each time.
_SERIES_OF = (
    select(ReadingSeries.metric, ReadingSeries.id, ReadingSeries.compacted_until, LatestReading.ts)
    .outerjoin(
        LatestReading,
        (LatestReading.device_id == ReadingSeries.device_id)
        & (LatestReading.metric == ReadingSeries.metric),
    )
    .where(ReadingSeries.device_id == bindparam("device_id"))
)
_DEVICES = cast(Table, Device.__table__)  # Core: no ORM bookkeeping for one column
_TOUCH = (
    update(_DEVICES)
    .where(_DEVICES.c.id == bindparam("device_id"))
    .values(last_seen_at=bindparam("when"))
)


async def series_of(
    session: AsyncSession, device_id: uuid.UUID, metrics: set[str]
) -> dict[str, tuple[int, datetime | None, datetime | None]]:
    """Return {metric: (series id, compacted until, latest stored time)} of a device's series,
    creating missing ones for `metrics`; one query when none is missing."""
    params = {"device_id": device_id}
    found: dict[str, tuple[int, datetime | None, datetime | None]] = {
        m: (i, until, ts) for m, i, until, ts in await session.execute(_SERIES_OF, params)
    }
    missing = metrics - found.keys()
    if missing:
        await session.execute(
            _insert(session, ReadingSeries)
            .values([{"device_id": device_id, "metric": m} for m in sorted(missing)])
            .on_conflict_do_nothing(index_elements=["device_id", "metric"])
        )
        found = {m: (i, until, ts) for m, i, until, ts in await session.execute(_SERIES_OF, params)}
    return found


def series_ids(device_id: uuid.UUID, metric: str | None = None) -> Select[int]:
    """Select the series ids of a device (of one metric, if given)."""
    stmt = select(ReadingSeries.id).where(ReadingSeries.device_id == device_id)
    if metric is not None:
        stmt = stmt.where(ReadingSeries.metric == metric)
    return stmt


async def touch_device(session: AsyncSession, device: Device, when: datetime) -> None:
    """Set the device's last-seen time, holding its row lock until the transaction ends."""
    await session.execute(_TOUCH, {"device_id": device.id, "when": when})
    set_committed_value(device, "last_seen_at", when)


async def insert_new_recent(
    session: AsyncSession, rows: Sequence[tuple[int, datetime, float]]
) -> None:
    """Insert (series id, ts, value) rows known not to be stored yet, as one executemany."""
    await session.execute(
        insert(RecentReading), [{"series_id": s, "ts": ts, "value": v} for s, ts, v in rows]
    )


async def insert_recent(
    session: AsyncSession, rows: Sequence[tuple[int, datetime, float]]
) -> set[tuple[int, datetime]]:
    """Insert (series id, ts, value) rows, skipping ones already stored; return the new keys."""
    if not rows:
        return set()
    # One cached statement run as "insertmanyvalues": SQLAlchemy batches the rows into
    # multi-row INSERTs and hands back RETURNING rows for the ones actually inserted.
    stmt = (
        _insert(session, RecentReading)
        .on_conflict_do_nothing(index_elements=["series_id", "ts"])
        .returning(RecentReading.series_id, RecentReading.ts)
    )
    values = [{"series_id": s, "ts": ts, "value": v} for s, ts, v in rows]
    return {(s, ts) for s, ts in await session.execute(stmt, values)}


def compact_hours(
    device_id: uuid.UUID,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select[str, CompactHour]:
    """Select (metric, compacted hour) of a device whose hour overlaps [start, end), by hour."""
    stmt = (
        select(ReadingSeries.metric, CompactHour)
        .join(ReadingSeries, ReadingSeries.id == CompactHour.series_id)
        .where(ReadingSeries.device_id == device_id)
    )
    if metric is not None:
        stmt = stmt.where(ReadingSeries.metric == metric)
    if start is not None:
        stmt = stmt.where(CompactHour.hour > start - _HOUR)
    if end is not None:
        stmt = stmt.where(CompactHour.hour < end)
    return stmt.order_by(CompactHour.hour, ReadingSeries.metric)


def recent(
    device_id: uuid.UUID,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    after: tuple[datetime, str] | None = None,
) -> Select[str, datetime, float]:
    """Select (metric, ts, value) of a device's recent readings in [start, end), oldest first."""
    stmt = select(Reading.metric, Reading.ts, Reading.value).where(Reading.device_id == device_id)
    if metric is not None:
        stmt = stmt.where(Reading.metric == metric)
    if start is not None:
        stmt = stmt.where(Reading.ts >= start)
    if end is not None:
        stmt = stmt.where(Reading.ts < end)
    if after is not None:
        stmt = stmt.where(tuple_(Reading.ts, Reading.metric) > after)
    return stmt.order_by(Reading.ts, Reading.metric)


def rollups(
    width: str,
    device_id: uuid.UUID,
    *,
    metric: str | None,
    hours: Sequence[datetime],
) -> Select[str, Any]:
    """Select (metric, rollup) of a device's `width` ("1m"/"1h") rollups within whole `hours`."""
    model: type[MinuteRollup | HourRollup] = MinuteRollup if width == "1m" else HourRollup
    stmt: Select[str, Any] = (
        select(ReadingSeries.metric, model)
        .join(ReadingSeries, ReadingSeries.id == model.series_id)
        .where(ReadingSeries.device_id == device_id)
    )
    if metric is not None:
        stmt = stmt.where(ReadingSeries.metric == metric)
    if hours:
        stmt = stmt.where(model.start >= min(hours), model.start < max(hours) + _HOUR)
    return stmt


def count_parts(
    device_id: uuid.UUID | None,
    *,
    metric: str | None,
    start: datetime | None,
    end: datetime | None,
) -> tuple[ScalarSelect[int], ScalarSelect[int], Select[int, int, datetime, bytes] | None]:
    """Build the parts of a readings count in [start, end): (recent rows, points of packed hours
    wholly inside), and, when a bound cuts packed hours, one statement selecting both counts
    with each cut hour's (hour, offsets) outer-joined (one row with NULLs when none is cut)."""
    ids = None if device_id is None else series_ids(device_id, metric).scalar_subquery()
    raw = select(func.count()).select_from(RecentReading)
    whole = select(func.coalesce(func.sum(CompactHour.count), 0))
    cut: list[ColumnElement[bool]] = []
    if ids is not None:
        raw = raw.where(RecentReading.series_id.in_(ids))
        whole = whole.where(CompactHour.series_id.in_(ids))
    if start is not None:
        raw = raw.where(RecentReading.ts >= start)
        whole = whole.where(CompactHour.hour >= start)
        cut.append(CompactHour.hour > start - _HOUR)
    if end is not None:
        raw = raw.where(RecentReading.ts < end)
        whole = whole.where(CompactHour.hour <= end - _HOUR)
        cut.append(CompactHour.hour < end)
    # Never correlated with the outer-joined packed hours below: each counts on its own.
    raw_n = raw.correlate(None).scalar_subquery()
    whole_n = whole.correlate(None).scalar_subquery()
    if not cut:
        return raw_n, whole_n, None
    overlaps = and_(*cut) if ids is None else and_(CompactHour.series_id.in_(ids), *cut)
    edges = [CompactHour.hour < start] if start is not None else []
    if end is not None:
        edges.append(CompactHour.hour > end - _HOUR)
    one = select(literal(1).label("one")).subquery()
    partial = (
        select(raw_n, whole_n, CompactHour.hour, CompactHour.offsets)
        .select_from(one)
        .outerjoin(CompactHour, and_(overlaps, or_(*edges)))
    )
    return raw_n, whole_n, partial


async def delete_before(session: AsyncSession, device_id: uuid.UUID, cutoff: datetime) -> int:
    """Delete a device's readings before `cutoff` (packed hours and their rollups only when
    wholly before it); return points removed, counted from the rows actually deleted."""
    ids = series_ids(device_id).scalar_subquery()
    # Hours ending by the cutoff: the packed hour and its 1-minute and 1-hour rollups go
    # together, so a remaining hour's rollups always hold all of its points.
    hours_before = clock.as_utc(cutoff).replace(minute=0, second=0, microsecond=0)
    packed = await session.scalars(
        delete(CompactHour)
        .where(CompactHour.series_id.in_(ids), CompactHour.hour < hours_before)
        .returning(CompactHour.count)
    )
    dropped = sum(packed.all())
    for model in (HourRollup, MinuteRollup):
        await session.execute(
            delete(model).where(model.series_id.in_(ids), model.start < hours_before)
        )
    result = await session.execute(
        delete(RecentReading).where(RecentReading.series_id.in_(ids), RecentReading.ts < cutoff)
    )
    return dropped + (result.rowcount or 0)  # type: ignore[attr-defined]
