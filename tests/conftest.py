"""Shared fixtures: databases (SQLite and PostgreSQL), a controlled clock, an HTTP client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

os.environ.setdefault("LINLI_ENV", "test")

from factories import empty_tables
from linli.core import clock as clock_mod
from linli.core import database, migrate
from linli.runtime.extensions import load_extensions

# Each test run gets its own PostgreSQL database, so parallel runs never wipe each other's data.
PG_URL = os.environ.get(
    "LINLI_TEST_PG_URL", f"postgresql+asyncpg://postgres@127.0.0.1:5432/linli_test_{os.getpid()}"
)
BACKENDS = [b for b in os.environ.get("LINLI_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shenzhen and Singapore


async def _pg_admin(url: str, sql: str) -> None:
    """Run `sql` (with `{db}` standing for the URL's database) on the server's admin database."""
    import asyncpg  # type: ignore[import-untyped]

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username or "postgres",
        host=parsed.host,
        port=parsed.port or 5432,
        database="postgres",
    )
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname=$1", parsed.database)
        if sql.startswith("CREATE") and exists:
            return
        await conn.execute(sql.format(db=parsed.database))
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """Yield the URL of an empty, fully migrated database of each backend."""
    load_extensions()
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'linli.db'}"
    else:
        url = PG_URL
        await _pg_admin(url, 'CREATE DATABASE "{db}"')
    engine = database.create_engine(url)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await migrate.upgrade_async(url)
    database.init_engine(url)
    yield url
    await database.dispose_engine()
    if request.param == "postgresql" and "LINLI_TEST_PG_URL" not in os.environ:
        await _pg_admin(url, 'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """Give a test the database; every table is emptied afterwards."""
    database.init_engine(database_url) if database._url is None else None
    yield database_url
    await empty_tables()


@pytest.fixture
def clock() -> Iterator[clock_mod.ManualClock]:
    """Install a clock that only moves when the test says so."""
    manual = clock_mod.ManualClock(START)
    previous = clock_mod.install(manual)
    yield manual
    clock_mod.install(previous)


@pytest.fixture
async def client(db: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    from linli.web.app import create_app

    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as c:
        yield c


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords with argon2 at its lowest cost: same checks, a fraction of the time."""
    from argon2 import PasswordHasher

    from linli.security import service as security_service

    monkeypatch.setattr(security_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))


@pytest.fixture(autouse=True)
def _no_remembered_wrong_credentials() -> Iterator[None]:
    """Every test starts with no address held back for wrong device or gateway credentials."""
    from linli.security.clients import FAILED_CREDENTIALS

    FAILED_CREDENTIALS.reset()
    yield
    FAILED_CREDENTIALS.reset()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the files that drive a browser or every process first: each takes minutes, and
    with several workers started last one would run alone while the others wait. Whole files
    move, in their own order (a file's browser test may hold a loop its other tests need free)."""
    slow = {
        item.path
        for item in items
        if any(item.get_closest_marker(name) for name in ("browser", "scaleout"))
    }
    items.sort(key=lambda item: item.path not in slow)
