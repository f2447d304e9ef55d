"""IoT fixtures."""

from __future__ import annotations

import pytest
from iot_world import World, make_world

from linli.core.clock import ManualClock


@pytest.fixture
async def world(db: str, clock: ManualClock) -> World:
    """The test district with staff and two air-quality stations (see `iot_world`)."""
    return await make_world()
