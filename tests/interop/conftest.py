"""Open311 test factories: a small grid district, a town, categories and api_keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from linli.cases import service as cases
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security
from linli.security.permissions import Principal

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def square(box: tuple[float, float, float, float]) -> dict[str, Any]:
    """Return a GeoJSON square polygon over `box` (lon0, lat0, lon1, lat1)."""
    lon0, lat0, lon1, lat1 = box
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Key:
    """A staff account standing for an Open311 client, with its api_key and principal."""

    principal: Principal
    api_key: str


@dataclass
class City:
    """District D (street S1, community C1, grids G1/G2, department D-SAN) and town T (zone Z1,
    council T-TC)."""

    units: dict[str, OrgUnit]
    centers: dict[str, tuple[float, float]] = field(default_factory=dict)

    def __getitem__(self, code: str) -> OrgUnit:
        return self.units[code]

    def point(self, code: str) -> dict[str, str]:
        """Return the lat/long form fields of a point inside unit `code`."""
        lon, lat = self.centers[code]
        return {"lat": str(lat), "long": str(lon)}

    async def key(self, username: str, role: str, *unit_codes: str) -> Key:
        """Create an account with `role` over each unit and an API token (the api_key)."""
        async with session_scope() as session:
            account = await security.create_account(
                session, username=username, display_name=username.title(), password="pw-" * 4
            )
            for code in unit_codes:
                await security.grant_role(
                    session, account_id=account.id, role=role, unit_id=self.units[code].id
                )
            secret, _ = await security.issue_token(
                session, account_id=account.id, name="open311", actor="system"
            )
            principal = await security.load_principal(session, account, via="token")
        return Key(principal, secret)


async def build_city() -> City:
    """Create the trees, their calendars and routes, and two categories."""
    units: dict[str, OrgUnit] = {}
    centers: dict[str, tuple[float, float]] = {}
    async with session_scope() as session:

        async def unit(
            kind: str, code: str, parent: str | None, box: tuple[float, float, float, float] | None
        ) -> None:
            units[code] = await org_service.create_unit(
                session,
                kind=kind,
                code=code,
                name=f"{kind.title()} {code}",
                parent=units[parent] if parent else None,
                boundary=square(box) if box else None,
                profile="town" if code == "T" else None,
            )
            if box:
                centers[code] = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)

        await unit("district", "D", None, (113.80, 22.50, 113.84, 22.54))
        await unit("street", "S1", "D", (113.80, 22.50, 113.84, 22.54))
        await unit("community", "C1", "S1", (113.80, 22.50, 113.84, 22.54))
        await unit("grid", "G1", "C1", (113.80, 22.50, 113.82, 22.54))
        await unit("grid", "G2", "C1", (113.82, 22.50, 113.84, 22.54))
        await unit("department", "D-SAN", "D", None)
        await org_service.set_calendar(session, unit=units["D"], timezone="Asia/Shanghai")
        await org_service.set_route(
            session, category_code="env.waste", scope=units["D"], target=units["D-SAN"]
        )
        await unit("town", "T", None, (103.88, 1.38, 103.92, 1.40))
        await unit("zone", "Z1", "T", (103.88, 1.38, 103.92, 1.40))
        await unit("department", "T-TC", "T", None)
        await org_service.set_calendar(session, unit=units["T"], timezone="Asia/Singapore")
        await org_service.set_route(
            session, category_code="env.waste", scope=units["T"], target=units["T-TC"]
        )
        await cases.upsert_category(
            session,
            code="public.order.noise",
            name="Noise",
            name_zh="噪音",
            step_limits={"register": 60, "dispatch": 60, "accept": 120, "handle": 480},
        )
        await cases.upsert_category(
            session,
            code="env.waste",
            name="Waste",
            priority=2,
            step_limits={"register": 30, "dispatch": 30, "accept": 60, "handle": 240},
        )
    return City(units, centers)


@pytest.fixture
async def city(db: str, clock: clock_mod.ManualClock) -> City:
    """The trees of the Open311 tests, built at the clock's start."""
    return await build_city()


@pytest.fixture
async def reporter(city: City) -> Key:
    """An Open311 client allowed to report (and read) anywhere in both trees."""
    return await city.key("app", "grid_worker", "D", "T")


@pytest.fixture
async def admin(city: City) -> Key:
    """A staff member who may move any case of district D and town T."""
    return await city.key("boss", "admin", "D", "T")
