"""The messaging worker: tells followed cases' news and sends the queued replies, woken by case
events, else every `poll_seconds` (a webhook's replies wait at most that long)."""

from __future__ import annotations

import asyncio

from linli.residents.messaging import case_news, outbound
from linli.residents.messaging.config import get_messaging_settings
from linli.rules.notifications import service as notify


async def run_once() -> tuple[int, int]:
    """Queue the news of new case events, then send what is due; return both counts."""
    read = await notify.drain(case_news.tell_case_news, case_news.BATCH)
    return read, await outbound.send_due()


async def run_worker(stop: asyncio.Event) -> None:
    """Tell and send until `stop` is set."""

    async def once() -> None:
        await run_once()

    await notify.follow(
        stop, ("case.changed",), once, poll_seconds=get_messaging_settings().poll_seconds,
        what="messaging replies",
    )  # fmt: skip
