"""The durable event log: every recorded event, numbered in commit order.

`linli.core.events` writes the events of a unit of work here inside its transaction, right
before the commit, so an entry exists if and only if its data committed. The log stores any
`Loggable` (every `Event` is one) and knows nothing of the bus. `seq` grows in commit
order: on PostgreSQL event-writing commits take a transaction-level advisory lock before they
number their events; SQLite serializes every write transaction anyway. A reader that follows
`seq` (the live stream, notifications, another process) therefore never skips an event that
commits later with a smaller number. A consumer of the log (notifications, incident notices,
composite rules) keeps how far it has read in its own `EventLogCursor` row, locked while it reads
and moved in the same transaction as what it makes of the events, so each entry is handled
exactly once, even after a crash or with rival workers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Integer,
    String,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from linli.core import clock
from linli.core.database import Base, session_scope
from linli.core.settings import get_settings

# pg_advisory_xact_lock key of the event log ("linli" in ASCII); held from numbering to commit.
ADVISORY_LOCK_KEY = 0x6C696E6C69
DEFAULT_LIMIT = 500


class Loggable(Protocol):
    """What the log keeps of an event: `linli.core.events.Event` is one."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def at(self) -> datetime: ...
    @property
    def org_path(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def seq(self) -> int | None: ...

    def source(self) -> str: ...
    def envelope(self) -> dict[str, Any]: ...
    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


L = TypeVar("L", bound=Loggable)


class EventLogEntry(Base):
    """One published event: its envelope, what it is about, and its place in commit order."""

    __tablename__ = "event_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(128))
    org_path: Mapped[str] = mapped_column(String(1024))
    at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


def _subject_filter(patterns: Sequence[str]) -> ColumnElement[bool] | None:
    """Return the SQL condition matching `patterns` (fnmatch `*` and `?`), None for all."""
    if not patterns:
        raise ValueError("at least one subject pattern is needed")
    if "*" in patterns:
        return None
    likes = []
    for pattern in patterns:
        if "[" in pattern:
            raise ValueError(f"character classes are not supported in patterns: {pattern!r}")
        like = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        likes.append(EventLogEntry.subject.like(like.replace("*", "%").replace("?", "_"), "\\"))
    return or_(*likes)


async def read_after(
    session: AsyncSession,
    after: int,
    *,
    patterns: Sequence[str] = ("*",),
    limit: int = DEFAULT_LIMIT,
) -> list[EventLogEntry]:
    """Return up to `limit` entries with `seq > after` whose subject matches, in seq order."""
    stmt = select(EventLogEntry).where(EventLogEntry.seq > after)
    condition = _subject_filter(patterns)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(await session.scalars(stmt.order_by(EventLogEntry.seq).limit(limit)))


async def head(session: AsyncSession) -> int:
    """Return the highest seq written so far (0 for an empty log)."""
    return int(await session.scalar(select(func.coalesce(func.max(EventLogEntry.seq), 0))) or 0)


async def prune(session: AsyncSession, *, days: int) -> int:
    """Delete entries older than `days` days, always keeping the newest; return how many."""
    # The newest entry stays so that numbering never restarts below what readers have seen.
    newest = select(func.max(EventLogEntry.seq)).scalar_subquery()
    result = await session.execute(
        delete(EventLogEntry).where(
            EventLogEntry.at < clock.now() - timedelta(days=days), EventLogEntry.seq < newest
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _allocate(session: Session, count: int) -> list[int]:
    """Return `count` new seqs in ascending order; the caller holds the write order."""
    if session.get_bind().dialect.name == "postgresql":
        # Event-writing commits queue here; the lock is released by their commit or rollback.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('event_log', 'seq')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return sorted(int(r[0]) for r in rows)
    # SQLite: every transaction began IMMEDIATE and holds the write lock until it ends.
    top = int(session.execute(select(func.coalesce(func.max(EventLogEntry.seq), 0))).scalar_one())
    return list(range(top + 1, top + 1 + count))


def append(session: Session, pending: Sequence[L]) -> list[L]:
    """Write `pending` to the log in the session's transaction; return them stamped with seq.

    Call it as late as possible before the commit: on PostgreSQL it takes the log's lock,
    which every other event-writing transaction then waits for until this one ends.
    """
    if not pending:
        return []
    stamped = [
        event.model_copy(update={"seq": seq})
        for event, seq in zip(pending, _allocate(session, len(pending)), strict=True)
    ]
    session.execute(
        insert(EventLogEntry),
        [
            {
                "seq": event.seq,
                "id": event.id,
                "subject": event.subject,
                "source": event.source()[:128],
                "org_path": event.org_path,
                "at": event.at,
                "payload": event.envelope(),
            }
            for event in stamped
        ],
    )
    return stamped


PRUNE_SECONDS = 3600.0


async def prune_expired() -> int:
    """Delete the entries older than `LINLI_EVENT_LOG_DAYS` in their own unit of work."""
    async with session_scope() as session:
        return await prune(session, days=get_settings().event_log_days)


class EventLogCursor(Base):
    """How far a consumer has read the event log; moved in the transaction that acts on it."""

    __tablename__ = "notification_cursor"  # named after its first consumer

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    updated_at: Mapped[datetime | None]


async def locked_cursor(session: AsyncSession, name: str) -> EventLogCursor:
    """Return the consumer's cursor row (made at 0 the first time), locked until commit."""
    stmt = select(EventLogCursor).where(EventLogCursor.name == name).with_for_update()
    cursor = await session.scalar(stmt)
    if cursor is not None:
        return cursor
    try:
        async with session.begin_nested():
            session.add(EventLogCursor(name=name, seq=0))
    except IntegrityError:
        pass  # another consumer made it first
    cursor = await session.scalar(stmt.execution_options(populate_existing=True))
    assert cursor is not None
    return cursor
