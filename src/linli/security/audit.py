"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from linli.core import clock
from linli.core.eventlog import ADVISORY_LOCK_KEY
from linli.security.models import AuditEntry

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    org_path: str | None,
    detail: dict[str, Any],
) -> str:
    """Return the chain hash of one entry given the previous entry's hash."""
    canonical = json.dumps(
        [
            seq,
            clock.as_utc(at).isoformat(),
            actor,
            action,
            target_type,
            target_id,
            org_path,
            detail,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


_PENDING = "linli_audit_pending"


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    org_path: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Queue one entry to join the chain when the caller's transaction commits.

    The entry is chained (numbered and hashed after the newest entry) in the commit itself, so
    the chain's lock is held only from that moment to the commit, never while the transaction
    waits for rows or does its work: audited writes do not queue behind one another.
    """
    sync = session.sync_session
    # Kept with the innermost transaction: a savepoint rolled back takes its entries with it.
    transaction = sync.get_nested_transaction() or sync.get_transaction()
    sync.info.setdefault(_PENDING, []).append(
        (
            transaction,
            {
                "at": clock.now(),
                "actor": actor,
                "action": action,
                "target_type": target_type,
                "target_id": target_id,
                "org_path": org_path,
                "detail": detail or {},
            },
        )
    )


@sa_event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    pending: list[tuple[Any, dict[str, Any]]] = session.info.pop(_PENDING)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # One commit at a time extends the chain; the lock ends with the transaction. It is the
        # event log's lock, so a commit writing both takes one lock, in one order.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    for _, fields in pending:
        seq += 1
        digest = entry_hash(prev, seq, **fields)
        session.add(AuditEntry(seq=seq, prev_hash=prev, hash=digest, **fields))
        prev = digest
    session.flush()


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending and previous.parent is None:
        pending.clear()
    elif pending:
        pending[:] = [(t, f) for t, f in pending if not _within(t, previous)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    broken_at: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def verify_chain(session: AsyncSession, *, batch: int = 5000) -> ChainReport:
    """Recompute every link of the chain and report the first that does not match."""
    prev, expected_seq, checked = GENESIS, 1, 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.seq >= expected_seq)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return ChainReport(checked, None, None)
        for e in rows:
            if e.seq != expected_seq:
                return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing")
            if e.prev_hash != prev:
                return ChainReport(checked, e.seq, "link to the previous entry is broken")
            recomputed = entry_hash(
                prev,
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.target_type,
                e.target_id,
                e.org_path,
                e.detail,
            )
            if recomputed != e.hash:
                return ChainReport(checked, e.seq, "entry content does not match its hash")
            prev, expected_seq, checked = e.hash, e.seq + 1, checked + 1
