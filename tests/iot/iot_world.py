"""The IoT tests' world: the test district, staff with tokens, one air-quality station per
community A (S1-C1) and B (S2-C1), each with its device token."""

from __future__ import annotations

from dataclasses import dataclass, field

from factories import Tree, bearer, make_air_stations, make_district, make_staff
from linli.core.database import session_scope
from linli.iot.models import Device

IN_A = (113.82, 22.52)  # grid S1-C1-G1
IN_B = (113.92, 22.52)  # grid S2-C1-G1

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "op": ("operator", "T"),
    "gw_a": ("grid_worker", "S1-C1"),
    "gw_b": ("grid_worker", "S2-C1"),
}


@dataclass
class World:
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)  # by code: "AQ-A", "AQ-B"
    device_tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])

    def device_auth(self, code: str, token: str | None = None) -> dict[str, str]:
        return {"X-Device-Id": code, "Authorization": f"Device {token or self.device_tokens[code]}"}


async def make_world() -> World:
    """Create the district, the staff of `STAFF` and devices AQ-A and AQ-B, committed."""
    async with session_scope() as session:
        w = World(tree=await make_district(session))
        for username, (role, code) in STAFF.items():
            _, w.tokens[username] = await make_staff(
                session, username=username, role=role, unit=w.tree.unit(code)
            )
        for code, (device, token) in (await make_air_stations(session)).items():
            w.devices[code], w.device_tokens[code] = device, token
    return w
