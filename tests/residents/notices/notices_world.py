"""The notices tests' world: the test district, staff with tokens, four buildings and the
registry residents living in them (some seniors living alone, some without a smartphone)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from factories import Tree, bearer, make_district, make_staff
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.models import Building, Resident
from linli.registry.schemas import BuildingCreate, ResidentCreate
from linli.residents.types import Level, ResidentActor
from linli.rules.notifications.models import ResidentReach

STAFF = {  # username: (role, unit code)
    "admin": ("admin", "T"),
    "gw_a": ("grid_worker", "S1-C1"),  # community S1-C1: blocks A1 and A2
    "gw_b": ("grid_worker", "S2-C1"),  # community S2-C1: block B
    "insp": ("inspector", "T"),
    "dept": ("department_staff", "T"),
}
BUILDINGS = {  # name: (lon, lat) — A1, A2 in S1-C1's grid G1, B in S2-C1, C in S1-C2
    "A1": (113.82, 22.52),
    "A2": (113.821, 22.521),
    "B": (113.92, 22.52),
    "C": (113.82, 22.56),
}
# name: (building, unit, birth year, lives alone, reach: None = nothing recorded, else (method,
# lang)). Households: A1 05-123 (Chen Wei, Tan Mei), A1 05-124, A2 07-201 (Wong Siu, Kumar Raj),
# and Lee Nobirth, whose unit is not known (a household of their own).
RESIDENTS: dict[str, tuple[str, str | None, int | None, bool, tuple[str, str] | None]] = {
    "Chen Wei": ("A1", "05-123", 1940, True, ("phone", "zh_Hans")),
    "Lim Ah Kow": ("A1", "05-124", 1955, True, ("visit", "ms")),
    "Tan Mei": ("A1", "05-123", 1990, False, None),
    "Wong Siu": ("A2", "07-201", 1962, True, ("phone", "en")),  # 64 in 2026: not yet a senior
    "Kumar Raj": ("A2", "07-201", 1950, False, ("phone", "ta")),  # a senior not living alone
    "Lee Nobirth": ("A2", None, None, True, None),
    "Ong Bee": ("B", "01-001", 1945, True, ("phone", "en")),
    "Goh Cee": ("C", "02-002", 1944, True, ("visit", "zh_Hans")),
}


@dataclass
class World:
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    buildings: dict[str, Building] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])

    def unit(self, code: str) -> str:
        return str(self.tree.unit(code).id)

    def resident_of(self, building: str, *, locale: str = "en") -> ResidentActor:
        """Return a signed-in resident living in `building` (built directly: the service's
        contract is the `ResidentActor`, whoever signed them in)."""
        b = self.buildings[building]
        return ResidentActor(
            account_id=uuid.uuid4(),
            level=Level.PHONE,
            org_path=b.org_path,
            building_id=b.id,
            locale=locale,
        )


def notice(unit_id: str, **target: Any) -> dict[str, Any]:
    """Return a notice body for the API, in English and Chinese."""
    return {
        "unit_id": unit_id,
        "texts": {
            "en": {"title": "Water off on Friday", "body": "Water is off 9:00-12:00."},
            "zh_Hans": {"title": "周五停水", "body": "9:00-12:00停水。"},
        },
        "fallback_locale": "en",
        **target,
    }


async def make_world() -> World:
    """Create the district, staff, buildings and residents above, committed."""
    async with session_scope() as session:
        w = World(tree=await make_district(session))
        for username, (role, code) in STAFF.items():
            _, w.tokens[username] = await make_staff(
                session, username=username, role=role, unit=w.tree.unit(code)
            )
        for name, (lon, lat) in BUILDINGS.items():
            w.buildings[name] = await registry_service.create_building(
                session,
                data=BuildingCreate(code=f"BLK-{name}", name=f"Block {name}", lon=lon, lat=lat),
            )
        for i, (name, (building, unit, born, alone, reach)) in enumerate(RESIDENTS.items()):
            resident = await registry_service.create_resident(
                session,
                data=ResidentCreate(
                    building_id=w.buildings[building].id,
                    name=name,
                    phone=f"+86138000000{i:02d}",
                    birth_year=born,
                    lives_alone=alone,
                    unit=unit,
                ),
            )
            w.residents[name] = resident
            if reach is not None:
                session.add(
                    ResidentReach(
                        resident_id=resident.id,
                        org_path=resident.org_path,
                        has_smartphone=False,
                        method=reach[0],
                        language=reach[1],
                    )
                )
    return w
