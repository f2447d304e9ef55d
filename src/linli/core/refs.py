"""Numbers for human-readable references, one sequence per kind, handed out without queueing.

A domain that shows people a reference (a case's `C-261207-000123`) declares a kind once
(`CASE_REFS = refs.declare("case")`), adds one line to a migration
(`refs.create_ref_sequence(op, "case")`) and takes each number from `next_number`.

Numbers of a kind are unique and increase, but may skip: they are gap-tolerant.
On PostgreSQL each kind is a SEQUENCE `ref_seq_<kind>`; `nextval` never waits for another
transaction and is not undone by a rollback, so concurrent writers never queue on a counter
row and a rolled-back write leaves a gap. On SQLite, whose writers the database serialises
anyway, each kind keeps its latest number as a row of `ref_sequence(kind, n)`: taking a number
inserts the next row and deletes the older ones, so there is no counter row to update, and a
rollback simply hands the same number out again (it was never seen).

Landed migrations call `create_ref_sequence` and `drop_ref_sequence`: change them only in ways
that build the same storage.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncSession

# The SQLite table holding the latest number of every kind (no model: PostgreSQL has none).
SQLITE_TABLE = "ref_sequence"
SEQUENCE_PREFIX = "ref_seq_"
_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
_kinds: set[str] = set()


class MigrationOps(Protocol):
    """What the helpers use of a migration's `alembic.op`."""

    def get_bind(self) -> Connection: ...
    def execute(self, sqltext: str, *, execution_options: Any = None) -> None: ...
    def drop_table(self, table_name: str, **kw: Any) -> None: ...


class UnknownRefKind(LookupError):
    """A number was asked of a kind that was never declared."""


def declare(kind: str) -> str:
    """Declare a kind of reference (`case`, `booking`…) and return it; its migration must call
    `create_ref_sequence` for it."""
    if not _KIND.fullmatch(kind):
        raise ValueError(f"a reference kind is lower_snake_case, at most 40 characters: {kind!r}")
    _kinds.add(kind)
    return kind


def kinds() -> frozenset[str]:
    """Return every declared kind."""
    return frozenset(_kinds)


def sequence_name(kind: str) -> str:
    """Return the name of the PostgreSQL sequence of `kind`."""
    return f"{SEQUENCE_PREFIX}{kind}"


async def next_number(session: AsyncSession, kind: str) -> int:
    """Hand out the next number of `kind`: unique and increasing, never waiting on a writer."""
    if kind not in _kinds:
        raise UnknownRefKind(f"reference kind {kind!r} is not declared")
    if session.get_bind().dialect.name == "postgresql":
        stmt = text("SELECT nextval(CAST(:name AS regclass))")
        return int((await session.execute(stmt, {"name": sequence_name(kind)})).scalar_one())
    # The database holds the write lock until commit, so max + 1 cannot be taken twice.
    taken = (
        await session.execute(
            text(
                f"INSERT INTO {SQLITE_TABLE} (kind, n) SELECT kind, max(n) + 1 FROM {SQLITE_TABLE}"
                " WHERE kind = :kind GROUP BY kind RETURNING n"
            ),
            {"kind": kind},
        )
    ).scalar_one_or_none()
    if taken is None:
        raise UnknownRefKind(f"reference kind {kind!r} has no sequence: migrate the database")
    await session.execute(
        text(f"DELETE FROM {SQLITE_TABLE} WHERE kind = :kind AND n < :n"),
        {"kind": kind, "n": taken},
    )
    return int(taken)


def create_ref_sequence(op: MigrationOps, kind: str, start: int = 1) -> None:
    """Create the sequence of `kind` in a migration; its first number is `start`."""
    if not _KIND.fullmatch(kind) or start < 1:
        raise ValueError(f"bad reference sequence {kind!r} starting at {start}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE {sequence_name(kind)} START WITH {int(start)} MINVALUE 1")
        return
    op.execute(
        f"CREATE TABLE IF NOT EXISTS {SQLITE_TABLE} (kind VARCHAR(40) NOT NULL,"
        f" n INTEGER NOT NULL, CONSTRAINT pk_{SQLITE_TABLE} PRIMARY KEY (kind, n))"
    )
    op.execute(f"INSERT INTO {SQLITE_TABLE} (kind, n) VALUES ('{kind}', {int(start) - 1})")


def drop_ref_sequence(op: MigrationOps, kind: str) -> None:
    """Drop the sequence of `kind` in a migration's downgrade."""
    if not _KIND.fullmatch(kind):
        raise ValueError(f"bad reference kind {kind!r}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP SEQUENCE IF EXISTS {sequence_name(kind)}")
        return
    op.execute(f"DELETE FROM {SQLITE_TABLE} WHERE kind = '{kind}'")
    # The table goes with its last kind, so a fully downgraded database has none left over.
    if op.get_bind().execute(text(f"SELECT 1 FROM {SQLITE_TABLE} LIMIT 1")).first() is None:
        op.drop_table(SQLITE_TABLE)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object` filter: leave SQLite's `ref_sequence` (made by migrations,
    not declared by models) out of autogenerate and schema comparison."""
    return not (type_ == "table" and reflected and name == SQLITE_TABLE)
