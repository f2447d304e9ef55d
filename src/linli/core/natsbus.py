"""The scale-out event bus: NATS JetStream, with the event log as the source of truth.

One stream (`LINLI_BUS_STREAM`, default `LINLI`) holds subjects `<stream in lower case>.>`; an
event `case.changed` travels as `linli.case.changed`, its envelope (seq included) as the JSON
body and its id as `Nats-Msg-Id`, so JetStream drops a second copy within its duplicate window.

Two paths publish, and both may run for the same event:

* **Direct, after commit** (low latency): `session_scope()` hands each committed event to
  `NatsBus.publish`, which queues it for a background sender and returns at once. A request never
  waits for NATS; while NATS is down the sender drops what it cannot send.
* **The relay** (completeness): a worker reads `event_log` after its cursor (a row in
  `bus_relay_cursor`, locked while it works, so several relays take turns) and publishes every
  entry with its id as message id, moving the cursor only past entries JetStream acknowledged.
  What the direct path dropped during an outage goes out once NATS is back; what it did send is
  de-duplicated by JetStream. The cursor makes a restarted relay resume, not repeat.

Subscribers: every process keeps one ephemeral ordered consumer (new messages only) and fans
each event out to its local `subscribe()` handlers — live fan-out, e.g. the SSE stream and the
workers' wake-ups. `consume()` binds a durable pull consumer that the processes sharing its
name split between them, acknowledged after the handler succeeds — a work queue. Delivery is
at-least-once either way: handlers de-duplicate by event id (or by log seq).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, cast

import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js import api as js_api
from nats.js.errors import BadRequestError, NotFoundError
from pydantic import ConfigDict
from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from linli.core import clock, eventlog
from linli.core.database import Base, session_scope
from linli.core.events import Event, Handler, InProcessBus, Subscription
from linli.core.natsconnect import Backoff, Reconnection

log = logging.getLogger(__name__)

DUPLICATE_WINDOW_SECONDS = 600.0
MAX_AGE_SECONDS = 86400.0
PUBLISH_TIMEOUT_SECONDS = 2.0
OUTBOX_SIZE = 10_000
RELAY_BATCH = 500
RELAY_CURSOR = "nats"
RELAY_POLL_SECONDS = 1.0
RETRY_SECONDS = 2.0


class BusUnavailable(Exception):
    """NATS did not take a message (disconnected, timed out, refused)."""


class RemoteEvent(Event):
    """An event received from the bus: the envelope's fields, whatever its kind."""

    model_config = ConfigDict(frozen=True, extra="allow")


@lru_cache(maxsize=1024)
def _event_class(subject: str) -> type[RemoteEvent]:
    return cast(
        "type[RemoteEvent]", type(f"RemoteEvent[{subject}]", (RemoteEvent,), {"subject": subject})
    )


def event_from_envelope(envelope: dict[str, Any]) -> RemoteEvent:
    """Rebuild an event from its envelope; `envelope()` of the result gives it back."""
    fields = dict(envelope)
    subject = str(fields.pop("subject", "event"))
    return _event_class(subject).model_validate(fields)


def nats_filter(prefix: str, pattern: str) -> str:
    """Return the narrowest NATS subject filter covering the fnmatch `pattern`."""
    if not any(c in pattern for c in "*?["):
        return f"{prefix}.{pattern}"
    head, dot, tail = pattern.rpartition(".")
    if dot and tail == "*" and not any(c in head for c in "*?["):
        return f"{prefix}.{head}.>"  # fnmatch's `*` spans dots, like NATS's `>`
    return f"{prefix}.>"


class _Subscription:
    def __init__(self, close: Any) -> None:
        self._close = close

    def close(self) -> None:
        self._close()


