"""How a process keeps its NATS connection: growing waits between attempts and one warning line
per attempt while NATS is down, never a traceback.

The NATS client's own defaults log every failed attempt with a full traceback and retry at a
fixed pace. `Reconnection` replaces both: the first connection is attempted by
`connect_with_backoff` (its sleep injectable, so tests need not wait), and once connected the
client's reconnects ask `next_server` how long to wait, which says so in the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Server
from nats.errors import NoServersError

log = logging.getLogger("linli.core.natsbus")

FIRST_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts: `first`, doubled after every failure, at most `cap`."""

    first: float = FIRST_WAIT_SECONDS
    cap: float = MAX_WAIT_SECONDS

    def delay(self, failures: int) -> float:
        """Return the wait after the `failures`-th failure in a row (1 for the first)."""
        return min(self.cap, self.first * 2.0 ** max(0, failures - 1))


def describe(err: BaseException) -> str:
    """Say what went wrong in a few words (the client's errors often have no message)."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


@dataclass
class Reconnection:
    """The connection policy of one NATS client, as callbacks for `nats.connect`."""

    url: str
    backoff: Backoff = field(default_factory=Backoff)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    last_error: str = "not connected yet"
    closing: bool = False  # set when the process closes the connection itself

    async def connect_with_backoff(
        self, connect: Callable[[], Awaitable[None]], *, closed: Callable[[], bool]
    ) -> bool:
        """Call `connect` until it succeeds (True) or `closed()` holds (False), waiting longer
        after each failure and logging one line for it."""
        failures = 0
        while not closed():
            try:
                await connect()
                return True
            except Exception as err:
                failures += 1
                wait = self.backoff.delay(failures)
                # "no servers available" only says the client gave up; the cause came before.
                cause = self.last_error if isinstance(err, NoServersError) else describe(err)
                log.warning(
                    "NATS at %s unavailable (%s); attempt %d failed, next in %.0f s",
                    self.url, cause, failures, wait,
                )  # fmt: skip
                await self.sleep(wait)
        return False

    async def on_error(self, err: Exception) -> None:
        """Remember the client's error for the next line; say nothing more (no traceback)."""
        self.last_error = describe(err)
        log.debug("NATS at %s: %s", self.url, self.last_error)

    async def on_disconnected(self) -> None:
        if not self.closing:
            log.warning("NATS at %s disconnected; reconnecting", self.url)

    async def on_reconnected(self) -> None:
        log.warning("NATS at %s reconnected", self.url)

    def next_server(
        self, servers: list[Server], info: dict[str, Any]
    ) -> tuple[Server | None, float]:
        """Choose where the client reconnects and how long it waits first (a wait that grows
        with the failures in a row)."""
        server = min(servers, key=lambda s: s.reconnects)
        if server.reconnects == 0:
            return server, 0.0
        wait = self.backoff.delay(server.reconnects)
        log.warning(
            "NATS at %s unavailable (%s); reconnect attempt %d failed, next in %.0f s",
            self.url, self.last_error, server.reconnects, wait,
        )  # fmt: skip
        return server, wait
