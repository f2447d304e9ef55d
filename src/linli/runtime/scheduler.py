"""Periodic background work (SLA sweeps and the like) registered by the extensions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    """Run `run()` every `seconds`; each run owns its unit of work."""

    name: str
    seconds: Callable[[], float]
    run: Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Worker:
    """A long-running loop (e.g. the MQTT listener) that ends when `stop` is set.

    `role` names the process role that runs it (`linli.runtime.roles`): `worker` for consumers
    of the event log, `ingest` for device listeners.
    """

    name: str
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
    role: str = "worker"


class Scheduler:
    """Run periodic tasks and workers until stopped; a failing run is logged and retried."""

    def __init__(self, tasks: list[PeriodicTask], workers: list[Worker] | None = None) -> None:
        self._tasks = tasks
        self._workers = workers or []
        self._stop = asyncio.Event()
        self._running: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start one loop per task and every worker."""
        self._running = [asyncio.create_task(self._loop(t), name=t.name) for t in self._tasks]
        self._running += [
            asyncio.create_task(w.run(self._stop), name=w.name) for w in self._workers
        ]

    async def stop(self, *, grace: float = 5.0) -> None:
        """Ask the workers to finish (within `grace` seconds), cancel the rest, wait for all."""
        self._stop.set()
        workers = self._running[len(self._tasks) :]
        if workers:
            await asyncio.wait(workers, timeout=grace)
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
