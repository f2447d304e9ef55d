"""The NATS JetStream bus: events cross processes, and the relay fills what an outage dropped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import ClassVar

import nats
import pytest
from nats.js.errors import NotFoundError

from linli.core import eventlog, events
from linli.core.database import session_scope
from linli.core.events import Event
from linli.core.natsbus import NatsBus, event_from_envelope, nats_filter, relay_once

NATS_URL = os.environ.get("LINLI_TEST_NATS_URL", "nats://127.0.0.1:4222")


class Pinged(Event):
    subject: ClassVar[str] = "test.pinged"
    note: str


def _nats_up() -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 4222)) == 0


def ensure_nats() -> str:
    """Return the test NATS URL, starting a local JetStream server like scripts/services.sh."""
    if _nats_up():
        return NATS_URL
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not os.path.exists(binary):
        pytest.skip("nats-server is not installed (scripts/services.sh installs it)")
    os.makedirs("/var/lib/nats-server", exist_ok=True)
    subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", "4222", "-js", "-sd", "/var/lib/nats-server"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        if _nats_up():
            return NATS_URL
        time.sleep(0.1)  # waiting for the server to listen, not for time to pass
    pytest.fail("nats-server did not come up on 127.0.0.1:4222")


async def until(check: Callable[[], bool], *, within: float = 15.0) -> None:
    """Poll `check` until it holds, failing after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if check():
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"still not true after {within} s")
        await asyncio.sleep(0.02)


@pytest.fixture
async def new_bus() -> AsyncIterator[Callable[[], Awaitable[NatsBus]]]:
    """Make started buses on a stream of the test's own, each with its own connection (as in
    its own process); the stream is deleted afterwards."""
    url = ensure_nats()
    stream = f"LINLI_T{uuid.uuid4().hex[:12].upper()}"
    made: list[NatsBus] = []

    async def make() -> NatsBus:
        bus = NatsBus(url, stream=stream)
        await bus.start()
        assert bus.connected
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.close()
    nc = await nats.connect(url)
    with contextlib.suppress(NotFoundError):
        await nc.jetstream().delete_stream(stream)
    await nc.close()


@pytest.fixture
def process_bus() -> Iterator[Callable[[events.EventBus], None]]:
    """Install a bus as this process's bus for the test."""
    previous = events.get_bus()

    def install(bus: events.EventBus) -> None:
        events.install_bus(bus)

    yield install
    events.install_bus(previous)


async def commit(*notes: str) -> list[uuid.UUID]:
    """Record one event per note in one unit of work; return their ids."""
    pinged = [Pinged(org_path="/D/", note=note) for note in notes]
    async with session_scope() as session:
        for event in pinged:
            events.record(session, event)
    return [event.id for event in pinged]


def test_envelopes_come_back_as_events_and_patterns_become_nats_filters() -> None:
    event = Pinged(org_path="/D/", note="hello", seq=7)
    again = event_from_envelope(event.envelope())
    assert again.subject == "test.pinged" and again.envelope() == event.envelope()
    assert nats_filter("linli", "case.changed") == "linli.case.changed"
    assert nats_filter("linli", "alarm.*") == "linli.alarm.>"
    assert nats_filter("linli", "*") == "linli.>"
    assert nats_filter("linli", "a?c.*") == "linli.>"


async def test_an_event_committed_in_one_process_reaches_a_subscriber_in_another(
    db: str, new_bus: Callable[[], Awaitable[NatsBus]], process_bus: Callable[[NatsBus], None]
) -> None:
    here, there = await new_bus(), await new_bus()
    process_bus(here)
    received: list[Event] = []

    async def on_ping(event: Event) -> None:
        received.append(event)

    there.subscribe("test.*", on_ping)
    (ping_id,) = await commit("from A")
    await until(lambda: len(received) == 1)

    (got,) = received
    async with session_scope() as session:
        (logged,) = await eventlog.read_after(session, 0, patterns=("test.*",))
    assert got.id == ping_id and got.subject == "test.pinged"
    assert got.seq == logged.seq and got.envelope()["note"] == "from A"


