"""Readings store benchmark: sustained ingest through the service with 1,000 threshold rules
active, against a plain bulk load of the same rows, and bytes on disk per stored point.

Run on PostgreSQL (COPY baseline) and on SQLite (executemany baseline), each in a fresh database.
"""

from __future__ import annotations

import os
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from linli.core import clock, database, migrate
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.models import Device, Reading
from linli.iot.schemas import DeviceCreate, ReadingIn
from linli.org import service as org_service
from linli.rules import service as rules_service
from linli.rules.schemas import RuleCreate

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


async def _baseline_rate(work: Work, dialect: str) -> float:
    """Load the same rows with a plain COPY (PostgreSQL) or executemany (SQLite)."""
    async with session_scope() as session:
        await session.execute(text("DELETE FROM reading"))
    started = time.perf_counter()
    for device, readings in work:
        async with session_scope() as session:
            if dialect == "postgresql":
                raw = await (await session.connection()).get_raw_connection()
                assert raw.driver_connection is not None
                await raw.driver_connection.copy_records_to_table(
                    "reading",
                    records=[(device.id, r.metric, r.ts, r.value) for r in readings],
                    columns=["device_id", "metric", "ts", "value"],
                )
            else:
                rows = [
                    {"device_id": device.id, "metric": r.metric, "ts": r.ts, "value": r.value}
                    for r in readings
                ]
                await session.execute(insert(Reading), rows)
    return sum(len(r) for _, r in work) / (time.perf_counter() - started)


async def _bytes_per_point(dialect: str) -> float:
    async with session_scope() as session:
        count = int(await session.scalar(text("SELECT count(*) FROM reading")) or 0)
        if dialect == "postgresql":
            size = await session.scalar(text("SELECT pg_total_relation_size('reading')"))
        else:
            size = await session.scalar(
                text(
                    "SELECT sum(pgsize) FROM dbstat WHERE name = 'reading' "
                    "OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'reading')"
                )
            )
    return float(size or 0) / max(count, 1)


async def _measure(name: str, url: str) -> list[dict[str, Any]]:
    await _fresh(url)
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    devices = await _setup()
    plain = _work(devices, clock.now() - timedelta(days=2))
    bare = await _service_rate(plain)
    await _add_rules()
    work = _work(devices, clock.now() - timedelta(days=1))
    rate = await _service_rate(work)
    work += plain
    per_point = await _bytes_per_point(dialect)
    baseline = await _baseline_rate(work, dialect)
    bulk = "COPY" if dialect == "postgresql" else "executemany"
    await database.dispose_engine()
    return [
        _figure(f"{name}: ingest with no rules", bare, "points/s"),
        _figure(f"{name}: ingest with {RULES} threshold rules active", rate, "points/s"),
        _figure(f"{name}: plain {bulk} of the same rows", baseline, "points/s"),
        _figure(f"{name}: ingest / plain {bulk}", rate / baseline, "ratio"),
        _figure(f"{name}: bytes on disk per stored point (with indexes)", per_point, "B/point"),
    ]


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
