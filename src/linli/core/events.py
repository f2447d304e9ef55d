"""Typed domain events and the bus that carries them.

Services record events on the session; `session_scope()` publishes them after the commit, so no
subscriber ever sees an event whose data was rolled back. The in-process bus serves the embedded
install; a NATS JetStream bus with the same interface serves scale-out.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.ids import new_id

log = logging.getLogger(__name__)


class Event(BaseModel):
    """A fact that happened; `subject` names its kind, e.g. `alarm.raised`."""

    model_config = ConfigDict(frozen=True)
    subject: ClassVar[str] = "event"

    id: uuid.UUID = Field(default_factory=new_id)
    at: datetime = Field(default_factory=clock.now)
    org_path: str = Field(description="path of the org unit the event belongs to, for scoping")

    def envelope(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict with its subject."""
        return {"subject": self.subject, **self.model_dump(mode="json")}


Handler = Callable[[Event], Awaitable[None]]


class Subscription(Protocol):
    def close(self) -> None: ...


class EventBus(Protocol):
    async def publish(self, event: Event) -> None: ...

    def subscribe(self, pattern: str, handler: Handler) -> Subscription: ...


class _LocalSubscription:
    def __init__(self, bus: InProcessBus, pattern: str, handler: Handler) -> None:
        self._bus, self.pattern, self.handler = bus, pattern, handler

    def close(self) -> None:
        self._bus._subscriptions.discard(self)


class InProcessBus:
    """Deliver each event to every matching subscriber in this process, in publish order."""

    def __init__(self) -> None:
        self._subscriptions: set[_LocalSubscription] = set()
        self._lock = asyncio.Lock()

    async def publish(self, event: Event) -> None:
        async with self._lock:
            for sub in list(self._subscriptions):
                if fnmatchcase(event.subject, sub.pattern):
                    try:
                        await sub.handler(event)
                    except Exception:
                        log.exception("event handler failed for %s", event.subject)

    def subscribe(self, pattern: str, handler: Handler) -> Subscription:
        sub = _LocalSubscription(self, pattern, handler)
        self._subscriptions.add(sub)
        return sub


_bus: EventBus = InProcessBus()


def get_bus() -> EventBus:
    """Return the process event bus."""
    return _bus


def install_bus(bus: EventBus) -> EventBus:
    """Install `bus` as the process bus and return the previous one."""
    global _bus
    previous, _bus = _bus, bus
    return previous


def record(session: AsyncSession, event: Event) -> None:
    """Queue `event` to be published once the session's transaction commits."""
    session.info.setdefault("linli_events", []).append(event)


async def publish_pending(session: AsyncSession) -> None:
    """Publish the events recorded on a committed session."""
    pending: list[Event] = session.info.pop("linli_events", [])
    for event in pending:
        await _bus.publish(event)
