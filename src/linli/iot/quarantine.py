"""Quarantine: refused ingest input kept for operators to inspect, bounded in age and size.

Every refusal — a whole message (bad JSON, unknown device, wrong credentials, too large) or one
item of a batch (out of range, timestamp outside the window…) — is counted in this process (for
`linli.iot.metrics`) and kept here with its channel, reason and the raw payload cut to
`MAX_RAW` characters. Rows of a known device carry its org path and are scoped by it; rows of
an unknown device carry none and only admins see them. Valid items of the same batch are
stored as usual: quarantine never holds back what was good.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.iot.models import Device, QuarantinedInput
from linli.iot.schemas import Rejection
from linli.security.permissions import Principal

CHANNELS = ("http", "mqtt")
MAX_RAW = 2048  # characters of the raw payload kept
MAX_ITEMS_PER_BATCH = 100  # rejected items kept per message; the rest are only counted
RETENTION = timedelta(days=14)
MAX_ROWS = 100_000
ORDER = newest_first(QuarantinedInput.received_at, QuarantinedInput.id)  # the list's order

_rejections: Counter[tuple[str, str]] = Counter()


def count_rejection(channel: str, reason: str, n: int = 1) -> None:
    """Count `n` refused inputs of `channel` ("http"/"mqtt") for `reason`."""
    _rejections[(channel, reason)] += n


def rejections() -> dict[tuple[str, str], int]:
    """Return the refusals counted in this process, by (channel, reason)."""
    return dict(_rejections)


def reset_rejections() -> None:
    """Start counting refusals from zero (tests)."""
    _rejections.clear()


def _text(raw: bytes | str | object) -> str:
    if isinstance(raw, bytes):
        text = raw[: MAX_RAW * 4].decode("utf-8", errors="replace")
    elif isinstance(raw, str):
        text = raw
    else:
        try:
            text = json.dumps(raw, separators=(",", ":"), ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(raw)
    return text[:MAX_RAW]


def record(
    session: AsyncSession,
    *,
    channel: str,
    reason: str,
    detail: str = "",
    raw: bytes | str | object = b"",
    device: Device | None = None,
    device_code: str | None = None,
) -> None:
    """Count a refused input and keep it in quarantine (with the session's unit of work)."""
    count_rejection(channel, reason)
    code = device.code if device is not None else device_code
    session.add(
        QuarantinedInput(
            channel=channel,
            device_code=code[:64] if code else None,
            org_path=device.org_path if device is not None else None,
            reason=reason[:32],
            detail=detail[:300],
            raw=_text(raw),
            received_at=clock.now(),
        )
    )


def record_rejections(
    session: AsyncSession,
    *,
    channel: str,
    device: Device,
    items: Sequence[object],
    rejected: Sequence[Rejection],
) -> None:
    """Quarantine the rejected items of a batch (the first `MAX_ITEMS_PER_BATCH`; all counted)."""
    for n, rejection in enumerate(rejected):
        if n >= MAX_ITEMS_PER_BATCH:
            count_rejection(channel, rejection.code)
            continue
        raw = items[rejection.index] if 0 <= rejection.index < len(items) else None
        record(
            session,
            channel=channel,
            reason=rejection.code,
            detail=rejection.reason,
            raw=raw,
            device=device,
        )


def sees_unplaced(principal: Principal | None) -> bool:
    """Tell whether the principal may see rows of unknown devices (admins only)."""
    return principal is None or any(g.role == "admin" for g in principal.grants)


def _visible(principal: Principal | None) -> ColumnElement[bool]:
    if principal is None:
        return true()
    placed = principal.scope("devices:read", QuarantinedInput.org_path)
    if sees_unplaced(principal):
        return or_(placed, QuarantinedInput.org_path.is_(None))
    return placed


def _query(
    principal: Principal | None,
    *,
    channel: str | None,
    reason: str | None,
    device_code: str | None,
) -> Select[QuarantinedInput]:
    if channel is not None and channel not in CHANNELS:
        raise ValidationFailed(f"channel must be one of {', '.join(CHANNELS)}", code="bad_channel")
    where = [_visible(principal)]
    if channel is not None:
        where.append(QuarantinedInput.channel == channel)
    if reason is not None:
        where.append(QuarantinedInput.reason == reason)
    if device_code is not None:
        where.append(QuarantinedInput.device_code == device_code)
    return select(QuarantinedInput).where(and_(*where))


async def list_quarantine(
    session: AsyncSession,
    *,
    principal: Principal | None,
    channel: str | None = None,
    reason: str | None = None,
    device_code: str | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[QuarantinedInput]:
    """Return a page of the quarantined inputs the principal may see, newest first."""
    stmt = _query(principal, channel=channel, reason=reason, device_code=device_code)
    return await keyset_page(session, stmt, ORDER, paging)


async def counts(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Return the number of quarantined rows by (channel, reason)."""
    stmt = select(QuarantinedInput.channel, QuarantinedInput.reason, func.count()).group_by(
        QuarantinedInput.channel, QuarantinedInput.reason
    )
    return {(c, r): int(n) for c, r, n in await session.execute(stmt)}


async def purge(session: AsyncSession, *, before: datetime | None = None) -> int:
    """Delete quarantined rows received before `before` (all of them if None); return how many."""
    stmt = delete(QuarantinedInput)
    if before is not None:
        stmt = stmt.where(QuarantinedInput.received_at < before)
    result = await session.execute(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def apply_retention(
    session: AsyncSession, *, keep: timedelta = RETENTION, max_rows: int = MAX_ROWS
) -> int:
    """Drop rows older than `keep`, then the oldest beyond `max_rows`; return how many."""
    dropped = await purge(session, before=clock.now() - keep)
    total = int(await session.scalar(select(func.count()).select_from(QuarantinedInput)) or 0)
    if total > max_rows:
        beyond = (
            select(QuarantinedInput.id)
            .order_by(QuarantinedInput.received_at.desc(), QuarantinedInput.id.desc())
            .offset(max_rows)
        )
        result = await session.execute(
            delete(QuarantinedInput).where(QuarantinedInput.id.in_(beyond.scalar_subquery()))
        )
        dropped += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return dropped
