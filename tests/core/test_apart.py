"""Heavy work run apart from a serving process: in a child at the lowest CPU priority, whose
answer or failure comes back to the caller."""

from __future__ import annotations

import os

import pytest

from linli.core.apart import LOWEST_PRIORITY, run_apart


async def test_work_runs_in_a_child_at_the_lowest_priority_and_its_failure_comes_back() -> None:
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert await run_apart(os.getpriority, os.PRIO_PROCESS, 0) == LOWEST_PRIORITY
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine, "the serving process keeps its priority"
    with pytest.raises(OSError):
        await run_apart(os.getpriority, os.PRIO_PROCESS, 2**22 + 1)  # no such process
