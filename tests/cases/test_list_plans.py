"""On a million cases, every case list reads through an index, never the whole table.

PostgreSQL only. A database of its own (ICU `en-US` collation, as most installs have, where a
`LIKE 'prefix%'` needs the pattern operator class to use an index) is migrated, then filled with
1,000,000 cases by one `INSERT … SELECT … FROM generate_series` spread over a district's grids,
categories, statuses, sources and a year, and vacuumed and analysed. Each list then runs as its
route runs it — the same service call, as a district-wide operator and as one community's —
while the SQL it sends is recorded; every recorded statement that reads `case_record` is
EXPLAINed with its own parameters: no plan may scan the table, and each must use an index.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from linli.cases import service as cases_service
from linli.cases.models import Case
from linli.cases.sla import supervision
from linli.core import database, migrate
from linli.core.database import Base
from linli.core.pagination import Page, PageQuery
from linli.interop import open311
from linli.security.permissions import Grant, Principal
from linli.web.case_pages import WORK_STATUSES, WORKBENCH_LIMIT
from linli.web.dispatch_pages import BOARD_LIMIT, COLUMNS
from linli.web.intake_pages import QUEUE_LIMIT

pytestmark = pytest.mark.skipif(
    "postgresql" not in os.environ.get("LINLI_TEST_BACKENDS", "sqlite,postgresql").split(","),
    reason="query plans are PostgreSQL's",
)

CASES = 1_000_000
PG_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/x")
STATUSES = (
    ["reported", "registered", "dispatched", "accepted", "in_progress", "handled", "verified"]
    + ["returned", "rejected"]
    + ["closed"] * 11
)
# District 0; streets 1-4; communities 5-36 (8 a street); grids 37-100 (2 a community);
# department 101. Ids are UUIDs over the unit number; paths are built down the tree.
UNITS = """
CREATE TEMP TABLE u AS
SELECT n, lpad(to_hex(n + 1), 32, '0')::uuid AS id,
       CASE WHEN n = 0 THEN NULL WHEN n <= 4 OR n = 101 THEN 0
            WHEN n <= 36 THEN 1 + (n - 5) / 8 ELSE 5 + (n - 37) / 2 END AS parent,
       CASE WHEN n = 0 THEN 'district' WHEN n <= 4 THEN 'street' WHEN n <= 36 THEN 'community'
            WHEN n <= 100 THEN 'grid' ELSE 'department' END AS kind,
       ''::text AS path
FROM generate_series(0, 101) n;
UPDATE u SET path = '/' || replace(id::text, '-', '') || '/' WHERE n = 0;
UPDATE u SET path = p.path || replace(u.id::text, '-', '') || '/' FROM u p
 WHERE u.parent = p.n AND u.kind IN ('street', 'department');
UPDATE u SET path = p.path || replace(u.id::text, '-', '') || '/' FROM u p
 WHERE u.parent = p.n AND u.kind = 'community';
UPDATE u SET path = p.path || replace(u.id::text, '-', '') || '/' FROM u p
 WHERE u.parent = p.n AND u.kind = 'grid';
INSERT INTO org_unit (id, created_at, parent_id, kind, code, name, path, depth, profile)
SELECT u.id, now(), p.id, u.kind, 'U' || u.n, 'Unit ' || u.n, u.path, 0, 'grid'
  FROM u LEFT JOIN u p ON p.n = u.parent ORDER BY u.n;
INSERT INTO case_category (id, created_at, code, name, priority, step_limits, requires_photo,
  kind, level, required_evidence, duplicate_radius_m, duplicate_window_hours, examples, public,
  round_location_m)
SELECT lpad(to_hex(1000 + k), 32, '0')::uuid, now(), 'k' || k, 'Kind ' || k, 3, '{}', false,
  'event', 'minor', '[]', 100, 24, '[]', k % 2 = 0, 0 FROM generate_series(0, 3) k;
