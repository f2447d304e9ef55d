"""The append-only, hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
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


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    org_path: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # One writer at a time extends the chain; the lock ends with the transaction.
        await session.execute(text("SELECT pg_advisory_xact_lock(7405210)"))
    last = (
        await session.execute(
            select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
        )
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = clock.now()
    detail = detail or {}
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        org_path=org_path,
        detail=detail,
        prev_hash=prev,
        hash=entry_hash(prev, seq, at, actor, action, target_type, target_id, org_path, detail),
    )
    session.add(entry)
    await session.flush()
    return entry


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
