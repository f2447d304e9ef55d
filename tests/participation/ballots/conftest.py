"""Vote-test factories: the test district with its officers, register and residents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from factories import bearer, make_district, make_staff
from linli.core.database import session_scope
from linli.registry import service as registry
from linli.registry.schemas import BuildingCreate, ResidentCreate
from linli.residents.types import Level, ResidentActor


@dataclass
class Site:
    """The district T, its officers (tokens by name) and one registered resident per
    community, each with an account of theirs."""

    client: httpx.AsyncClient
    units: dict[str, Any]
    tokens: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)
    residents: dict[str, uuid.UUID] = field(default_factory=dict)  # community code → register
    buildings: dict[str, Any] = field(default_factory=dict)  # community code → its block

    def h(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    def path(self, code: str) -> str:
        return str(self.units[code].path)

    def resident(self, code: str = "T-S1-C1", *, level: Level = Level.REGISTRY) -> ResidentActor:
        """Return a new resident living in community `code`, verified to `level`."""
        return ResidentActor(account_id=uuid.uuid4(), level=level, org_path=self.path(code))

    async def call(
        self, method: str, url: str, who: str = "s1op", *, expect: int | None = None, **kw: Any
    ) -> Any:
        resp = await self.client.request(method, url, headers=self.h(who), **kw)
        if expect is not None:
            assert resp.status_code == expect, resp.text
        return resp.json() if resp.content else None

    async def vote(
        self, *, kind: str = "budget", unit: str = "T-S1", who: str = "s1op", **extra: Any
    ) -> dict[str, Any]:
        """Create a vote through the API: a budget of 100 over four projects, or an approval
        vote over three options."""
        body: dict[str, Any] = {
            "title": "Street 1 budget",
            "kind": kind,
            "unit_id": str(self.units[unit].id),
        }
        if kind == "budget":
            body |= {
                "budget": 100,
                "currency": "SGD",
                "options": [
                    {"title": "Playground", "cost": 60},
                    {"title": "Benches", "cost": 30},
                    {"title": "Bike racks", "cost": 20},
                    {"title": "Garden", "cost": 50},
                ],
            }
        else:
            body |= {"options": [{"title": t} for t in ("Red", "Green", "Blue")]}
        body |= extra
        return await self.call("POST", "/api/votes", who, json=body, expect=201)  # type: ignore[no-any-return]

    async def to_phase(self, vote: dict[str, Any], phase: str, who: str = "s1op") -> None:
        await self.call(
            "POST", f"/api/votes/{vote['id']}/phase", who, json={"phase": phase}, expect=200
        )


@pytest.fixture
async def site(client: httpx.AsyncClient) -> Site:
    async with session_scope() as session:
        tree = await make_district(session)
        units = {
            u.code: u
            for u in [tree.district, tree.department, *tree.streets, *tree.communities, *tree.grids]
        }
        s = Site(client=client, units=units)
        for name, role, code in (
            ("admin", "admin", "T"),
            ("s1op", "operator", "T-S1"),
            ("s1op2", "operator", "T-S1"),
            ("s2op", "operator", "T-S2"),
            ("gw", "grid_worker", "T-S1-C1-G1"),
        ):
            account, s.tokens[name] = await make_staff(
                session, username=name, role=role, unit=units[code]
            )
            s.accounts[name] = account.id
        for n, code in enumerate(("T-S1-C1", "T-S1-C2", "T-S2-C1")):
            unit = units[code]
            assert unit.min_lon is not None and unit.max_lon is not None
            assert unit.min_lat is not None and unit.max_lat is not None
            building = await registry.create_building(
                session,
                data=BuildingCreate(
                    code=f"B{n}",
                    name=f"Block {n}",
                    lon=(unit.min_lon + unit.max_lon) / 2,
                    lat=(unit.min_lat + unit.max_lat) / 2,
                ),
            )
            s.buildings[code] = building
            for i in range(3):
                resident = await registry.create_resident(
                    session, data=ResidentCreate(building_id=building.id, name=f"Person {n}.{i}")
                )
                if i == 0:
                    s.residents[code] = resident.id
    return s