"""
# Every NOT NULL column of case_record, so the rows are what the application would store.
COLUMNS_FILLED = (
    "id, created_at, updated_at, ref, title, description, category_code, source, profile, status,"
    " priority, org_unit_id, org_path, supervisor_unit_id, escalation_level, assigned_unit_id,"
    " assigned_path, overdue, me_too_count, return_count, published"
)
FILL = f"""
INSERT INTO case_record ({COLUMNS_FILLED})
SELECT lpad(to_hex(g), 32, '0')::uuid, t, t, 'P' || lpad(g::text, 9, '0'), 'Case ' || g, '',
  'k' || (g % 4), (ARRAY['resident', 'alarm', 'patrol', 'hotline'])[1 + g % 4], 'grid',
  (ARRAY{STATUSES!r})[1 + (g / 7) % {len(STATUSES)}], 3, grid.id, grid.path, grid.id, 0,
  CASE WHEN g % 3 = 0 THEN dept.id END, CASE WHEN g % 3 = 0 THEN dept.path END,
  g % 50 = 0, 0, 0, g % 10 = 0
FROM generate_series(1, {CASES}) g
CROSS JOIN LATERAL (SELECT timestamptz '2025-12-01' + g * interval '31.5 seconds' AS t) at
JOIN u grid ON grid.n = 37 + g % 64
JOIN u dept ON dept.n = 101
"""
# Joint cases: a grid of another community supports one case in a thousand.
JOINT = f"""
INSERT INTO case_participant (id, created_at, case_id, unit_id, unit_path, role, status,
  updated_at)
SELECT gen_random_uuid(), now(), lpad(to_hex(g), 32, '0')::uuid, grid.id, grid.path,
  'supporting', 'open', now()
FROM generate_series(1000, {CASES}, 1000) g JOIN u grid ON grid.n = 37 + (g / 1000) % 64
"""


async def _admin(sql: str) -> None:
    import asyncpg

    parsed = make_url(PG_URL)
    conn = await asyncpg.connect(
        user=parsed.username or "postgres", host=parsed.host, port=parsed.port or 5432
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fill(engine: AsyncEngine) -> None:
    mark = time.perf_counter()

    def lap(what: str) -> None:
        nonlocal mark
        print(f"  {what}: {time.perf_counter() - mark:.1f} s")
        mark = time.perf_counter()

    async with engine.begin() as conn:
        for statement in UNITS.split(";"):
            if statement.strip():
                await conn.execute(text(statement))
        indexes = [
            (name, ddl)
            for name, ddl in await conn.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                    " WHERE i.tablename = 'case_record' AND NOT EXISTS ("
                    "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
                )
            )
        ]
        # Build the secondary indexes once, after the rows, and skip the foreign-key triggers
        # (the rows point at units and categories made above): seconds instead of minutes.
        for name, _ in indexes:
            await conn.execute(text(f"DROP INDEX {name}"))
        await conn.execute(text("SET LOCAL session_replication_role = replica"))
        await conn.execute(text(FILL))
        await conn.execute(text(JOINT))
        lap("insert")
        await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for _, ddl in indexes:
            await conn.execute(text(ddl))
        lap("indexes")
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("VACUUM ANALYZE case_record"))
        await auto.execute(text("ANALYZE"))
    lap("vacuum analyze")


@pytest.fixture(scope="module")
async def million() -> AsyncIterator[AsyncEngine]:
    """Yield an engine on a fresh database holding a million cases."""
    name = f"linli_plans_{os.getpid()}"
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:  # the collation of most installs; plain C where the server has no ICU
        await _admin(
            f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu'
            " ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        )
    except Exception:  # any refusal (no ICU): the server's default collation
        await _admin(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    await migrate.upgrade_async(url)
    print(f"\n  migrations: {time.perf_counter() - started:.1f} s")
    engine = database.create_engine(url)
    await _fill(engine)
    print(f"\n{CASES:,} cases ready in {time.perf_counter() - started:.1f} s")
    try:
        yield engine
    finally:
        await engine.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_fill_writes_every_required_column() -> None:
    required = {
        c.name for c in Case.__table__.columns if not c.nullable and c.server_default is None
    }
    assert required <= {c.strip() for c in COLUMNS_FILLED.split(",")}


def _unit(n: int) -> tuple[uuid.UUID, str]:
    ids = [0, 1 + (n - 5) // 8, n] if 5 <= n <= 36 else [0]
    hexes = [f"{i + 1:032x}" for i in ids]
    return uuid.UUID(hexes[-1]), "/" + "/".join(hexes) + "/"


def _principal(name: str, n: int) -> Principal:
    unit_id, path = _unit(n)
    grants = tuple(Grant(role, unit_id, path) for role in ("operator", "grid_worker"))
    return Principal(uuid.uuid4(), name, name, grants=grants)


WHO = {"district": _principal("district", 0), "community": _principal("community", 5)}
CASE_INDEXES = {str(i.name) for i in Base.metadata.tables["case_record"].indexes} | {
    "pk_case_record",
    "uq_case_record_ref",
}
OPEN = tuple(s for _, group in COLUMNS for s in group)

List = Callable[[AsyncSession, Principal, PageQuery], Awaitable[Page[Any]]]


async def _api_cases(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    return await cases_service.list_cases(session, principal=who, paging=paging)


async def _api_reported(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    return await cases_service.list_cases(
        session, principal=who, statuses=("reported",), paging=paging
    )


async def _triage(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    return await cases_service.list_cases(
        session, principal=who, statuses=("reported",), where_may="cases:register", paging=paging
    )


async def _board(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    return await cases_service.list_cases(session, principal=who, statuses=OPEN, paging=paging)


async def _workbench(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    return await cases_service.list_cases(
        session, principal=who, statuses=WORK_STATUSES, my_work=True, paging=paging
    )


async def _ledger(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    return await supervision.list_overdue(session, principal=who, paging=paging)


async def _open311(session: AsyncSession, who: Principal, paging: PageQuery) -> Page[Any]:
    query = open311.RequestQuery(statuses=("open",), cursor=paging.cursor)
    found = await open311.find_requests(session, query, base_url="http://linli.test/")
    return Page(found.requests, found.next, found.total, found.total_capped)


LISTS: dict[str, tuple[List, int]] = {
    "api_cases": (_api_cases, 50),
    "api_cases_reported": (_api_reported, 50),
    "triage_queue": (_triage, QUEUE_LIMIT),
    "dispatch_board": (_board, BOARD_LIMIT),
    "workbench": (_workbench, WORKBENCH_LIMIT),
    "overdue_ledger": (_ledger, 200),
    "open311_requests": (_open311, open311.DEFAULT_PAGE_SIZE),
}


@dataclass
class Recorder:
    """The statements an engine sent while `on`, with their parameters."""

    on: bool = False
    statements: list[tuple[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def recorder(million: AsyncEngine) -> Iterator[Recorder]:
    rec = Recorder()

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if rec.on:
            rec.statements.append((statement, params))

    event.listen(million.sync_engine, "before_cursor_execute", keep)
    yield rec
    event.remove(million.sync_engine, "before_cursor_execute", keep)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _on_cases(node: dict[str, Any]) -> bool:
    """Say whether a plan node reads case_record (bitmap index scans name only their index)."""
    index = str(node.get("Index Name", ""))
    return node.get("Relation Name") == "case_record" or index in CASE_INDEXES


async def _explain(engine: AsyncEngine, sent: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Return (statement, plan) of each recorded statement reading case_record."""
    plans = []
    async with engine.connect() as conn:
        for statement, params in sent:
            if "case_record" not in statement or not statement.lstrip().startswith("SELECT"):
                continue
            result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
            raw = result.scalar_one()
            plans.append((statement, (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]))
    return plans


