"""Meeting-test factories: a test district, its secretary (an operator of street 1), a grid
worker who reads, a department's staff member, an operator of street 2, and residents."""

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
from linli.residents.types import Level, ResidentActor

STAFF = {
    "sec": ("operator", "S1"),
    "gw": ("grid_worker", "S1-C1"),
    "dept": ("department_staff", "DEPT"),
    "other": ("operator", "S2"),
}


@dataclass
class Council:
    """The district, its staff with tokens, and a client."""

    tree: Tree
    client: httpx.AsyncClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def h(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    def unit(self, code: str) -> uuid.UUID:
        return self.tree.unit(code).id

    def resident(self, *, at: str = "S1-C1-G1", level: Level = Level.PHONE) -> ResidentActor:
        """Return a resident whose home is in unit `at`."""
        return ResidentActor(uuid.uuid4(), level, self.tree.unit(at).path, locale="en")

    async def call(
        self, method: str, url: str, body: Any = None, *, by: str = "sec", expect: int = 200
    ) -> Any:
        resp = await self.client.request(method, url, json=body, headers=self.h(by))
        assert resp.status_code == expect, resp.text
        return resp.json()

    async def plan(
        self, *, by: str = "sec", unit: str = "S1-C1", expect: int = 201, **extra: Any
    ) -> Any:
        """Plan a meeting through the API, starting in an hour, and return its detail."""
        start = clock_mod.now() + timedelta(hours=1)
        body: dict[str, Any] = {
            "unit_id": str(self.unit(unit)),
            "title": "Monthly residents' meeting",
            "mode": "hybrid",
            "venue": "Community hall, 2nd floor",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
            "stream_url": "https://video.example.org/live/council",
            "agenda": ["Lift repairs", "Summer festival", "Any other business"],
            **extra,
        }
        return await self.call("POST", "/api/meetings", body, by=by, expect=expect)


@pytest.fixture
async def council(db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient) -> Council:
    async with session_scope() as session:
        tree = await make_district(session)
        c = Council(tree, client)
        for name, (role, code) in STAFF.items():
            account, token = await make_staff(
                session, username=name, role=role, unit=tree.unit(code)
            )
            c.tokens[name], c.ids[name] = token, account.id
    return c
