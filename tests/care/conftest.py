"""Care fixtures."""

from __future__ import annotations

import pytest

from linli.core.clock import ManualClock

from .care_world import CareWorld, make_world


@pytest.fixture
async def world(db: str, clock: ManualClock) -> CareWorld:
    """The test district, carers, a grid worker and a senior's home with its devices."""
    return await make_world()
