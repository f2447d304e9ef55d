"""Rules fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from rules_world import World, make_world

from linli.core import events
from linli.core.clock import ManualClock


@pytest.fixture
async def world(db: str, clock: ManualClock) -> World:
    """The test district with staff and two air-quality stations (see `rules_world`)."""
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
