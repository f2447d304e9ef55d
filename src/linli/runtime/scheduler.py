"""Periodic background work (SLA sweeps and the like) registered by the extensions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    """Run `run()` every `seconds`; each run owns its unit of work."""

    name: str
    seconds: Callable[[], float]
    run: Callable[[], Awaitable[object]]


class Scheduler:
    """Run periodic tasks until stopped; one failing run is logged and retried next period."""

    def __init__(self, tasks: list[PeriodicTask]) -> None:
        self._tasks = tasks
        self._running: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start one loop per task."""
        self._running = [asyncio.create_task(self._loop(t), name=t.name) for t in self._tasks]

    async def stop(self) -> None:
        """Cancel every loop and wait for it to end."""
        for task in self._running:
            task.cancel()
        for task in self._running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._running = []

    async def _loop(self, task: PeriodicTask) -> None:
        while True:
            try:
                await task.run()
            except Exception:
                log.exception("periodic task %s failed", task.name)
            await asyncio.sleep(task.seconds())
