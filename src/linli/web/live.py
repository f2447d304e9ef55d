"""Live events for the browser: the process event bus as a Server-Sent Events stream.

Each client gets a bounded queue fed by bus subscriptions. An event is queued only if the
principal may see it. A client that falls too far behind is dropped (its stream ends and the
browser reconnects and reloads), never the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from linli.core import events
from linli.security.deps import require
from linli.security.permissions import Principal

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

PATTERNS = ("alarm.*", "case.*")
HEARTBEAT_SECONDS = 15.0
QUEUE_SIZE = 256


def visible(principal: Principal, envelope: dict[str, Any]) -> bool:
    """Return whether `principal` may see the event in `envelope`."""
    subject = str(envelope.get("subject", ""))
    if subject.startswith("alarm."):
        return principal.can("alarms:read", envelope.get("org_path"))
    if subject.startswith("case."):
        return principal.can("cases:read", envelope.get("org_path")) or principal.can(
            "cases:read", envelope.get("assigned_path")
        )
    return False


def format_sse(envelope: dict[str, Any]) -> str:
    """Return one SSE message: `id:` the event id, `event:` its subject, `data:` the envelope."""
    data = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    subject = envelope.get("subject", "message")
    return f"id: {envelope.get('id', '')}\nevent: {subject}\ndata: {data}\n\n"


class LiveClient:
    """One browser's subscription: a bounded queue of visible events."""

    def __init__(self, principal: Principal, *, size: int = QUEUE_SIZE) -> None:
        self.principal = principal
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=size)
        self.dropped = False
        self._subs: list[events.Subscription] = []

    def open(self, bus: events.EventBus) -> None:
        """Subscribe to the bus."""
        self._subs = [bus.subscribe(pattern, self._deliver) for pattern in PATTERNS]

    def close(self) -> None:
        """Unsubscribe from the bus."""
        for sub in self._subs:
            sub.close()
        self._subs = []

    async def _deliver(self, event: events.Event) -> None:
        if self.dropped:
            return
        envelope = event.envelope()
        if not visible(self.principal, envelope):
            return
        try:
            self.queue.put_nowait(envelope)
        except asyncio.QueueFull:
            # Too slow: free the queue, tell the stream to end, and stop listening.
            log.warning("dropping live client %s: queue full", self.principal.username)
            self.dropped = True
            self.close()
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def messages(self) -> AsyncIterator[str]:
        """Yield SSE text: a greeting, then events and heartbeats until dropped or cancelled."""
        try:
            yield "retry: 3000\n: connected\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(self.queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if item is None:
                    yield "event: overflow\ndata: {}\n\n"
                    return
                yield format_sse(item)
        finally:
            self.close()


@router.get("/api/events/stream", summary="Live alarm and case events (Server-Sent Events)")
async def event_stream(
    principal: Annotated[Principal, Depends(require("alarms:read"))],
) -> StreamingResponse:
    """Stream every alarm and case event the caller may see, as they happen."""
    client = LiveClient(principal)
    client.open(events.get_bus())
    return StreamingResponse(
        client.messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
