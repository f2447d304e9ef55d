"""Rules' periodic work: the absence sweep, one unit of work per run."""

from __future__ import annotations

from linli.core.database import session_scope
from linli.rules import service

ABSENCE_SWEEP_SECONDS = 60.0


async def sweep_absence() -> int:
    """Run the absence sweep in its own transaction; return how many alarms changed."""
    async with session_scope() as session:
        return len(await service.sweep_absence(session))
