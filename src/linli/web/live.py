"""Live events for the browser: the event log and the process bus as a Server-Sent Events stream.

Every message's `id:` is the event's seq in the durable event log (`linli.core.eventlog`). A
client that reconnects with `Last-Event-ID: <seq>` (the browser's EventSource does so by itself),
or opens the stream with `?after=<seq>`, first gets every logged event after it that it may see,
then the live ones: no gap, no duplicate, in commit order.

The bus is the fast path: each client subscribes first, then reads the backlog from the log,
then takes the events the bus queued meanwhile, skipping those it already sent. Whenever the bus
cannot be trusted to be complete, the client reads the log instead: when its bounded queue is
full (a slow browser is never dropped, it just reads the log at its own pace), when the bus hands
it a seq that skips one (an event committed by another process, or published out of commit
order), and at every heartbeat. Because the log is in the database, any API process can serve
any client's resume, whichever process it was connected to before.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse

from linli.cases.service import StoredWords, title_in
from linli.core import eventlog, events
from linli.core.database import session_scope
from linli.security.deps import require
from linli.security.permissions import Principal

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

PATTERNS = ("alarm.*", "case.*", "incident.*", "notification.*")
HEARTBEAT_SECONDS = 15.0
QUEUE_SIZE = 256
PAGE_SIZE = 500


def visible(principal: Principal, envelope: dict[str, Any]) -> bool:
    """Return whether `principal` may see the event in `envelope`."""
    subject = str(envelope.get("subject", ""))
    if subject.startswith("alarm."):
        return principal.can("alarms:read", envelope.get("org_path"))
    if subject.startswith("case."):
        return principal.can("cases:read", envelope.get("org_path")) or principal.can(
            "cases:read", envelope.get("assigned_path")
        )
    if subject.startswith("incident."):
        # As for reading an incident: it lies in the reader's subtree, or the reader is in its area.
        path = str(envelope.get("org_path") or "")
        return bool(path) and any(
            path.startswith(p) or p.startswith(path) for p in principal.paths_for("incidents:read")
        )
    if subject.startswith("notification."):
        return envelope.get("account_id") == str(principal.account_id)
    return False


def in_language(envelope: dict[str, Any], locale: str) -> dict[str, Any]:
    """Return an event as a reader of `locale` reads it: a case a rule opened titled in their
    language (from the words' template and parameters, which are not sent on)."""
    if "text_key" not in envelope and "text_params" not in envelope:
        return envelope
    shown = {k: v for k, v in envelope.items() if k not in ("text_key", "text_params")}
    words = StoredWords(
        title=str(envelope.get("title") or ""),
        text_key=envelope.get("text_key"),
        text_params=envelope.get("text_params"),
    )
    shown["title"] = title_in(words, locale)
    return shown


def format_sse(envelope: dict[str, Any]) -> str:
    """Return one SSE message: `id:` the event's log seq, `event:` its subject, `data:` it all."""
    data = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    subject = envelope.get("subject", "message")
    seq = envelope.get("seq")
    # An event that never reached the log has no place to resume from: it leaves the id alone.
    head = f"id: {seq}\n" if isinstance(seq, int) else ""
    return f"{head}event: {subject}\ndata: {data}\n\n"


class EventSource(Protocol):
    """Where a client catches up from: the event log."""

    async def head(self) -> int: ...

    async def after(self, seq: int, *, limit: int) -> list[dict[str, Any]]: ...


class DatabaseLog:
    """The event log, read in short units of work (never held open while streaming)."""

    def __init__(self, patterns: Sequence[str] = PATTERNS) -> None:
        self.patterns = tuple(patterns)

    async def head(self) -> int:
        """Return the highest seq logged so far."""
        async with session_scope() as session:
            return await eventlog.head(session)

    async def after(self, seq: int, *, limit: int) -> list[dict[str, Any]]:
        """Return the envelopes of up to `limit` live-stream events after `seq`."""
        async with session_scope() as session:
            entries = await eventlog.read_after(session, seq, patterns=self.patterns, limit=limit)
            return [entry.payload for entry in entries]


Filter = Callable[[dict[str, Any]], bool]


class LiveClient:
    """One browser's stream: the log from `after` on, then the bus, falling back to the log.

    A staff member's stream sends what their principal may see; a public stream (a meeting's
    live page) passes no principal and its own `accepts` filter, `patterns`, and `project`,
    which shapes what is sent of each event.
    """

    def __init__(
        self,
        principal: Principal | None,
        *,
        after: int | None = None,
        source: EventSource | None = None,
        size: int = QUEUE_SIZE,
        patterns: Sequence[str] = PATTERNS,
        accepts: Filter | None = None,
        locale: str | None = None,
        project: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        if accepts is None:
            if principal is None:
                raise ValueError("a stream without a principal needs its own filter")
            staff = principal
            accepts = lambda envelope: visible(staff, envelope)  # noqa: E731
        self.principal = principal
        self.after = after
        self.patterns = tuple(patterns)
        self.accepts: Filter = accepts
        self.locale = locale or (principal.locale if principal is not None else "en")
        self.project = project or (lambda envelope: in_language(envelope, self.locale))
        self.source: EventSource = source or DatabaseLog(self.patterns)
        # Visible envelopes from the bus; None asks the stream to read the log.
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=size)
        self.position = 0  # the highest seq the stream has sent or passed over as not visible
        self.log_reads = 0  # how often the stream read the log (resume, overflow, gap, beat)
        self._bus_high: int | None = None  # the highest seq the bus has handed this client
        self._read_asked = False
        self._subs: list[events.Subscription] = []

    def open(self, bus: events.EventBus) -> None:
        """Subscribe to the bus (before the backlog is read, so nothing falls in between)."""
        self._subs = [bus.subscribe(pattern, self._deliver) for pattern in self.patterns]

    def close(self) -> None:
        """Unsubscribe from the bus."""
        for sub in self._subs:
            sub.close()
        self._subs = []

    def _ask_log_read(self, *, discard: bool = False) -> None:
        if discard:  # what is queued is in the log too: free the memory, read it from there
            while not self.queue.empty():
                self.queue.get_nowait()
            self._read_asked = False
        if not self._read_asked:
            self._read_asked = True
            self.queue.put_nowait(None)

    async def _deliver(self, event: events.Event) -> None:
        envelope = event.envelope()
        seq = envelope.get("seq")
        if isinstance(seq, int):
            follows = self._bus_high is not None and seq <= self._bus_high + 1
            self._bus_high = seq if self._bus_high is None else max(self._bus_high, seq)
            if not follows:
                # The bus skipped a seq (or this is the first one seen): the log has them all,
                # and this one too, since it was published after its commit.
                self._ask_log_read(discard=self.queue.full())
                return
        if not self.accepts(envelope):
            return
        try:
            self.queue.put_nowait(envelope)
        except asyncio.QueueFull:
            who = self.principal.username if self.principal is not None else "public"
            log.info("live client %s fell behind; reading the log", who)
            self._ask_log_read(discard=True)

    async def _read_log(self) -> AsyncIterator[str]:
        """Yield every visible logged event after `position`, in seq order."""
        self.log_reads += 1
        while True:
            page = await self.source.after(self.position, limit=PAGE_SIZE)
            for envelope in page:
                self.position = int(envelope["seq"])
                if self.accepts(envelope):
                    yield format_sse(self.project(envelope))
            if len(page) < PAGE_SIZE:
                return

    async def messages(self) -> AsyncGenerator[str]:
        """Yield SSE text: a greeting, the backlog, then live events and heartbeats."""
        try:
            newest = await self.source.head()
            # A resume point past the end (a rebuilt database) starts from now.
            self.position = newest if self.after is None else min(self.after, newest)
            # Sent once the starting point is fixed: whatever commits from now on will arrive.
            yield "retry: 3000\n: connected\n\n"
            async for text in self._read_log():
                yield text
            while True:
                try:
                    item = await asyncio.wait_for(self.queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    item = None  # events of other processes reach this bus late or never
                if item is None:
                    self._read_asked = False
                    async for text in self._read_log():
                        yield text
                    continue
                seq = item.get("seq")
                if isinstance(seq, int):
                    if seq <= self.position:
                        continue  # already sent from the log
                    self.position = seq
                yield format_sse(self.project(item))
        finally:
            self.close()


def resume_point(header: str | None, after: int | None) -> int | None:
    # The browser repeats the last id it saw; ids of older Linli versions (UUIDs) are ignored.
    if header is not None and header.strip().isdigit():
        return int(header.strip())
    return after


class EventStream(StreamingResponse):
    """Server-Sent Events, documented as such in the OpenAPI document (`response_class`, with
    `EVENT_STREAM` as the route's `responses`)."""

    media_type = "text/event-stream"


# What each event of a stream is: its seq as `id`, its subject as `event`, its JSON as `data`.
EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events, one per event, resumable by `id`.",
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "event": {"type": "string"},
                        "data": {"type": "string", "description": "the event as JSON"},
                        "retry": {"type": "integer"},
                    },
                }
            }
        },
    }
}


@router.get(
    "/api/events/stream",
    summary="Live alarm, case and incident events (Server-Sent Events)",
    response_class=EventStream,
    responses=EVENT_STREAM,
)
async def event_stream(
    principal: Annotated[Principal, Depends(require("alarms:read"))],
    after: Annotated[
        int | None,
        Query(ge=0, description="send the logged events after this seq first (first connection)"),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", description="resume after this seq (sent on reconnect)"),
    ] = None,
) -> EventStream:
    """Stream every alarm, case and incident event the caller may see, resuming without gaps."""
    return stream(LiveClient(principal, after=resume_point(last_event_id, after)))


def stream(client: LiveClient) -> EventStream:
    """Open `client` on the process bus and answer with its Server-Sent Events."""
    client.open(events.get_bus())
    return EventStream(
        client.messages(),
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
