"""A year of cases for the load benchmark's district, written in bulk.

A million cases through the services would take hours, so their rows are generated (a fixed
seed) straight into `case_record`: one INSERT … SELECT over `generate_series` on PostgreSQL, or
executemany of rows made here on SQLite. They spread over the district's grids and its leaf
categories over the year before today (none today, so their references never meet the ones the
server hands out), with the status mix of a year of work: nearly all older cases closed or
rejected, the last month's still moving through every status. Each open case waits in its step
with a deadline but no sweep timer, so the escalation sweep leaves the history alone. No timeline
rows are written: list routes do not read them.
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from linli.cases.models import STEP_OF_STATUS, TERMINAL, Case
from linli.core.database import session_scope
from linli.org.models import OrgUnit

ZONE = ZoneInfo("Asia/Shanghai")  # the district's work calendar
HISTORY_DAYS = 365
RECENT_DAYS = 30
CHUNK = 50_000
# Where a year of cases stands: (status, share) for the last month, and for the older ones.
RECENT_MIX = (
    ("reported", 4),
    ("registered", 4),
    ("dispatched", 8),
    ("accepted", 6),
    ("in_progress", 12),
    ("handled", 6),
    ("verified", 4),
    ("returned", 1),
    ("closed", 50),
    ("rejected", 5),
)
OLDER_MIX = (
    ("in_progress", 0.5),
    ("handled", 0.5),
    ("verified", 0.5),
    ("closed", 92.5),
    ("rejected", 6),
)
SOURCES = (("resident", 40), ("alarm", 20), ("patrol", 20), ("hotline", 10), ("staff", 10))
UNASSIGNED = frozenset({"reported", "registered", "rejected"})


@dataclass(frozen=True)
class Grid:
    """A grid cases happen in, with the community that supervises them."""

    id: uuid.UUID
    path: str
    community_id: uuid.UUID
    community_path: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Kind:
    """A leaf category and the unit the routing table sends its cases to."""

    code: str
    name: str
    priority: int
    target: OrgUnit | None  # None: the case's own community answers it


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    r = rng.uniform(0, sum(share for _, share in mix))
    for name, share in mix:
        r -= share
        if r < 0:
            return name
    return mix[-1][0]


def case_rows(
    count: int, grids: list[Grid], kinds: list[Kind], *, end: datetime, seed: int = 11
) -> Iterator[dict[str, Any]]:
    """Yield `count` cases spread evenly over the year before `end`, oldest first."""
    rng = random.Random(seed)
    start = end - timedelta(days=HISTORY_DAYS)
    step = (end - start) / count
    recent = end - timedelta(days=RECENT_DAYS)
    numbers: dict[str, int] = {}
    for n in range(count):
        created = start + step * n
        day = created.astimezone(ZONE).strftime("%y%m%d")
        numbers[day] = numbers.get(day, 0) + 1
        grid = grids[rng.randrange(len(grids))]
        kind = kinds[int(len(kinds) * rng.random() ** 2)]  # a few categories are most of the work
        status = _pick(rng, RECENT_MIX if created >= recent else OLDER_MIX)
        step_name = STEP_OF_STATUS.get(status)
        moved = created + timedelta(hours=rng.uniform(0.5, 72))
        deadline = moved + timedelta(days=3) if step_name else None
        assigned = None
        if status not in UNASSIGNED:
            target = kind.target
            assigned = (
                (target.id, target.path) if target else (grid.community_id, grid.community_path)
            )
        yield {
            "id": uuid.uuid4(),
            "ref": f"C-{day}-{numbers[day]:06d}",
            "title": kind.name,
            "description": "",
            "category_code": kind.code,
            "source": _pick(rng, SOURCES),
            "source_ref": None,
            "profile": "grid",
            "status": status,
            "priority": kind.priority,
            "lon": grid.lon + rng.uniform(-0.002, 0.002),
            "lat": grid.lat + rng.uniform(-0.002, 0.002),
            "org_unit_id": grid.id,
            "org_path": grid.path,
            "supervisor_unit_id": grid.community_id,
            "escalation_level": 0,
            "assigned_unit_id": assigned[0] if assigned else None,
            "assigned_path": assigned[1] if assigned else None,
            "assignee_id": None,
            "step": step_name,
            "step_started_at": moved if step_name else None,
            "step_deadline_at": deadline,
            "overdue": deadline is not None and deadline < end,
            "sweep_at": None,
            "warn_at": None,
            "duplicate_of_id": None,
            "me_too_count": 0,
            "return_count": 1 if status == "returned" else 0,
            "arbitrated_unit_id": None,
            "published": False,
            "created_at": created,
            "updated_at": moved,
            "closed_at": moved if status in TERMINAL else None,
        }


def _case_when(expr: str, mix: tuple[tuple[str, float], ...]) -> str:
    """Return SQL choosing a status by `expr` (uniform in [0, 1)) with the mix's shares."""
    total, upto, arms = sum(share for _, share in mix), 0.0, []
    for status, share in mix[:-1]:
        upto += share / total
        arms.append(f"WHEN {expr} < {upto:.6f} THEN '{status}'")
    return f"CASE {' '.join(arms)} ELSE '{mix[-1][0]}' END"


