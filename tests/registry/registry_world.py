"""The registry tests' world: the test district, staff with tokens, a building per community."""

from __future__ import annotations

from dataclasses import dataclass, field

from factories import Tree, bearer, make_district, make_staff
from linli.core.database import session_scope
from linli.registry import service
from linli.registry.models import Building
from linli.registry.schemas import BuildingCreate

# Points inside grid G1 of community S1-C1 ("A") and of community S2-C1 ("B").
IN_A = (113.82, 22.52)
IN_B = (113.92, 22.52)
OUTSIDE = (114.50, 22.00)

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "op": ("operator", "T"),
    "gw_a": ("grid_worker", "S1-C1"),
    "gw_b": ("grid_worker", "S2-C1"),
    "dept": ("department_staff", "S1-C1"),
}


@dataclass
class World:
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)  # "A", "B"

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])


async def make_world() -> World:
    """Create the district, the staff of `STAFF` and buildings BLK-A and BLK-B, committed."""
    async with session_scope() as session:
        w = World(tree=await make_district(session))
        for username, (role, code) in STAFF.items():
            unit = w.tree.unit(code)
            _, w.tokens[username] = await make_staff(
                session, username=username, role=role, unit=unit
            )
        for name, (lon, lat) in (("A", IN_A), ("B", IN_B)):
            w.buildings[name] = await service.create_building(
                session,
                data=BuildingCreate(code=f"BLK-{name}", name=f"Block {name}", lon=lon, lat=lat),
            )
    return w