@pytest.mark.parametrize("who", sorted(WHO))
@pytest.mark.parametrize("name", sorted(LISTS))
async def test_every_case_list_reads_a_million_cases_through_an_index(
    million: AsyncEngine, recorder: Recorder, name: str, who: str
) -> None:
    run, limit = LISTS[name]
    principal = WHO[who]
    timings: dict[str, float] = {}
    recorder.statements.clear()
    async with AsyncSession(million, expire_on_commit=False) as session:
        cursor: str | None = None
        for step, paging in (
            ("first page", PageQuery(limit=limit)),
            ("counted", PageQuery(limit=limit, count=True)),
            ("cursor page", None),
        ):
            if paging is None:
                if cursor is None:
                    continue  # a one-page list has no second page
                paging = PageQuery(cursor=cursor, limit=limit)
            recorder.on = True
            started = time.perf_counter()
            page = await run(session, principal, paging)
            timings[step] = time.perf_counter() - started
            recorder.on = False
            cursor = cursor or page.next
    plans = await _explain(million, recorder.statements)
    assert plans, "the list sent no statement reading case_record"
    for sql, plan in plans:
        nodes = [n for n in _nodes(plan) if _on_cases(n)]
        scans = [n for n in nodes if n["Node Type"] == "Seq Scan"]
        assert not scans, f"{name} as {who} scans case_record:\n{sql}"
        assert any("Index Name" in n for n in nodes), f"{name} as {who} uses no index:\n{sql}"
    print(f"\n{name} as {who}: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))
