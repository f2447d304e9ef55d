"""IoT fixtures."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from iot_world import World, make_world

from linli.core.clock import ManualClock
from linli.security import service as security_service


@pytest.fixture
async def world(db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> World:
    """The test district with staff and two air-quality stations (see `iot_world`)."""
    # Test accounts need no brute-force resistance: cheap hashing keeps the setup fast.
    monkeypatch.setattr(security_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=64))
    return await make_world()