class NatsBus:
    """The EventBus over NATS JetStream; `start()` it before use, `close()` it at the end."""

    def __init__(
        self,
        url: str,
        *,
        stream: str = "LINLI",
        name: str = "linli",
        duplicate_window: float = DUPLICATE_WINDOW_SECONDS,
        max_age: float = MAX_AGE_SECONDS,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.url, self.stream, self.name = url, stream, name
        self._reconnection = Reconnection(url, backoff or Backoff(), sleep)
        self.prefix = stream.lower()
        self.duplicate_window, self.max_age = duplicate_window, max_age
        self._local = InProcessBus()
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._outbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=OUTBOX_SIZE)
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self.dropped = 0  # events the direct path could not send (the relay sends them)

    @property
    def connected(self) -> bool:
        """Whether the connection to NATS is up now."""
        return self._nc is not None and self._nc.is_connected

    async def start(self, *, wait: float = 5.0) -> None:
        """Connect (retrying in the background if NATS is down) and start the sender."""
        self._tasks = [
            asyncio.create_task(self._connect_loop(), name="natsbus.connect"),
            asyncio.create_task(self._send_loop(), name="natsbus.send"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=wait)
        if not self._ready.is_set():
            log.warning("NATS at %s not reachable yet; events wait in the log", self.url)

    async def close(self) -> None:
        """Stop the sender and consumers and close the connection."""
        self._closed = self._reconnection.closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.close()
        self._ready.clear()

    async def _connect_loop(self) -> None:
        await self._reconnection.connect_with_backoff(self._connect, closed=lambda: self._closed)

    async def _connect(self) -> None:
        policy = self._reconnection
        nc = await nats.connect(
            self.url,
            name=self.name,
            # The first connection gives up at once: `connect_with_backoff` retries it.
            max_reconnect_attempts=1,
            reconnect_time_wait=0,
            connect_timeout=2,
            error_cb=policy.on_error,
            disconnected_cb=policy.on_disconnected,
            reconnected_cb=policy.on_reconnected,
            reconnect_to_server_handler=policy.next_server,
        )
        nc.options["max_reconnect_attempts"] = -1  # connected: reconnect for ever, paced
        js = nc.jetstream(timeout=PUBLISH_TIMEOUT_SECONDS)
        try:
            await self._ensure_stream(js)
            # Live fan-out: new messages only, re-created by the client after a reconnect.
            await js.subscribe(
                f"{self.prefix}.>",
                stream=self.stream,
                cb=self._on_message,
                ordered_consumer=True,
                deliver_policy=js_api.DeliverPolicy.NEW,
            )
        except BaseException:
            await nc.close()
            raise
        self._nc, self._js = nc, js
        self._ready.set()

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        config = js_api.StreamConfig(
            name=self.stream,
            subjects=[f"{self.prefix}.>"],
            retention=js_api.RetentionPolicy.LIMITS,
            storage=js_api.StorageType.FILE,
            max_age=self.max_age,
            duplicate_window=self.duplicate_window,
        )
        # An existing stream is left as it is: operators may tune it (replicas, limits).
        try:
            await js.stream_info(self.stream)
        except NotFoundError:
            with contextlib.suppress(BadRequestError):  # another process made it first
                await js.add_stream(config)

    async def _on_message(self, msg: Msg) -> None:
        try:
            event = event_from_envelope(json.loads(msg.data))
        except Exception:
            log.warning("unreadable message on %s dropped", msg.subject)
            return
        await self._local.publish(event)

    async def publish(self, event: Event) -> None:
        """Queue `event` for sending after its commit; never waits for NATS."""
        if not self.connected:
            self.dropped += 1  # it is in the event log; the relay sends it
            return
        try:
            self._outbox.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1

    async def _send_loop(self) -> None:
        while True:
            event = await self._outbox.get()
            try:
                await self.publish_envelope(event.envelope(), msg_id=str(event.id))
            except BusUnavailable as err:
                self.dropped += 1
                log.debug("event %s left to the relay: %s", event.id, err)

    async def publish_envelope(self, envelope: dict[str, Any], *, msg_id: str) -> None:
        """Publish one envelope and wait for JetStream's acknowledgement."""
        if self._js is None or not self.connected:
            raise BusUnavailable("not connected")
        data = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            await self._js.publish(
                f"{self.prefix}.{envelope['subject']}",
                data,
                stream=self.stream,
                headers={"Nats-Msg-Id": msg_id},
            )
        except Exception as err:
            raise BusUnavailable(str(err) or type(err).__name__) from err

    def subscribe(self, pattern: str, handler: Handler) -> Subscription:
        """Call `handler` for every matching event any process publishes from now on."""
        return self._local.subscribe(pattern, handler)

    def consume(
        self, durable: str, pattern: str, handler: Handler, *, ack_wait: float = 30.0
    ) -> Subscription:
        """Share the matching events among every process consuming as `durable` (work queue).

        A message is acknowledged after `handler` returns and redelivered if it raises or the
        process dies first, so `handler` must be idempotent.
        """
        task = asyncio.create_task(
            self._consume_loop(durable, pattern, handler, ack_wait), name=f"natsbus.{durable}"
        )
        self._tasks.append(task)
        return _Subscription(task.cancel)

    async def _consume_loop(
        self, durable: str, pattern: str, handler: Handler, ack_wait: float
    ) -> None:
        config = js_api.ConsumerConfig(
            ack_policy=js_api.AckPolicy.EXPLICIT, ack_wait=ack_wait, max_ack_pending=1000
        )
        while True:
            await self._ready.wait()
            assert self._js is not None
            try:
                sub = await self._js.pull_subscribe(
                    nats_filter(self.prefix, pattern),
                    durable=durable,
                    stream=self.stream,
                    config=config,
                )
                break
            except Exception as err:
                log.info("work queue %s waits for NATS: %s", durable, err)
                await asyncio.sleep(RETRY_SECONDS)
        while True:
            try:
                messages = await sub.fetch(50, timeout=1.0)
            except TimeoutError:
                continue
            except Exception as err:
                log.info("work queue %s waits for NATS: %s", durable, err)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for msg in messages:
                await self._work(msg, pattern, handler)

    async def _work(self, msg: Msg, pattern: str, handler: Handler) -> None:
        try:
            event = event_from_envelope(json.loads(msg.data))
        except Exception:
            log.warning("unreadable message on %s dropped", msg.subject)
            await msg.term()
            return
        if fnmatchcase(event.subject, pattern):
            try:
                await handler(event)
            except Exception:
                log.exception("work on %s %s failed; it comes back", event.subject, event.id)
                await msg.nak(delay=RETRY_SECONDS)
                return
        await msg.ack()


class RelayCursor(Base):
    """How far the relay has published the event log to the bus."""

    __tablename__ = "bus_relay_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    updated_at: Mapped[datetime | None]


async def _locked_cursor(session: AsyncSession, name: str) -> RelayCursor:
    stmt = select(RelayCursor).where(RelayCursor.name == name).with_for_update()
    cursor = await session.scalar(stmt)
    if cursor is not None:
        return cursor
    # A new relay starts at the log's head: older events were delivered before it existed.
    try:
        async with session.begin_nested():
            session.add(RelayCursor(name=name, seq=await eventlog.head(session)))
    except IntegrityError:
        pass  # another relay made it first
    cursor = await session.scalar(stmt.execution_options(populate_existing=True))
    assert cursor is not None
    return cursor


async def relay_once(bus: NatsBus, *, name: str = RELAY_CURSOR, limit: int = RELAY_BATCH) -> int:
    """Publish the logged events after the relay's cursor; return how many went out.

    Raises `BusUnavailable` when NATS refused one; the cursor then stays after the last
    acknowledged event.
    """
    sent = 0
    failure: BusUnavailable | None = None
    async with session_scope() as session:
        cursor = await _locked_cursor(session, name)
        for entry in await eventlog.read_after(session, cursor.seq, limit=limit):
            try:
                await bus.publish_envelope(entry.payload, msg_id=str(entry.id))
            except BusUnavailable as err:
                failure = err
                break
            cursor.seq = entry.seq
            sent += 1
        if sent:
            cursor.updated_at = clock.now()
    if failure is not None:
        raise failure
    return sent


async def run_relay(bus: NatsBus, stop: asyncio.Event) -> None:
    """Relay the event log to the bus until `stop` is set."""
    while not stop.is_set():
        try:
            while await relay_once(bus) == RELAY_BATCH:
                pass
        except BusUnavailable as err:
            log.info("event relay waits for NATS: %s", err)
        except Exception:
            log.exception("event relay failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=RELAY_POLL_SECONDS)