def _by_status(values: dict[str, str], default: str = "NULL") -> str:
    arms = " ".join(f"WHEN '{status}' THEN {value}" for status, value in values.items())
    return f"CASE c.status {arms} ELSE {default} END"


def _insert_sql(count: int, grids: int, kinds: int) -> str:
    """Return the one INSERT … SELECT that writes `count` cases from `generate_series`.

    Parameters: $1 the first case's time, $2 the seconds between cases, $3 where the last
    month begins.
    """
    sources = _case_when("r_source", SOURCES)
    status = (
        f"CASE WHEN created_at >= $3::timestamptz THEN {_case_when('r_status', RECENT_MIX)} "
        f"ELSE {_case_when('r_status', OLDER_MIX)} END"
    )
    steps = _by_status({s: f"'{step}'" for s, step in STEP_OF_STATUS.items()})
    assigned = "c.status NOT IN ({})".format(", ".join(f"'{s}'" for s in sorted(UNASSIGNED)))
    terminal = "c.status IN ({})".format(", ".join(f"'{s}'" for s in sorted(TERMINAL)))
    return f"""
    INSERT INTO case_record (
        id, ref, title, description, category_code, source, profile, status, priority, lon, lat,
        org_unit_id, org_path, supervisor_unit_id, escalation_level, assigned_unit_id,
        assigned_path, step, step_started_at, step_deadline_at, overdue, me_too_count,
        return_count, published, created_at, updated_at, closed_at)
    SELECT
        gen_random_uuid(),
        'C-' || c.day || '-' || lpad((row_number() OVER (PARTITION BY c.day ORDER BY c.n))::text,
                                     6, '0'),
        c.name, '', c.code, c.source, 'grid', c.status, c.priority,
        c.lon + (c.r_lon - 0.5) * 0.004, c.lat + (c.r_lat - 0.5) * 0.004,
        c.grid_id, c.grid_path, c.community_id, 0,
        CASE WHEN {assigned} THEN coalesce(c.target_id, c.community_id) END,
        CASE WHEN {assigned} THEN coalesce(c.target_path, c.community_path) END,
        {steps},
        CASE WHEN {steps} IS NOT NULL THEN c.moved END,
        CASE WHEN {steps} IS NOT NULL THEN c.moved + interval '3 days' END,
        {steps} IS NOT NULL AND c.moved + interval '3 days' < now(),
        0, CASE c.status WHEN 'returned' THEN 1 ELSE 0 END, false,
        c.created_at, c.moved,
        CASE WHEN {terminal} THEN c.moved END
    FROM (
        SELECT s.*, {status} AS status, {sources} AS source,
               to_char(created_at AT TIME ZONE '{ZONE.key}', 'YYMMDD') AS day,
               created_at + (0.5 + r_move * 71.5) * interval '1 hour' AS moved,
               g.id AS grid_id, g.path AS grid_path, g.community_id, g.community_path, g.lon,
               g.lat, k.code, k.name, k.priority, k.target_id, k.target_path
        FROM (
            SELECT n, $1::timestamptz + (n - 1) * $2::float8 * interval '1 second' AS created_at,
                   random() AS r_grid, random() AS r_kind, random() AS r_status,
                   random() AS r_source, random() AS r_move, random() AS r_lon, random() AS r_lat
            FROM generate_series(1, {count}) AS n
        ) s
        JOIN load_grid g ON g.idx = floor(s.r_grid * {grids})
        -- a few categories are most of the work
        JOIN load_kind k ON k.idx = floor(s.r_kind * s.r_kind * {kinds})
    ) c
    """


