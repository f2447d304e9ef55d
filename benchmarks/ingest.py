"""Readings store benchmark: sustained ingest through the service with 1,000 threshold rules
active, against a plain bulk load of the same rows, and bytes on disk per stored point.

Run on PostgreSQL (COPY baseline) and on SQLite (executemany baseline), each in a fresh database.
On PostgreSQL the readings tables are partitioned by time (`linli.iot.partitions`): the partitions
are made first, as the `iot.partitions` task does at start, so the rows land in their day's
partition; sizes count every partition.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from linli.core import clock, database, events, migrate
from linli.core.database import session_scope
from linli.iot import partitions, store
from linli.iot import service as iot_service
from linli.iot.models import Device, ReadingSeries, RecentReading
from linli.iot.schemas import DeviceCreate, ReadingIn
from linli.org import service as org_service
from linli.rules import service as rules_service
from linli.rules.events import AlarmRaised
from linli.rules.schemas import RuleCreate
from linli.runtime.extensions import load_extensions

COMMAND = "make bench"
PG_ADMIN = {"user": "postgres", "host": "127.0.0.1", "database": "postgres"}
PG_DB = os.environ.get("LINLI_BENCH_INGEST_DB", "linli_bench_ingest")
SQLITE_PATH = Path(os.environ.get("LINLI_BENCH_INGEST_SQLITE", "/tmp/linli-bench-ingest.db"))
DEVICES, BATCHES, BATCH, RULES = 10, 4, 1500, 1000  # 60,000 points per database
METRICS = ("pm25", "pm10", "no2")
Work = list[tuple[Device, list[ReadingIn]]]


def _remove_sqlite() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)


async def _fresh(url: str) -> None:
    load_extensions()
    if url.startswith("sqlite"):
        _remove_sqlite()
    else:
        import asyncpg

        conn = await asyncpg.connect(**PG_ADMIN)
        await conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{PG_DB}"')
        await conn.close()
    await database.dispose_engine()
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        await partitions.ensure_partitions(session)


async def _in_default_partitions() -> int:
    """Rows of the readings tables that found no partition of their own (PostgreSQL)."""
    async with session_scope() as session:
        total = 0
        for spec in partitions.SPEC:
            total += int(await session.scalar(text(f"SELECT count(*) FROM {spec.default}")) or 0)
    return total


async def _setup() -> list[Device]:
    """One community with `DEVICES` air stations."""
    async with session_scope() as session:
        root = await org_service.create_unit(session, kind="district", code="BD", name="Bench")
        unit = await org_service.create_unit(
            session, kind="community", code="BC", name="Bench community", parent=root
        )
        devices = []
        for n in range(DEVICES):
            device, _ = await iot_service.register_device(
                session,
                data=DeviceCreate(
                    code=f"BENCH-{n:03d}",
                    type="AirQualityObserved",
                    name=f"Bench station {n}",
                    lon=113.88,
                    lat=22.55,
                    org_unit_id=unit.id,
                ),
            )
            devices.append(device)
    return devices


async def _add_rules(unit_code: str = "BC") -> None:
    async with session_scope() as session:
        unit = await org_service.get_unit_by_code(session, unit_code)
        for n in range(RULES):
            # Thresholds above what the workload sends: every rule is evaluated, none fires.
            data = RuleCreate.model_validate(
                {
                    "name": f"bench rule {n}",
                    "device_type": "AirQualityObserved",
                    "metric": METRICS[n % len(METRICS)],
                    "params": {"op": ">", "threshold": 500 + n * 0.4},
                    "scope_unit_id": unit.id,
                }
            )
            await rules_service.create_rule(session, data=data)


def _work(devices: list[Device], start: datetime) -> Work:
    rng = random.Random(4)
    out: Work = []
    for b in range(BATCHES):
        for device in devices:
            t0 = start + timedelta(seconds=b * BATCH)
            out.append(
                (
                    device,
                    [
                        ReadingIn(
                            metric=METRICS[i % len(METRICS)],
                            value=round(rng.uniform(5, 120), 1),
                            ts=t0 + timedelta(seconds=i),
                        )
                        for i in range(BATCH)
                    ],
                )
            )
    return out


async def _service_rate(work: Work) -> float:
    """Ingest every batch through the service, each committed (acknowledged) on its own."""
    started = time.perf_counter()
    for device, readings in work:
        async with session_scope() as session:
            attached = await session.merge(device, load=False)
            result = await iot_service.ingest(session, device=attached, readings=readings)
        assert result.accepted == len(readings), result
    return sum(len(r) for _, r in work) / (time.perf_counter() - started)


ROUNDS = 3


async def _set_rules_active(active: bool) -> None:
    async with session_scope() as session:
        await session.execute(text("UPDATE rule SET active = :on"), {"on": active})


async def _rounds(devices: list[Device], dialect: str) -> tuple[float, float, float]:
    """Alternate ingest with the rules switched off, with them on, and the plain bulk load of
    the same rows, `ROUNDS` times each, so that a burst of load on the machine hits all three
    alike; return the median rates."""
    bare: list[float] = []
    ruled: list[float] = []
    plain: list[float] = []
    start = clock.now() - timedelta(days=10)
    span = timedelta(seconds=BATCHES * BATCH)
    for k in range(ROUNDS):
        for active, rates in ((False, bare), (True, ruled)):
            await _set_rules_active(active)
            work = _work(devices, start + (3 * k + active) * span)
            rates.append(await _service_rate(work))
        plain.append(await _baseline_rate(work, dialect, span))
    return statistics.median(bare), statistics.median(ruled), statistics.median(plain)


async def _baseline_rate(work: Work, dialect: str, shift: timedelta) -> float:
    """Load the same rows, `shift` later, with a plain COPY (PostgreSQL) or executemany
    (SQLite) into `reading_recent`: no validation, deduplication, latest values or rules."""
    async with session_scope() as session:
        series = {
            (d, m): i
            for i, d, m in await session.execute(
                select(ReadingSeries.id, ReadingSeries.device_id, ReadingSeries.metric)
            )
        }
    started = time.perf_counter()
    for device, readings in work:
        async with session_scope() as session:
            rows = [(series[device.id, r.metric], r.ts + shift, r.value) for r in readings]
            if dialect == "postgresql":
                raw = await (await session.connection()).get_raw_connection()
                assert raw.driver_connection is not None
                await raw.driver_connection.copy_records_to_table(
                    "reading_recent", records=rows, columns=["series_id", "ts", "value"]
                )
            else:
                await session.execute(
                    insert(RecentReading),
                    [{"series_id": s, "ts": ts, "value": v} for s, ts, v in rows],
                )
    return sum(len(r) for _, r in work) / (time.perf_counter() - started)


PACKED_TABLES = ("reading_series", "reading_compact", "reading_rollup_1m", "reading_rollup_1h")


async def _table_bytes(dialect: str, tables: tuple[str, ...]) -> float:
    """Bytes on disk of `tables` with their indexes (and TOAST on PostgreSQL), counting every
    partition of a partitioned table (a partitioned parent has no storage of its own)."""
    names = ", ".join(f"'{t}'" for t in tables)
    async with session_scope() as session:
        if dialect == "postgresql":
            size = await session.scalar(
                text(
                    "SELECT sum(pg_total_relation_size(t.relid)) FROM pg_class c, "
                    "pg_partition_tree(c.oid) t "
                    f"WHERE c.relname IN ({names}) AND c.relkind IN ('r', 'p') AND t.isleaf"
                )
            )
        else:
            size = await session.scalar(
                text(
                    f"SELECT sum(pgsize) FROM dbstat WHERE name IN ({names}) OR name IN "
                    f"(SELECT name FROM sqlite_master WHERE tbl_name IN ({names}))"
                )
            )
    return float(size or 0)


async def _bytes_per_recent_point(dialect: str) -> float:
    """Bytes per row of `reading_recent` (with its key index), measured before any delete."""
    async with session_scope() as session:
        rows = int(await session.scalar(text("SELECT count(*) FROM reading_recent")) or 0)
    return await _table_bytes(dialect, ("reading_recent",)) / max(rows, 1)


async def _bytes_per_packed_point(dialect: str) -> float:
    """Bytes of the compacted layout (series, packed hours, rollups, indexes) per packed point."""
    async with session_scope() as session:
        packed = int(
            await session.scalar(text("SELECT coalesce(sum(count), 0) FROM reading_compact")) or 0
        )
    return await _table_bytes(dialect, PACKED_TABLES) / max(packed, 1)


async def _compact() -> float:
    """Fold every closed hour; return points folded per second."""
    started = time.perf_counter()
    async with session_scope() as session:
        folded = await store.compact(session)
    elapsed = time.perf_counter() - started
    return folded / elapsed


async def _measure(name: str, url: str) -> list[dict[str, Any]]:
    await _fresh(url)
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    devices = await _setup()
    await _add_rules()
    bare, rate, baseline = await _rounds(devices, dialect)
    per_recent = await _bytes_per_recent_point(dialect)
    folding = await _compact()
    per_point = await _bytes_per_packed_point(dialect)
    if dialect == "postgresql":
        assert await _in_default_partitions() == 0, "readings fell outside their partitions"
    p50, p99, alarms = await _latency(devices)
    bulk = "COPY" if dialect == "postgresql" else "executemany"
    await database.dispose_engine()
    return [
        _figure(f"{name}: ingest with no rules", bare, "points/s"),
        _figure(f"{name}: ingest with {RULES} threshold rules active", rate, "points/s"),
        _figure(f"{name}: plain {bulk} of the same rows", baseline, "points/s"),
        _figure(f"{name}: ingest / plain {bulk}", rate / baseline, "ratio"),
        _figure(f"{name}: ingest with {RULES} rules / ingest with none", rate / bare, "ratio"),
        _figure(f"{name}: compaction of closed hours", folding, "points/s"),
        _figure(
            f"{name}: reading to alarm event at {LATENCY_RATE:,} points/s, p50 ({alarms} alarms)",
            p50,
            "ms",
        ),
        _figure(f"{name}: reading to alarm event at {LATENCY_RATE:,} points/s, p99", p99, "ms"),
        _figure(
            f"{name}: bytes on disk per stored point, compacted (packed hours, 1m and 1h "
            "rollups, series, indexes)",
            per_point,
            "B/point",
        ),
        _figure(
            f"{name}: bytes on disk per recent (not yet compacted) point, with its index",
            per_recent,
            "B/point",
        ),
    ]


LATENCY_RATE, LATENCY_SECONDS, TICK = 10_000, 8.0, 0.25  # points/s, duration, pacing step
LATENCY_THRESHOLD = 300.0


async def _ingest_one(device: Device, readings: list[ReadingIn]) -> None:
    async with session_scope() as session:
        attached = await session.merge(device, load=False)
        await iot_service.ingest(session, device=attached, readings=readings)


async def _latency(devices: list[Device]) -> tuple[float, float, int]:
    """Ingest at a paced `LATENCY_RATE` points/s (every `TICK` s each device sends its share,
    the devices' batches arriving spread over the tick); every other batch of a device carries
    one reading over `LATENCY_THRESHOLD`, which raises an alarm, and the next reading clears it.
    Return p50 and p99 of the time from the batch's scheduled arrival to the alarm event
    reaching a bus subscriber (ms), and the number of events seen."""
    async with session_scope() as session:
        unit = await org_service.get_unit_by_code(session, "BC")
        data = RuleCreate.model_validate(
            {
                "name": "latency rule",
                "device_type": "AirQualityObserved",
                "metric": "pm25",
                "params": {"op": ">", "threshold": LATENCY_THRESHOLD},
                "scope_unit_id": unit.id,
            }
        )
        await rules_service.create_rule(session, data=data)
    arrived: dict[str, float] = {}
    delays: list[float] = []

    async def seen(event: events.Event) -> None:
        if isinstance(event, AlarmRaised) and event.device_code in arrived:
            delays.append(time.perf_counter() - arrived.pop(event.device_code))

    subscription = events.get_bus().subscribe("alarm.raised", seen)
    per_batch = int(LATENCY_RATE * TICK) // len(devices)
    step = TICK / len(devices)  # the devices' batches arrive spread evenly over a tick
    rng = random.Random(7)
    began, wall = time.perf_counter(), clock.now()
    try:
        for k in range(int(LATENCY_SECONDS / step)):
            tick, n = divmod(k, len(devices))
            device = devices[n]
            due = began + k * step
            await asyncio.sleep(max(0.0, due - time.perf_counter()))  # a late batch runs at once
            spike = (tick + n) % 2 == 0
            t0 = wall + timedelta(seconds=tick * TICK)
            readings = [
                ReadingIn(
                    metric="pm25",
                    value=450.0 if spike and i == per_batch // 2 else rng.uniform(5, 120),
                    ts=t0 + timedelta(milliseconds=i),
                )
                for i in range(per_batch)
            ]
            if spike:
                arrived[device.code] = due
            # One ingest worker serves the batches in arrival order, as the MQTT listener does.
            await _ingest_one(device, readings)
    finally:
        subscription.close()
    ordered = sorted(delays)
    assert ordered, "no alarm event arrived"

    def pct(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return pct(0.5), pct(0.99), len(ordered)


def _figure(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 2), "unit": unit, "command": COMMAND}


async def run() -> list[dict[str, Any]]:
    """Measure the readings store on PostgreSQL and on SQLite; return the figures."""
    figures = await _measure("PostgreSQL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DB}")
    figures += await _measure("SQLite", f"sqlite+aiosqlite:///{SQLITE_PATH}")
    return figures


if __name__ == "__main__":
    import asyncio
    import json
    import sys

    only = sys.argv[1] if len(sys.argv) > 1 else ""
    if only == "postgresql":
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DB}"
        print(json.dumps(asyncio.run(_measure("PostgreSQL", url)), indent=2))
    elif only == "sqlite":
        print(json.dumps(asyncio.run(_measure("SQLite", f"sqlite+aiosqlite:///{SQLITE_PATH}"))))
    else:
        print(json.dumps(asyncio.run(run()), indent=2))
