"""The database layer: declarative base, one async engine per workload class (its connection
budget), and the one unit-of-work helper."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from linli.core import clock
from linli.core.ids import new_id

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = clock.as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else clock.as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy reads it)


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Workload(StrEnum):
    """A class of database work with its own connection budget (its own pool).

    `api`: pages, the JSON API and SSE; `ingest`: device ingest over HTTP and MQTT;
    `background`: workers and periodic tasks. The owner of a unit of work picks it (the request
    dependency, the worker and task wrappers); services never do.
    """

    API = "api"
    INGEST = "ingest"
    BACKGROUND = "background"


# Connections each class may hold at once when its setting is unset: PostgreSQL's add up to the
# 20 one process held before (5 processes fit a default max_connections of 100); SQLite's stay
# small, since its one file has one writer at a time whatever the pools.
DEFAULT_BUDGETS = {
    "postgresql": {Workload.API: 10, Workload.INGEST: 5, Workload.BACKGROUND: 5},
    "sqlite": {Workload.API: 3, Workload.INGEST: 2, Workload.BACKGROUND: 2},
}
# How long a unit of work waits for a connection of its class before giving up (a request is
# then answered 429, a task retries).
POOL_TIMEOUT = 10.0
# A pooled PostgreSQL connection idle for longer than this is checked (a round trip) before it
# is handed out, so one the server dropped meanwhile (a restart, an idle timeout) is replaced
# instead of failing a request. One in steady use is not: the check would be a round trip more
# on every request, which measured about a sixth of a simple API request's cost.
PING_IDLE_SECONDS = 5.0
# SQLite's busy timeout: how long a transaction waits for the file's write lock held by another
# process (a CLI command beside the server), and for its turn in this process (`_WriteTurn`).
SQLITE_BUSY_SECONDS = 30.0

_workload: ContextVar[Workload] = ContextVar("linli_workload", default=Workload.API)
_url: str | None = None
_engines: dict[Workload, AsyncEngine] = {}
_sessionmakers: dict[Workload, async_sessionmaker[AsyncSession]] = {}


def current_workload() -> Workload:
    """Return the class of the units of work the running task opens."""
    return _workload.get()


@contextmanager
def use_workload(workload: Workload) -> Iterator[None]:
    """Have every `session_scope()` opened inside (in this task and the tasks it starts) use
    the connections of `workload`."""
    token = _workload.set(workload)
    try:
        yield
    finally:
        _workload.reset(token)


def pool_budget(workload: Workload, url: str) -> int:
    """Return how many connections `workload` may hold at once on the database at `url`."""
    from linli.core.settings import get_settings

    backend = "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql"
    configured: int | None = getattr(get_settings(), f"db_pool_{workload}")
    return configured or DEFAULT_BUDGETS[backend][workload]


def budget(workload: Workload) -> int:
    """Return the connection budget of `workload` on the process database."""
    if _url is None:
        init_engine()
    assert _url is not None
    return pool_budget(workload, _url)


def create_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """Create an async engine (holding at most `pool_size` connections, if given); SQLite gets
    WAL, foreign keys and immediate transactions."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if pool_size is not None and not _in_memory(url):
        kwargs.update(pool_size=pool_size, max_overflow=0, pool_timeout=POOL_TIMEOUT)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    # SQLAlchemy's pool_pre_ping checks every checkout; this checks those idle for a while.
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # a new connection, or one just given back
        try:
            dbapi_connection.ping()
        except Exception as err:
            # The pool drops this connection and hands out another (a new one if need be).
            raise DisconnectionError("idle connection gone") from err


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy drive transactions so that every one starts as BEGIN IMMEDIATE:
        # writers then queue on the busy timeout instead of failing on a read-to-write upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Freed space within the pages written anyway is zeroed, so an erased or rewritten
        # value (personal data) does not linger in the file; erasure turns it fully on.
        cursor.execute("PRAGMA secure_delete=FAST")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_engine(url: str | None = None) -> AsyncEngine:
    """Point the process at the database at `url` (default: settings); return the engine of
    the current workload. Each class's engine is made on its first use."""
    global _url
    from linli.core.settings import get_settings

    _url = url or get_settings().database_url
    _engines.clear()
    _sessionmakers.clear()
    return get_engine()


def get_engine(workload: Workload | None = None) -> AsyncEngine:
    """Return the engine of `workload` (default: the current one), making it on first use."""
    if _url is None:
        init_engine()
    assert _url is not None
    workload = workload or _workload.get()
    engine = _engines.get(workload)
    if engine is None:
        if _in_memory(_url) and _engines:  # one in-memory database: every class shares it
            engine = next(iter(_engines.values()))
        else:
            engine = create_engine(_url, pool_size=pool_budget(workload, _url))
        _engines[workload] = engine
        _sessionmakers[workload] = async_sessionmaker(engine, expire_on_commit=False)
    return engine


async def close_connections() -> None:
    """Close every pooled connection of every class; the engines reconnect on their next use
    (leave an SQLite file to another process, such as a CLI command, meanwhile)."""
    for engine in {id(e): e for e in _engines.values()}.values():
        await engine.dispose()


async def dispose_engine() -> None:
    """Close every pooled connection of every class and forget the engines."""
    global _url
    for engine in {id(e): e for e in _engines.values()}.values():
        await engine.dispose()
    _engines.clear()
    _sessionmakers.clear()
    _url = None


def is_busy(err: BaseException) -> bool:
    """Tell whether `err` means the database was busy: a lock not granted in time (PostgreSQL
    `lock_timeout`/`NOWAIT`, SQLite's busy timeout) or no connection of the class free in time.
    Whoever gets it may simply try again later."""
    if isinstance(err, PoolTimeout):
        return True
    if not isinstance(err, DBAPIError):
        return False
    code = getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)
    return code == "55P03" or "database is locked" in str(err.orig)


def is_unstorable_text(err: BaseException) -> bool:
    """Tell whether `err` is PostgreSQL refusing a text it cannot hold (a NUL character, or
    bytes not valid in the encoding): the client's input was at fault, not the server."""
    if not isinstance(err, DBAPIError):
        return False
    code = getattr(err.orig, "sqlstate", None) or getattr(err.orig, "pgcode", None)
    return code in ("22021", "22P05")


AfterCommit = Callable[[AsyncSession], Awaitable[None]]
_AFTER_COMMIT = "linli_after_commit"


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Have `session_scope()` run `callback` once its unit of work has committed (never after a
    rollback); a callback queued twice runs once."""
    queued: list[AfterCommit] = session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in queued:
        queued.append(callback)


@asynccontextmanager
async def session_scope(workload: Workload | None = None) -> AsyncIterator[AsyncSession]:
    """Run one unit of work on a connection of `workload` (default: the current class, see
    `use_workload`): commit on success, roll back on error, then run what was queued to follow
    the commit (publishing its events, see `linli.core.events`). On SQLite it holds the one
    write lock from its first statement to its end: keep it short, nothing slow (a gateway call,
    a model fit) inside."""
    workload = workload or _workload.get()
    get_engine(workload)
    async with _sessionmakers[workload]() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    for callback in session.info.pop(_AFTER_COMMIT, []):
        await callback(session)
