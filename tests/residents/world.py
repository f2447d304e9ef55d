"""The residents tests' world: the test district, staff with tokens, a building in community
S1-C1 ("A") and one in S2-C1 ("B"), and a registered household in each."""

from __future__ import annotations

from dataclasses import dataclass, field

from factories import Tree, bearer, make_district, make_staff
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.models import Building, Resident
from linli.registry.schemas import BuildingCreate, ResidentCreate

IN_A = (113.82, 22.52)
IN_B = (113.92, 22.52)

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "gw_a": ("grid_worker", "S1-C1"),
    "gw_b": ("grid_worker", "S2-C1"),
    "dept": ("department_staff", "S1-C1"),
}


@dataclass
class ResidentWorld:
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)
    registered: dict[str, Resident] = field(default_factory=dict)  # "A": Tan Mei Ling, 05-123

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])


async def make_resident_world() -> ResidentWorld:
    """Create the district, staff, buildings BLK-A and BLK-B and a registered resident in each
    (unit 05-123, ID suffix 123A), committed."""
    async with session_scope() as session:
        w = ResidentWorld(tree=await make_district(session))
        for username, (role, code) in STAFF.items():
            _, w.tokens[username] = await make_staff(
                session, username=username, role=role, unit=w.tree.unit(code)
            )
        for name, (lon, lat) in (("A", IN_A), ("B", IN_B)):
            w.buildings[name] = await registry_service.create_building(
                session,
                data=BuildingCreate(code=f"BLK-{name}", name=f"Block {name}", lon=lon, lat=lat),
            )
            w.registered[name] = await registry_service.create_resident(
                session,
                data=ResidentCreate(
                    building_id=w.buildings[name].id,
                    name="Tan Mei Ling",
                    unit="#05-123",
                    id_suffix="123a",
                ),
            )
    return w
