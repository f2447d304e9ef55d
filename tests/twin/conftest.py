from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from factories import DeviceWorld
from iot.mqtt_broker import Broker, linli_broker


@pytest.fixture
async def mosquitto(world: DeviceWorld, tmp_path: Path) -> AsyncIterator[Broker]:
    """A private broker for the test module's devices (its `world` is stored first)."""
    async with linli_broker(tmp_path / "broker") as running:
        yield running
