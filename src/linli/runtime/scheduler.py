"""Periodic background work (SLA sweeps and the like) registered by the extensions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from linli.core.database import Workload, is_busy, use_workload

log = logging.getLogger(__name__)
# A run that found the database busy (a lock or a connection not granted in time) gave up
# without waiting in line; it is tried again this soon, or at its next round if sooner.
BUSY_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class PeriodicTask:
    """Run `run()` every `seconds` (the first time `first_after` seconds after start); each
    run owns its units of work, which use the `background` connections.

    Maintenance that walks every device (retention, compaction) waits a while after start, so
    a fresh server answers its first devices and users before it tidies up.
    """

    name: str
    seconds: Callable[[], float]
    run: Callable[[], Awaitable[object]]
    first_after: float = 0.0


@dataclass(frozen=True)
class Worker:
    """A long-running loop (e.g. the MQTT listener) that ends when `stop` is set.

    `role` names the process role that runs it (`linli.runtime.roles`): `worker` for consumers
    of the event log (their units of work use the `background` connections), `ingest` for
    device listeners (the `ingest` connections).
    """

    name: str
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
    role: str = "worker"

    @property
    def workload(self) -> Workload:
        """Return the connection class of the worker's units of work."""
        return Workload.INGEST if self.role == "ingest" else Workload.BACKGROUND


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
        self._running += [asyncio.create_task(self._work(w), name=w.name) for w in self._workers]

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

    async def _work(self, worker: Worker) -> None:
        with use_workload(worker.workload):  # the tasks it starts inherit the class
            await worker.run(self._stop)

    async def _loop(self, task: PeriodicTask) -> None:
        with use_workload(Workload.BACKGROUND):
            if task.first_after > 0:
                await asyncio.sleep(task.first_after)
            while True:
                pause = await run_task(task)
                await asyncio.sleep(pause)


async def run_task(task: PeriodicTask) -> float:
    """Run `task` once; return the seconds until its next run (sooner if the database was busy).

    A busy database is not a failure: the run gave up rather than queue behind (or in front
    of) ingest, and nothing it did was committed.
    """
    try:
        await task.run()
    except Exception as err:
        if not is_busy(err):
            log.exception("periodic task %s failed", task.name)
            return task.seconds()
        log.info("periodic task %s found the database busy; trying again later", task.name)
        return min(task.seconds(), BUSY_RETRY_SECONDS)
    return task.seconds()
