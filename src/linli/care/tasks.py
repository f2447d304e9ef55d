"""Care's periodic work, each run in its own transaction: one evaluation cycle (due monitors and
chain steps), and sending the queued texts."""

from __future__ import annotations

from linli.care import monitoring
from linli.core.database import session_scope

EVALUATE_SECONDS = 30.0
SEND_SECONDS = 30.0


async def evaluate_care() -> int:
    """Run one evaluation cycle; return how many monitors fired and steps moved."""
    async with session_scope() as session:
        return await monitoring.evaluate(session)


async def send_care_texts() -> int:
    """Send the queued texts to people in care and their contacts."""
    async with session_scope() as session:
        return await monitoring.send_queued(session)
