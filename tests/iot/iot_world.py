"""The IoT tests' world: the test district, staff with tokens, one air-quality station per
community A (S1-C1) and B (S2-C1), each with its device token."""

from __future__ import annotations

from factories import IN_A, IN_B, DeviceWorld, make_device_world

__all__ = ["IN_A", "IN_B", "STAFF", "World", "make_world"]

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "op": ("operator", "T"),
    "gw_a": ("grid_worker", "S1-C1"),
    "gw_b": ("grid_worker", "S2-C1"),
}

World = DeviceWorld


async def make_world() -> World:
    """Create the district, the staff of `STAFF` and devices AQ-A and AQ-B, committed."""
    return await make_device_world(World, STAFF)
