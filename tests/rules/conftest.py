"""Rules fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from argon2 import PasswordHasher
from rules_world import World, make_world

from linli.core import events
from linli.core.clock import ManualClock
from linli.security import service as security_service


@pytest.fixture
async def world(db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> World:
    """The test district with staff and two air-quality stations (see `rules_world`)."""
    # Test accounts need no brute-force resistance: cheap hashing keeps the setup fast.
    monkeypatch.setattr(security_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
    return await make_world()


@pytest.fixture
async def alarm_events() -> AsyncIterator[list[events.Event]]:
    """Collect every `alarm.*` event published while the test runs."""
    seen: list[events.Event] = []

    async def collect(event: events.Event) -> None:
        seen.append(event)

    subscription = events.get_bus().subscribe("alarm.*", collect)
    yield seen
    subscription.close()
