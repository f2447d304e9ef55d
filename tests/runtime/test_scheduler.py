"""The scheduler behind `linli serve`: periodic tasks survive failures (and come back soon when
the database was busy), workers stop cleanly, each uses its own connection class."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from linli.core.database import Workload, current_workload
from linli.runtime.extensions import periodic_tasks
from linli.runtime.scheduler import BUSY_RETRY_SECONDS, PeriodicTask, Scheduler, Worker, run_task


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


async def test_tasks_and_workers_use_their_own_connection_classes() -> None:
    seen: dict[str, Workload] = {}
    done = asyncio.Event()

    async def task() -> None:
        seen["task"] = current_workload()

    def worker(name: str) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
        async def run(stop: asyncio.Event) -> None:
            seen[name] = current_workload()
            if len(seen) == 3:
                done.set()
            await stop.wait()

        return run

    scheduler = Scheduler(
        [PeriodicTask("t", lambda: 3600.0, task)],
        [Worker("listener", worker("listener"), role="ingest"), Worker("w", worker("w"))],
    )
    scheduler.start()
    await asyncio.wait_for(done.wait(), timeout=5)
    await scheduler.stop()
    assert seen == {
        "task": Workload.BACKGROUND,
        "listener": Workload.INGEST,
        "w": Workload.BACKGROUND,
    }
    assert current_workload() is Workload.API, "the caller's own class is left alone"


async def test_a_run_that_finds_the_database_busy_is_retried_soon_without_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def busy() -> None:
        raise PoolTimeout("no connection of the class came free in time")

    task = PeriodicTask("hourly", lambda: 3600.0, busy)
    assert await run_task(task) == BUSY_RETRY_SECONDS
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
