"""Where an event-log consumer has read up to: one row per consumer, locked while it reads.

The consumer moves its cursor in the same transaction as what it makes of the events, so each
logged event is handled exactly once, even after a crash or with rival workers.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.rules.notifications.models import DispatchCursor


async def locked_cursor(session: AsyncSession, name: str) -> DispatchCursor:
    """Return the consumer's cursor row (made at 0 the first time), locked until commit."""
    stmt = select(DispatchCursor).where(DispatchCursor.name == name).with_for_update()
    cursor = await session.scalar(stmt)
    if cursor is not None:
        return cursor
    try:
        async with session.begin_nested():
            session.add(DispatchCursor(name=name, seq=0))
    except IntegrityError:
        pass  # another consumer made it first
    cursor = await session.scalar(stmt.execution_options(populate_existing=True))
    assert cursor is not None
    return cursor
