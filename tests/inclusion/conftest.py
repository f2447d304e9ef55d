"""Digital-inclusion test factories: a test district, a community operator (plans courses), two
digital ambassadors (one of community S1-C1, one of street S2), a grid worker, an inspector,
and helpers to plan courses and sessions through the API."""

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
    "op": ("operator", "S1"),
    "amb": ("digital_ambassador", "S1-C1"),
    "amb2": ("digital_ambassador", "S2"),
    "gw": ("grid_worker", "S1-C1-G1"),
    "insp": ("inspector", "S1"),
    "dept": ("department_staff", "DEPT"),
}
TITLE = {"en": "Scam safety", "zh_Hans": "防范诈骗", "ms": "Keselamatan penipuan", "ta": "மோசடி"}


@dataclass
class Hub:
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
        self, method: str, url: str, body: Any = None, *, by: str = "op", expect: int = 200
    ) -> Any:
        resp = await self.client.request(method, url, json=body, headers=self.h(by))
        assert resp.status_code == expect, resp.text
        return resp.json()

    async def course(self, *, unit: str = "S1-C1", by: str = "op", **extra: Any) -> Any:
        body = {"unit_id": str(self.unit(unit)), "title": TITLE, "topics": ["scam_safety"]}
        return await self.call("POST", "/api/inclusion/courses", body | extra, by=by, expect=201)

    async def session(
        self, course_id: str, *, capacity: int = 2, hours: float = 24, by: str = "op", **extra: Any
    ) -> Any:
        """Schedule a session starting in `hours`, an hour and a half long."""
        start = clock_mod.now() + timedelta(hours=hours)
        body = {
            "place": "Community club, room 2",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=90)).isoformat(),
            "language": "zh_Hans",
            "capacity": capacity,
            "ambassadors": [str(self.ids["amb"])],
        }
        url = f"/api/inclusion/courses/{course_id}/sessions"
        return await self.call("POST", url, body | extra, by=by, expect=201)


@pytest.fixture
async def hub(db: str, clock: clock_mod.ManualClock, client: httpx.AsyncClient) -> Hub:
    async with session_scope() as session:
        tree = await make_district(session)
        h = Hub(tree, client)
        for name, (role, code) in STAFF.items():
            account, token = await make_staff(
                session, username=name, role=role, unit=tree.unit(code)
            )
            h.tokens[name], h.ids[name] = token, account.id
    return h
