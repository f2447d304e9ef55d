"""Survey-test factories: a district with staff, surveys built through the API, residents as
`ResidentActor`s living in its communities."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from factories import Tree, bearer, make_district, make_staff
from linli.cases.catalogue import CatalogueEntry, store_entry
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.residents.types import Level, ResidentActor


def texts(en: str) -> dict[str, str]:
    """Return a text written in the four languages."""
    return {"en": en, "zh_Hans": f"{en}（中文）", "ms": f"{en} (BM)", "ta": f"{en} (தமிழ்)"}


def questions() -> list[dict[str, Any]]:
    """Return one question of each kind (the scale on 1–5 rates sanitation)."""
    return [
        {
            "kind": "single",
            "required": True,
            "text": texts("How do you get to the market?"),
            "options": [
                {"key": "bus", "text": texts("By bus")},
                {"key": "walk", "text": texts("On foot")},
                {"key": "cycle", "text": texts("By bicycle")},
            ],
        },
        {
            "kind": "multiple",
            "text": texts("Which facilities do you use?"),
            "options": [
                {"key": "gym", "text": texts("Fitness corner")},
                {"key": "library", "text": texts("Library")},
                {"key": "clinic", "text": texts("Clinic")},
            ],
        },
        {
            "kind": "scale",
            "required": True,
            "text": texts("How clean are the common areas?"),
            "scale": "1-5",
            "low_label": texts("Very dirty"),
            "high_label": texts("Very clean"),
            "service": "sanitation",
        },
        {
            "kind": "scale",
            "text": texts("Would you recommend the estate?"),
            "scale": "0-10",
            "low_label": texts("Not at all"),
            "high_label": texts("Certainly"),
        },
        {"kind": "text", "text": texts("Anything else?")},
    ]


def survey_body(unit_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    """Return a survey of the unit's residents open for a week from the clock's now."""
    now = clock_mod.now()
    body: dict[str, Any] = {
        "title": texts("Living in the estate"),
        "intro": texts("Five minutes about your neighbourhood."),
        "unit_id": str(unit_id),
        "min_level": "signed_in",
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
        "questions": questions(),
    }
    return body | changes


@dataclass
class Site:
    """The test district and its staff: an operator over the district, one over street S2, an
    inspector over the district (reads only)."""

    client: httpx.AsyncClient
    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    async def call(
        self, method: str, url: str, who: str = "op", status: int = 200, **kw: Any
    ) -> Any:
        resp = await self.client.request(method, url, headers=self.auth(who), **kw)
        assert resp.status_code == status, resp.text
        return resp.json()

    async def published(self, unit_code: str = "S1-C1", **changes: Any) -> dict[str, Any]:
        """Create and publish a survey of a unit's residents; return it."""
        unit = self.tree.unit(unit_code)
        made = await self.call(
            "POST", "/api/surveys", json=survey_body(unit.id, **changes), status=201
        )
        return dict(await self.call("POST", f"/api/surveys/{made['id']}/publish"))

    def resident(
        self, unit_code: str = "S1-C1-G1", *, level: Level = Level.PHONE, **kw: Any
    ) -> ResidentActor:
        """Return a resident living in the unit (a fresh account each call)."""
        return ResidentActor(
            account_id=uuid.uuid4(), level=level, org_path=self.tree.unit(unit_code).path, **kw
        )


@pytest.fixture
async def site(client: httpx.AsyncClient, clock: clock_mod.ManualClock) -> Site:
    async with session_scope() as session:
        tree = await make_district(session)
        found = Site(client, tree)
        for who, role, unit in (
            ("op", "operator", tree.district),
            ("op_s2", "operator", tree.unit("S2")),
            ("inspector", "inspector", tree.district),
            ("worker", "grid_worker", tree.unit("S1-C1-G1")),
        ):
            _, found.tokens[who] = await make_staff(session, username=who, role=role, unit=unit)
        await store_entry(
            session, CatalogueEntry(code="sanitation", name="Sanitation", level="major")
        )
        await store_entry(
            session,
            CatalogueEntry(code="sanitation.litter", name="Litter", parent="sanitation"),
        )
    return found
