"""Background work of the SLA clock, each run in its own unit of work."""

from __future__ import annotations

from linli.cases.sla import service
from linli.core.database import session_scope


async def sweep_overdue() -> int:
    """Warn about near deadlines, then flag and escalate the cases past theirs.

    Returns how many cases escalated.
    """
    async with session_scope() as session:
        await service.warn_upcoming(session)
        return len(await service.escalate_overdue(session))