async def load_cases(
    url: str, count: int, grids: list[Grid], kinds: list[Kind]
) -> dict[str, float]:
    """Write `count` old cases: one INSERT … SELECT on PostgreSQL, executemany on SQLite;
    return the seconds of each part."""
    seconds: dict[str, float] = {}
    # The history ends where today begins in the district, so no old reference is today's.
    end = datetime.now(ZONE).replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    end -= timedelta(seconds=1)
    if not url.startswith("postgresql"):
        began = time.perf_counter()
        rows = case_rows(count, grids, kinds, end=end)
        async with session_scope() as session:
            while chunk := list(itertools.islice(rows, CHUNK)):
                await session.execute(insert(Case), chunk)
        return {"cases": time.perf_counter() - began}
    async with session_scope() as session:
        await session.execute(text("SELECT 1"))  # opens the transaction the raw calls run in
        raw = await (await session.connection()).get_raw_connection()
        pg = raw.driver_connection
        assert pg is not None
        await pg.execute(
            "CREATE TEMP TABLE load_grid (idx int, id uuid, path text, community_id uuid, "
            "community_path text, lon float8, lat float8) ON COMMIT DROP;"
            "CREATE TEMP TABLE load_kind (idx int, code text, name text, priority int, "
            "target_id uuid, target_path text) ON COMMIT DROP"
        )
        await pg.copy_records_to_table(
            "load_grid",
            records=[
                (i, g.id, g.path, g.community_id, g.community_path, g.lon, g.lat)
                for i, g in enumerate(grids)
            ],
        )
        await pg.copy_records_to_table(
            "load_kind",
            records=[
                (
                    i,
                    k.code,
                    k.name,
                    k.priority,
                    k.target and k.target.id,
                    k.target and k.target.path,
                )
                for i, k in enumerate(kinds)
            ],
        )
        # A bulk load's usual steps: the generated rows point only at units and categories that
        # exist, so foreign-key triggers are skipped; secondary indexes are built once at the end.
        await pg.execute(
            "SET LOCAL session_replication_role = replica; SET LOCAL work_mem = '256MB'; "
            "SET LOCAL maintenance_work_mem = '512MB'; SELECT setseed(0.11)"
        )
        indexes = await pg.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case_record' AND "
            "indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for index in indexes:
            await pg.execute(f'DROP INDEX "{index["indexname"]}"')
        start = end - timedelta(days=HISTORY_DAYS)
        step = (end - start).total_seconds() / count
        began = time.perf_counter()
        sql = _insert_sql(count, len(grids), len(kinds))
        await pg.execute(sql, start, step, end - timedelta(days=RECENT_DAYS))
        seconds["cases"] = time.perf_counter() - began
        began = time.perf_counter()
        for index in indexes:
            await pg.execute(index["indexdef"])
        seconds["case indexes"] = time.perf_counter() - began
    return seconds
