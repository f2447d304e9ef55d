"""Typed domain events and the bus that carries them.

Services record events on the session. Right before the transaction commits, the events are
written to the durable event log (`linli.core.eventlog`) in that same transaction and numbered
(`seq`) in commit order; `session_scope()` publishes them, stamped with their seq, after the
commit. So no subscriber ever sees an event whose data was rolled back, and a reader that missed
something (a slow browser, another process) catches up from the log. The in-process bus serves
the embedded install; a NATS JetStream bus with the same interface serves scale-out.
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
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from linli.core import clock, eventlog
from linli.core.database import after_commit
from linli.core.ids import new_id

log = logging.getLogger(__name__)


class Event(BaseModel):
    """A fact that happened; `subject` names its kind, e.g. `alarm.raised`."""

    model_config = ConfigDict(frozen=True)
    subject: ClassVar[str] = "event"

    id: uuid.UUID = Field(default_factory=new_id)
    at: datetime = Field(default_factory=clock.now)
    org_path: str = Field(description="path of the org unit the event belongs to, for scoping")
    seq: int | None = Field(
        default=None, description="position in the event log (commit order); set when logged"
    )

    def envelope(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict with its subject."""
        return {"subject": self.subject, **self.model_dump(mode="json")}

    def source(self) -> str:
        """Return what the event is about, e.g. `alarm:<alarm id>`; events of one source keep
        their order.

        The default is `<kind>:<kind>_id` (the subject's first part, e.g. `case.changed` →
        `case:<case_id>`) when the event has such a field, else `<kind>:<event id>`.
        """
        kind = self.subject.partition(".")[0]
        about = getattr(self, f"{kind}_id", None)
        return f"{kind}:{about if about is not None else self.id}"


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


_PENDING = "linli_events"
_LOGGED = "linli_logged_events"


def record(session: AsyncSession, event: Event) -> None:
    """Queue `event` to be logged with the session's commit and published after it."""
    session.info.setdefault(_PENDING, []).append(event)
    after_commit(session, publish_pending)


@sa_event.listens_for(Session, "before_commit")
def _log_pending(session: Session) -> None:
    # As late as possible: at the real commit (not a savepoint's), after the session's own
    # changes are flushed, so that on PostgreSQL the log's lock is held only for the log insert
    # and the commit, never while waiting for rows.
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    pending: list[Event] = session.info.pop(_PENDING)
    session.flush()
    session.info.setdefault(_LOGGED, []).extend(eventlog.append(session, pending))


async def publish_pending(session: AsyncSession) -> None:
    """Publish the events of a committed session, stamped with their log seq."""
    logged: list[Event] = session.info.pop(_LOGGED, [])
    for event in logged:
        await _bus.publish(event)
