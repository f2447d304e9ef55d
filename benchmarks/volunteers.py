"""Volunteer matching benchmark: choosing helpers among 10,000 volunteers for 5,000 care homes.

Seeds 10,000 volunteers (homes, languages, skills, qualifications, three weekly windows each)
and 5,000 care-profile points, all at random in a Sengkang-sized box (fixed seed), then times
`volunteers.service.nearest_available` for 200 of the care points (a care visit needing the
`care_visit` skill and its unexpired training, five candidates) next to a baseline measured in
the same run: load every volunteer, filter and sort in Python.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.runtime.extensions import load_extensions
from linli.volunteers import matching, repository, service
from linli.volunteers.models import Volunteer

COMMAND = "python -m benchmarks volunteers"
PG_ADMIN = {"user": "postgres", "host": "127.0.0.1", "database": "postgres"}
PG_DB = os.environ.get("LINLI_BENCH_VOLUNTEERS_DB", "linli_bench_volunteers")
SQLITE_PATH = Path(os.environ.get("LINLI_BENCH_VOLUNTEERS_SQLITE", "/tmp/linli-bench-vol.db"))
VOLUNTEERS, CARE_POINTS, QUERIES, BASELINE_QUERIES = 10_000, 5_000, 200, 20
# Sengkang: about 4.4 km east-west by 3.3 km north-south.
WEST, EAST, SOUTH, NORTH = 103.870, 103.910, 1.375, 1.405
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Singapore
SKILLS = frozenset({"care_visit"})
LANGUAGES = ("en", "zh", "ms", "ta")


def _figure(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "command": COMMAND}


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


def _volunteer(rng: random.Random, unit_id: uuid.UUID, path: str) -> dict[str, Any]:
    windows = []
    for _ in range(3):
        start = rng.randrange(7, 19)
        windows.append(
            {"weekday": rng.randrange(7), "start": f"{start:02d}:00", "end": f"{start + 4:02d}:00"}
        )
    skills = rng.sample(["care_visit", "meal_delivery", "digital_help", "befriending"], 2)
    expires = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 730))  # a third lapsed by AT
    return {
        "id": uuid.uuid4(), "unit_id": unit_id, "org_path": path, "account_id": None,
        "name": f"Volunteer {rng.randrange(10**6)}", "phone": None, "phone_hash": None,
        "languages": rng.sample(LANGUAGES, rng.choice((1, 2))),
        "lon": rng.uniform(WEST, EAST), "lat": rng.uniform(SOUTH, NORTH), "skills": skills,
        "qualifications": {"care_training": expires.isoformat()}, "windows": windows,
        "timezone": "Asia/Singapore", "active": rng.random() > 0.05,
        "created_at": AT, "updated_at": AT,
    }  # fmt: skip


async def _seed(rng: random.Random) -> tuple[str, list[tuple[float, float]]]:
    async with session_scope() as session:
        town = await org_service.create_unit(session, kind="town", code="SK", name="Sengkang")
        zone = await org_service.create_unit(
            session, kind="zone", code="SK-Z1", name="Zone 1", parent=town
        )
        rows = [_volunteer(rng, zone.id, zone.path) for _ in range(VOLUNTEERS)]
        for i in range(0, len(rows), 1000):
            await session.execute(insert(Volunteer), rows[i : i + 1000])
        path = town.path
    care = [(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)) for _ in range(CARE_POINTS)]
    return path, care


async def _naive(path: str, lon: float, lat: float) -> list[uuid.UUID]:
    """The baseline: every volunteer of the subtree loaded, filtered and sorted in Python."""
    async with session_scope() as session:
        everyone = (
            await session.scalars(select(Volunteer).where(Volunteer.org_path.startswith(path)))
        ).all()
        ids = [v.id for v in everyone if v.active]
        away = await repository.on_leave(session, ids, AT) | await repository.on_shift(
            session, ids, AT
        )
    kept = [
        (matching.distance_m(lon, lat, v.lon, v.lat), v.id)
        for v in everyone
        if v.active
        and v.id not in away
        and matching.in_window(v.windows, AT, v.timezone)
        and matching.qualified(v.skills, v.qualifications, SKILLS, AT.date())
    ]
    return [i for _, i in sorted(kept)[:5]]


async def _measure(name: str, url: str) -> list[dict[str, Any]]:
    await _fresh(url)
    rng = random.Random(16)
    path, care = await _seed(rng)
    points = rng.sample(care, QUERIES)
    took: list[float] = []
    found = 0
    for lon, lat in points:
        start = time.perf_counter()
        async with session_scope() as session:
            chosen = await service.nearest_available(
                session, org_path=path, lon=lon, lat=lat, at=AT, skills=SKILLS
            )
        took.append((time.perf_counter() - start) * 1000)
        found += len(chosen)
    naive: list[float] = []
    for lon, lat in points[:BASELINE_QUERIES]:
        start = time.perf_counter()
        expected = await _naive(path, lon, lat)
        naive.append((time.perf_counter() - start) * 1000)
        async with session_scope() as session:
            got = await service.nearest_available(
                session, org_path=path, lon=lon, lat=lat, at=AT, skills=SKILLS
            )
        assert [c.volunteer_id for c in got] == expected, "matching disagrees with the baseline"
    await database.dispose_engine()
    p95 = statistics.quantiles(took, n=20)[-1]
    where = f"{VOLUNTEERS:,} volunteers, {QUERIES} of {CARE_POINTS:,} care homes"
    return [
        _figure(f"{name}: nearest_available, median ({where})", statistics.median(took), "ms"),
        _figure(f"{name}: nearest_available, p95", p95, "ms"),
        _figure(f"{name}: candidates found per query (of 5)", found / QUERIES, "volunteers"),
        _figure(
            f"{name}: baseline (load all, filter and sort in Python), median of {BASELINE_QUERIES}",
            statistics.median(naive),
            "ms",
        ),
    ]


async def _run() -> list[dict[str, Any]]:
    figures = await _measure("SQLite", f"sqlite+aiosqlite:///{SQLITE_PATH}")
    figures += await _measure("PostgreSQL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DB}")
    for f in figures:
        print(f"{f['name']}: {f['value']:,} {f['unit']}")
    return figures


def run() -> list[dict[str, Any]]:
    """Measure matching on SQLite and PostgreSQL; return the figures."""
    return asyncio.run(_run())
