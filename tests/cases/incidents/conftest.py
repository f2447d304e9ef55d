"""Incident-test factories: the case world's district with operators, workers and a department."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from linli.core.database import session_scope
from linli.registry import service as registry
from linli.registry.schemas import BuildingCreate, ResidentCreate

from ..conftest import Staff, World, square

# Inside community C11 (street S1, south-west of the district), away from its edges.
FLOOD_AREA = square(113.805, 22.505, 113.835, 22.535)
IN_FLOOD = (113.81, 22.51)
OUTSIDE_FLOOD_IN_C11 = (113.838, 22.538)
IN_S2 = (113.86, 22.52)


@dataclass
class Room:
    """The case world and the people of an emergency: who commands where, who handles what."""

    world: World
    client: httpx.AsyncClient
    staff: dict[str, Staff] = field(default_factory=dict)

    def h(self, username: str) -> dict[str, str]:
        return self.staff[username].headers

    def unit(self, code: str) -> uuid.UUID:
        return self.world[code].id

    async def declare(
        self,
        by: str = "s1op",
        *,
        unit: str = "S1",
        commander: str = "s1op",
        area: dict[str, Any] | None = None,
        title: str = "Flooding along the river",
        expect: int = 201,
        **extra: Any,
    ) -> dict[str, Any]:
        """Declare an incident through the API and return its detail (or the problem)."""
        body: dict[str, Any] = {
            "kind": "flood",
            "severity": "major",
            "title": title,
            "unit_id": str(self.unit(unit)),
            "commander_id": str(self.staff[commander].id),
            **extra,
        }
        if area is not None:
            body["area"] = area
        resp = await self.client.post("/api/incidents", json=body, headers=self.h(by))
        assert resp.status_code == expect, resp.text
        data: dict[str, Any] = resp.json()
        return data

    async def post(
        self, path: str, body: dict[str, Any] | None = None, *, by: str = "s1op", expect: int = 201
    ) -> dict[str, Any]:
        resp = await self.client.post(path, json=body, headers=self.h(by))
        assert resp.status_code == expect, resp.text
        return resp.json() if resp.content else {}

    async def patch(
        self, path: str, body: dict[str, Any], *, by: str = "s1op", expect: int = 200
    ) -> dict[str, Any]:
        resp = await self.client.patch(path, json=body, headers=self.h(by))
        assert resp.status_code == expect, resp.text
        data: dict[str, Any] = resp.json()
        return data

    async def get(self, path: str, *, by: str = "s1op", expect: int = 200) -> dict[str, Any]:
        resp = await self.client.get(path, headers=self.h(by))
        assert resp.status_code == expect, resp.text
        data: dict[str, Any] = resp.json()
        return data

    async def building(self, code: str, at: tuple[float, float], residents: int) -> None:
        """Register a building at `at` with `residents` residents."""
        async with session_scope() as session:
            building = await registry.create_building(
                session, data=BuildingCreate(code=code, name=code, lon=at[0], lat=at[1])
            )
            for n in range(residents):
                await registry.create_resident(
                    session, data=ResidentCreate(building_id=building.id, name=f"Resident {n}")
                )


STAFF = {  # username: (role, unit code)
    "dop": ("operator", "D"),
    "s1op": ("operator", "S1"),
    "s2op": ("operator", "S2"),
    "c11op": ("operator", "C11"),
    "gw11": ("grid_worker", "C11"),
    "gw12": ("grid_worker", "C12"),
    "gw21": ("grid_worker", "C21"),
    "san": ("department_staff", "D-SAN"),
    "townop": ("operator", "T"),
}


@pytest.fixture
async def room(world: World, client: httpx.AsyncClient) -> Room:
    """The case world with the staff of `STAFF`, each with a bearer token."""
    r = Room(world, client)
    for username, (role, code) in STAFF.items():
        r.staff[username] = await world.staff(username, role, code)
    return r