async def test_the_relay_delivers_what_an_outage_dropped_exactly_once(
    db: str, new_bus: Callable[[], Awaitable[NatsBus]], process_bus: Callable[[NatsBus], None]
) -> None:
    sender, consumer = await new_bus(), await new_bus()
    process_bus(sender)
    assert await relay_once(sender) == 0  # the relay's cursor starts at the log's head
    deliveries: Counter[uuid.UUID] = Counter()
    handled: list[str] = []  # what a consumer that de-duplicates by event id acts on

    async def on_ping(event: Event) -> None:
        deliveries[event.id] += 1
        if deliveries[event.id] == 1:
            handled.append(event.envelope()["note"])

    consumer.subscribe("test.*", on_ping)
    await sender.close()  # the outage: this process loses NATS
    missed = await commit("one", "two")
    missed += await commit("three")
    assert sender.dropped == 3 and not deliveries

    back = await new_bus()  # NATS is back (a new connection, as after a restart)
    process_bus(back)
    assert await relay_once(back) == 3
    await until(lambda: len(handled) == 3)
    assert handled == ["one", "two", "three"]

    # Published directly and then relayed again: JetStream keeps one copy.
    (direct,) = await commit("direct")
    await until(lambda: deliveries[direct] == 1)
    (marker,) = await commit("marker")
    assert await relay_once(back) == 2
    await until(lambda: deliveries[marker] >= 1)

    restarted = await new_bus()  # a relay restart resumes after its cursor: nothing twice
    assert await relay_once(restarted) == 0
    (last,) = await commit("last")
    await until(lambda: deliveries[last] == 1)
    assert all(deliveries[i] == 1 for i in [*missed, direct, marker])
    assert handled == ["one", "two", "three", "direct", "marker", "last"]


async def test_a_work_queue_shares_events_among_processes_and_retries_failures(
    db: str, new_bus: Callable[[], Awaitable[NatsBus]], process_bus: Callable[[NatsBus], None]
) -> None:
    producer, first, second = await new_bus(), await new_bus(), await new_bus()
    process_bus(producer)
    done: Counter[str] = Counter()
    by_worker: Counter[str] = Counter()
    failed_once: set[str] = set()

    def worker(name: str) -> events.Handler:
        async def handle(event: Event) -> None:
            note = str(event.envelope()["note"])
            if note.endswith("!") and note not in failed_once:
                failed_once.add(note)
                raise RuntimeError("the first attempt fails")
            done[note] += 1
            by_worker[name] += 1

        return handle

    first.consume("pings", "test.*", worker("first"))
    second.consume("pings", "test.*", worker("second"))
    notes = [f"job {i}" for i in range(20)] + ["flaky!"]
    await commit(*notes)
    await until(lambda: sum(done.values()) == len(notes))
    assert set(done) == set(notes) and all(n == 1 for n in done.values())
    assert failed_once == {"flaky!"}
    assert sum(by_worker.values()) == len(notes)


async def test_a_process_starts_and_commits_while_nats_is_unreachable(
    db: str, process_bus: Callable[[NatsBus], None]
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bus = NatsBus(f"nats://127.0.0.1:{port}", stream="LINLI_UNREACHABLE")
    await bus.start(wait=0.2)
    try:
        process_bus(bus)
        assert not bus.connected
        await commit("kept in the log")  # the commit neither fails nor waits for NATS
        assert bus.dropped == 1
        async with session_scope() as session:
            (logged,) = await eventlog.read_after(session, 0, patterns=("test.*",))
        assert logged.payload["note"] == "kept in the log"
    finally:
        await bus.close()


async def test_while_nats_is_down_each_attempt_is_one_warning_line_with_a_growing_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits: list[float] = []
    enough = asyncio.Event()

    async def sleep(seconds: float) -> None:  # time is not waited for, only written down
        waits.append(seconds)
        if len(waits) == 6:
            enough.set()
            await asyncio.Event().wait()  # until the bus is closed

    caplog.set_level(logging.DEBUG)
    bus = NatsBus(f"nats://127.0.0.1:{port}", stream="LINLI_DOWN", sleep=sleep)
    await bus.start(wait=0)
    try:
        await asyncio.wait_for(enough.wait(), 10)
    finally:
        await bus.close()
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    attempts = [r for r in loud if "attempt" in r.getMessage()]
    assert len(attempts) == 6 and len(loud) == 7, [r.getMessage() for r in loud]  # + start()
    assert all(r.exc_info is None and r.name == "linli.core.natsbus" for r in loud)
    assert f"NATS at nats://127.0.0.1:{port} unavailable (" in attempts[0].getMessage()
    assert attempts[2].getMessage().endswith("attempt 3 failed, next in 4 s")
    assert not any(r.exc_info for r in caplog.records)  # no traceback at any level
