"""Background work of the case core, each run in its own unit of work."""

from __future__ import annotations

from linli.cases import service
from linli.core.database import session_scope


async def sweep_overdue() -> int:
    """Flag and escalate the cases past their step deadline; return how many escalated."""
    async with session_scope() as session:
        return len(await service.escalate_overdue(session))
