"""Field-key rotation: re-encrypt every encrypted column under the current key, table by table
in keyset batches (by primary key), each batch its own transaction, progress recorded so that a
killed run resumes where it stopped. Reads work throughout: every key of the ring decrypts.

A row changed by the application meanwhile is left alone (the update checks the old value):
the application already wrote it under the current key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import LargeBinary, Row, Table, bindparam, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.database import Base, session_scope
from linli.security import audit
from linli.security.crypto import EncryptedText, get_cipher
from linli.security.privacy import repository
from linli.security.privacy.models import KeyRotation

BATCH = 500
# Told after each committed batch: (table, rows it went through).
BatchDone = Callable[[str, int], Awaitable[None]]


def encrypted_tables() -> list[tuple[Table, list[str]]]:
    """Return every table with encrypted columns and those columns, by table name."""
    found = []
    for tbl in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        columns = [c.name for c in tbl.columns if isinstance(c.type, EncryptedText)]
        if columns:
            found.append((tbl, columns))
    return found


def _raw(tbl: Table, column: str) -> Any:
    return type_coerce(tbl.c[column], LargeBinary)


def _blobs(row: Row[Any]) -> tuple[bytes | None, ...]:
    return tuple(row[1:])


@dataclass
class RotationReport:
    key_id: str
    rewritten: dict[str, int] = field(default_factory=dict)


async def _progress(session: AsyncSession, table: str, key_id: str) -> KeyRotation:
    state = await session.get(KeyRotation, (table, key_id))
    if state is None:
        state = KeyRotation(table_name=table, key_id=key_id, rewritten=0, updated_at=clock.now())
        session.add(state)
        await session.flush()
    return state


async def _raw_batch(
    session: AsyncSession, tbl: Table, columns: list[str], after: Any
) -> list[Row[Any]]:
    """Return up to BATCH rows after key `after`: the key, then each column's stored bytes."""
    pk = tbl.c[repository.primary_key(tbl)]
    stmt = select(pk, *(_raw(tbl, c) for c in columns)).order_by(pk).limit(BATCH)
    return list(await session.execute(stmt if after is None else stmt.where(pk > after)))


async def _rotate_batch(session: AsyncSession, tbl: Table, columns: list[str], after: Any) -> Any:
    """Rewrite one batch after key `after`; return (last key, rows rewritten, rows seen), or
    None when the table is done."""
    cipher = get_cipher()
    pk = tbl.c[repository.primary_key(tbl)]
    rows = await _raw_batch(session, tbl, columns, after)
    if not rows:
        return None
    stale_rows = set()
    for index, column in enumerate(columns, start=1):
        context = cast(EncryptedText, tbl.c[column].type).context
        params = []
        for row in rows:
            blob = row[index]
            if blob is None or cipher.is_current(bytes(blob)):
                continue
            fresh = cipher.encrypt(cipher.decrypt(bytes(blob), context=context), context=context)
            params.append({"_key": row[0], "_old": bytes(blob), "_new": fresh})
            stale_rows.add(row[0])
        if params:
            # One statement for the batch; the old value in the WHERE leaves alone a row the
            # application rewrote meanwhile (already under the current key).
            await session.execute(
                update(tbl)
                .where(
                    pk == bindparam("_key", type_=pk.type),
                    _raw(tbl, column) == bindparam("_old", type_=LargeBinary),
                )
                .values({column: bindparam("_new", type_=LargeBinary)}),
                params,
            )
    return rows[-1][0], len(stale_rows), len(rows)


async def rotate_keys(*, on_batch: BatchDone | None = None) -> RotationReport:
    """Move every encrypted field to the current key, resuming a run that was stopped."""
    key_id = get_cipher().key_id.hex()
    report = RotationReport(key_id)
    async with session_scope() as session:
        await audit.record(
            session,
            actor="cli",
            action="keys.rotation_started",
            target_type="field_key",
            target_id=key_id,
        )
    for tbl, columns in encrypted_tables():
        python_type = tbl.c[repository.primary_key(tbl)].type.python_type
        while True:
            async with session_scope() as session:
                state = await _progress(session, tbl.name, key_id)
                report.rewritten[tbl.name] = state.rewritten
                if state.done:
                    break
                after = python_type(state.last_key) if state.last_key is not None else None
                step = await _rotate_batch(session, tbl, columns, after)
                state.updated_at = clock.now()
                if step is None:
                    state.done = True
                else:
                    state.last_key = str(step[0])
                    state.rewritten += step[1]
                report.rewritten[tbl.name] = state.rewritten
            if step is None:
                break
            if on_batch is not None:
                await on_batch(tbl.name, step[2])
    async with session_scope() as session:
        await audit.record(
            session,
            actor="cli",
            action="keys.rotated",
            target_type="field_key",
            target_id=key_id,
            detail={"rewritten": report.rewritten},
        )
    return report


async def under_old_keys(session: AsyncSession) -> dict[str, int]:
    """Return, per table, how many rows still hold a field under a key other than the current
    one (empty: the retired keys may go)."""
    cipher = get_cipher()
    left: dict[str, int] = {}
    for tbl, columns in encrypted_tables():
        count, after = 0, None
        while rows := await _raw_batch(session, tbl, columns, after):
            count += sum(
                any(b is not None and not cipher.is_current(bytes(b)) for b in _blobs(row))
                for row in rows
            )
            after = rows[-1][0]
        if count:
            left[tbl.name] = count
    return left


async def rows_total(session: AsyncSession, tbl: Table) -> int:
    """Return how many rows `tbl` has (for progress bars)."""
    return int(await session.scalar(select(func.count()).select_from(tbl)) or 0)
