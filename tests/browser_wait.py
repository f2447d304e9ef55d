"""Waiting on a condition in a page under a strict CSP.

`page.wait_for_function` compiles its predicate with `eval` inside the page, which the pages'
Content-Security-Policy (no 'unsafe-eval') forbids; `page.evaluate` goes through the DevTools
protocol instead, which CSP does not govern.
"""

from __future__ import annotations

import time
from typing import Any

POLL_MS = 50


def wait_until(page: Any, predicate: str, arg: Any = None, *, timeout: int = 5000) -> None:
    """Poll the JS function `predicate(arg)` in `page` until it is truthy (or fail at timeout)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {predicate}")
        page.wait_for_timeout(POLL_MS)  # lets the page run between polls
