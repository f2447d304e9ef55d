"""CPU-heavy work (fitting a model) run apart from a serving process: in a child process at the
lowest CPU priority.

A thread is not enough there: Python code in it holds the interpreter lock against the event
loop, and native code in it (scikit-learn fits every class on every core) takes the cores that
requests and the database need. On a small machine that made a running server refuse requests
with 429 for minutes while a model was fitted. A child at `nice` 19 gets only the CPU nobody
else wants, and the parent's event loop merely waits for its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

R = TypeVar("R")

LOWEST_PRIORITY = 19


def _child(out: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with contextlib.suppress(OSError):
        os.nice(LOWEST_PRIORITY)
    try:
        result: tuple[bool, Any] = (True, fn(*args))
    except BaseException as err:  # handed to the parent, which raises it
        result = (False, err)
    out.send(result)
    out.close()


async def run_apart(fn: Callable[..., R], *args: Any) -> R:
    """Return `fn(*args)` computed in a child process at the lowest CPU priority (`fn`, its
    arguments and its result must pickle); its exception is raised here. Cancelling the wait
    ends the child."""
    context = multiprocessing.get_context("spawn")  # nothing of this process's threads
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, args), daemon=True)
    await asyncio.to_thread(child.start)
    send.close()  # the child holds its own end: a child that dies ends `recv` with EOFError
    try:
        try:
            ok, result = await asyncio.to_thread(receive.recv)
        except EOFError as err:
            name = getattr(fn, "__name__", "work")
            raise RuntimeError(f"the child process ended without an answer ({name})") from err
    finally:
        if child.is_alive():
            child.terminate()
        await asyncio.to_thread(child.join)
        receive.close()
    if not ok:
        raise result
    return result  # type: ignore[no-any-return]
