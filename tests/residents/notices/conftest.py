"""Notices fixtures."""

from __future__ import annotations

import pytest

from linli.core.clock import ManualClock

from .notices_world import World, make_world


@pytest.fixture
async def world(db: str, clock: ManualClock) -> World:
    """The test district with staff, four buildings and their residents (`notices_world`)."""
    return await make_world()
