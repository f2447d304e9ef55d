"""Background work of notices, each run in its own unit of work."""

from __future__ import annotations

from linli.core.database import session_scope
from linli.residents.notices import service

PUBLISH_SECONDS = 60.0


async def publish_due_notices() -> int:
    """Publish the scheduled notices whose time has come; return how many."""
    async with session_scope() as session:
        return len(await service.publish_due(session))
