"""The scheduler behind `linli serve`: periodic tasks survive failures, workers stop cleanly."""

from __future__ import annotations

import asyncio

from linli.runtime.extensions import periodic_tasks
from linli.runtime.scheduler import PeriodicTask, Scheduler, Worker


async def test_a_failing_run_is_retried_and_workers_end_on_stop() -> None:
    runs: list[int] = []
    third = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        if len(runs) == 3:
            third.set()

    stopped = asyncio.Event()

    async def worker(stop: asyncio.Event) -> None:
        await stop.wait()
        stopped.set()

    scheduler = Scheduler([PeriodicTask("flaky", lambda: 0.0, flaky)], [Worker("w", worker)])
    scheduler.start()
    await asyncio.wait_for(third.wait(), timeout=5)
    await scheduler.stop()
    assert len(runs) >= 3
    assert stopped.is_set(), "the worker saw the stop signal and finished its own way"


def test_the_sla_sweep_and_command_timeouts_are_registered() -> None:
    names = {task.name for task in periodic_tasks()}
    assert {"cases.sweep_overdue", "iot.expire_commands"} <= names
