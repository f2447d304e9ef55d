"""A district with a coordinator (operator of street 1), an operator of street 2, a grid
worker, and volunteers of street 1 with staff accounts of the `volunteer` role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from factories import Tree, bearer, make_district, make_staff
from linli.core import clock as clock_mod
from linli.core.database import session_scope

from .world import ALWAYS, east_of


@dataclass
class Site:
    tree: Tree
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)
    volunteers: dict[str, str] = field(default_factory=dict)

    async def call(
        self, method: str, url: str, body: Any = None, *, by: str = "coord", expect: int = 200
    ) -> Any:
        resp = await self.client.request(method, url, json=body, headers=bearer(self.tokens[by]))
        assert resp.status_code == expect, resp.text
        return resp.json() if resp.content else None

    async def programme(self, *, confirm: bool = False) -> str:
        body = {
            "unit_id": str(self.tree.unit("S1-C1").id), "name": {"en": "Meal rounds"},
            "requires_confirmation": confirm,
        }  # fmt: skip
        return str((await self.call("POST", "/api/programmes", body, expect=201))["id"])

    async def shift(
        self, programme: str, *, hours: float = 24, length: float = 2, needed: int = 1
    ) -> str:
        start = clock_mod.now() + timedelta(hours=hours)
        body = {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=length)).isoformat(),
            "place": "Block 12 kitchen", "needed": needed,
        }  # fmt: skip
        made = await self.call("POST", f"/api/programmes/{programme}/shifts", body, expect=201)
        return str(made["id"])


@pytest.fixture
async def site(client: httpx.AsyncClient, clock: clock_mod.ManualClock) -> Site:
    async with session_scope() as session:
        tree = await make_district(session)
        s = Site(tree, client)
        for who, role, unit in (
            ("coord", "operator", "S1"),
            ("other", "operator", "S2"),
            ("gw", "grid_worker", "S1-C1-G1"),
            ("ana", "volunteer", "S1-C1-G1"),
            ("bo", "volunteer", "S1-C1-G1"),
        ):
            account, s.tokens[who] = await make_staff(
                session, username=who, role=role, unit=tree.unit(unit)
            )
            s.accounts[who] = account.id
    for i, who in enumerate(("ana", "bo")):
        lon, lat = east_of(100 + 100 * i)
        body = {
            "unit_id": str(tree.unit("S1-C1-G1").id), "account_id": str(s.accounts[who]),
            "name": who.title(), "phone": "+65 9000 000" + str(i), "lon": lon, "lat": lat,
            "languages": ["en"], "windows": ALWAYS,
        }  # fmt: skip
        s.volunteers[who] = (await s.call("POST", "/api/volunteers", body, expect=201))["id"]
    return s
