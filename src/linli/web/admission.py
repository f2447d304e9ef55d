"""Admission control: per workload class, a bound on requests in flight and on those waiting.

Each class of a process (`linli.core.database.Workload`: `api` for pages, the JSON API and SSE,
`ingest` for device ingest) has its own connection budget. A request holds one slot of its
class while its unit of work runs: from its dependencies to the end of its endpoint, not while
its response streams (an SSE stream or a CSV export reads in short units of work of its own).
With every slot taken a request waits its turn, but only if fewer than `LINLI_ADMISSION_QUEUE`
requests per slot wait already and it should get a slot within `LINLI_ADMISSION_WAIT` seconds;
otherwise it is answered 429 (problem+json, `Retry-After`) at once. Devices resend and browsers
retry, instead of every request of the process queueing without bound behind the busiest class.
Health routes are never refused.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator

from fastapi import Request

from linli.core import database
from linli.core.database import Workload, use_workload
from linli.core.errors import TooManyRequests
from linli.core.settings import get_settings
from linli.runtime import roles
from linli.runtime.roles import Role

log = logging.getLogger(__name__)
# Saturation is logged at most once per this many seconds per class, with the count refused.
LOG_SECONDS = 60.0
# Waits are predicted from the latest holds of a slot: their mean, leaving out the slowest
# eighth. One slow request (the first after start, one that loaded a model, one stalled while
# the machine was busy) would otherwise count for several seconds in every prediction after
# it, and the gate would refuse a burst of quick requests that a moment's wait would serve.
HOLDS_KEPT = 32
NEVER_REFUSED = frozenset({"health"})


class Saturated(TooManyRequests):
    """A class's slots and waiting line are full: try again after `retry_after` seconds."""

    code = "server_busy"
    title = "Server busy"


class Gate:
    """The slots of one workload class and the line of requests waiting for one (first come,
    first served)."""

    def __init__(self, name: str, *, slots: int, queue: int, wait: float) -> None:
        self.name, self.slots, self.queue, self.wait = name, slots, queue, wait
        self.in_flight = 0
        self._holds: deque[float] = deque(maxlen=HOLDS_KEPT)  # seconds, the latest last
        self.refused = 0  # since saturation was last logged
        self._line: deque[asyncio.Future[None]] = deque()
        self._logged_at: float | None = None

    @property
    def waiting(self) -> int:
        """Return how many requests wait for a slot."""
        return len(self._line)

    @property
    def typical_hold(self) -> float:
        """Return the seconds a slot is typically held: the mean of the latest holds, the
        slowest eighth of them left out."""
        if not self._holds:
            return 0.0
        kept = sorted(self._holds)[: len(self._holds) - len(self._holds) // 8]
        return sum(kept) / len(kept)

    def expected_wait(self) -> float:
        """Return the seconds a request arriving now should wait for a slot."""
        if self.in_flight < self.slots:
            return 0.0
        return (self.waiting + 1) * self.typical_hold / self.slots

    async def enter(self) -> None:
        """Take a slot, waiting in line if there is room; raise Saturated if there is not."""
        if self.in_flight < self.slots and not self.waiting:
            self.in_flight += 1
            return
        if self.waiting >= self.queue or self.expected_wait() > self.wait:
            self._refuse()
        turn = asyncio.get_running_loop().create_future()
        self._line.append(turn)
        try:
            async with asyncio.timeout(self.wait):
                await turn
        except BaseException as err:
            if turn.done() and not turn.cancelled():
                self._hand_on()  # the slot came just as the wait ended: pass it on
            elif turn in self._line:
                self._line.remove(turn)  # (`_hand_on` drops a turn cancelled while in line)
            if isinstance(err, TimeoutError):
                self._refuse()
            raise

    def leave(self, held: float) -> None:
        """Give back a slot held for `held` seconds."""
        self._holds.append(held)
        self._hand_on()

    def _hand_on(self) -> None:
        # The slot passes straight to the next in line. A wait that just timed out is cancelled
        # before its request wakes up to leave the line: skip it, it takes no slot.
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.in_flight -= 1

    def _refuse(self) -> None:
        self.refused += 1
        now = time.monotonic()
        if self._logged_at is None or now - self._logged_at >= LOG_SECONDS:
            log.warning(
                "%s requests saturated: %d refused since last said (%d of %d slots, %d waiting)",
                self.name,
                self.refused,
                self.in_flight,
                self.slots,
                self.waiting,
            )
            self._logged_at, self.refused = now, 0
        retry = max(1, math.ceil(max(self.expected_wait(), self.typical_hold)))
        raise Saturated(
            f"the server has too much {self.name} work in hand; try again shortly",
            retry_after=retry,
        )


class Admission:
    """The app's first dependency: pick the request's workload class from its route, take a
    slot of that class (or refuse), and have the request's units of work use its connections."""

    def __init__(self, role: Role) -> None:
        self.role = role
        self.gates: dict[Workload, Gate] = {}

    def gate(self, workload: Workload) -> Gate:
        """Return the gate of `workload`, sized from its connection budget."""
        found = self.gates.get(workload)
        if found is None:
            settings = get_settings()
            slots = database.budget(workload)
            found = Gate(
                str(workload),
                slots=slots,
                queue=settings.admission_queue * slots,
                wait=settings.admission_wait,
            )
            self.gates[workload] = found
        return found

    async def __call__(self, request: Request) -> AsyncIterator[None]:
        route = request.scope.get("route")
        tags = {str(t) for t in getattr(route, "tags", None) or ()}
        workload = roles.http_workload(self.role, tags)
        if tags & NEVER_REFUSED:
            with use_workload(workload):
                yield
            return
        gate = self.gate(workload)
        await gate.enter()
        started = time.monotonic()
        try:
            with use_workload(workload):
                yield
        finally:
            gate.leave(time.monotonic() - started)
