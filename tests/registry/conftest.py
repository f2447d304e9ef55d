"""Registry fixtures."""

from __future__ import annotations

import pytest
from registry_world import World, make_world

from linli.core.clock import ManualClock


@pytest.fixture
async def world(db: str, clock: ManualClock) -> World:
    """The test district with staff and two buildings (see `registry_world`)."""
    return await make_world()
