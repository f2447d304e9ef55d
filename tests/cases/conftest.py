"""Case-test factories: a small grid district and a small town, staff with tokens, categories."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from linli.cases import service as cases
from linli.cases.models import Case
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security
from linli.security.permissions import Principal

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64

NOISE_LIMITS = {"register": 60, "dispatch": 60, "accept": 120, "handle": 480, "verify": 240}


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    """Return a GeoJSON square polygon."""
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Staff:
    """A staff member with a live bearer token."""

    principal: Principal
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def id(self) -> uuid.UUID:
        return self.principal.account_id


@dataclass
class World:
    """A grid district (D: 2 streets, 4 communities, 8 grids, a sanitation department) and a
    town (T: 2 zones, a town-council department)."""

    units: dict[str, OrgUnit]
    centers: dict[str, tuple[float, float]] = field(default_factory=dict)

    def __getitem__(self, code: str) -> OrgUnit:
        return self.units[code]

    def at(self, code: str) -> tuple[float, float]:
        """Return a point well inside the unit with `code`."""
        return self.centers[code]

    async def staff(self, username: str, role: str, unit_code: str) -> Staff:
        """Create an account holding `role` over `unit_code`'s subtree, with a token."""
        async with session_scope() as session:
            account = await security.create_account(
                session, username=username, display_name=username.title(), password="pw-" * 4
            )
            await security.grant_role(
                session, account_id=account.id, role=role, unit_id=self.units[unit_code].id
            )
            secret, _ = await security.issue_token(
                session, account_id=account.id, name="test", actor="system"
            )
            principal = await security.load_principal(session, account, via="token")
        return Staff(principal, secret)

    async def grant(self, staff: Staff, role: str, unit_code: str) -> None:
        """Give `staff` `role` over one more subtree (their token sees it at once)."""
        async with session_scope() as session:
            await security.grant_role(
                session, account_id=staff.id, role=role, unit_id=self.units[unit_code].id
            )

    async def install_admin(self, username: str = "root") -> Staff:
        """Create an administrator of both trees: the one who edits the shared catalogue."""
        staff = await self.staff(username, "admin", "D")
        await self.grant(staff, "admin", "T")
        return staff

    async def report(
        self,
        by: Staff | str = "system",
        *,
        where: str = "C11-G1",
        category: str = "public.order.noise",
        title: str = "Loud music after midnight",
        source: str = "staff",
    ) -> Case:
        """Report a case at the centre of unit `where`."""
        lon, lat = self.at(where)
        async with session_scope() as session:
            return await cases.report_case(
                session,
                actor=by.principal if isinstance(by, Staff) else by,
                category_code=category,
                title=title,
                description="",
                lon=lon,
                lat=lat,
                source=source,
            )


async def build_world() -> World:
    """Create both trees, their calendars, routes and the case categories."""
    units: dict[str, OrgUnit] = {}
    centers: dict[str, tuple[float, float]] = {}

    async def unit(
        kind: str, code: str, parent: str | None, box: tuple[float, float, float, float] | None
    ) -> OrgUnit:
        created = await org_service.create_unit(
            session,
            kind=kind,
            code=code,
            name=f"{kind.title()} {code}",
            parent=units[parent] if parent else None,
            boundary=square(*box) if box else None,
            profile="town" if code == "T" else None,
        )
        units[code] = created
        if box:
            centers[code] = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        return created

    async with session_scope() as session:
        await unit("district", "D", None, (113.80, 22.50, 113.88, 22.58))
        for s, lon0 in (("S1", 113.80), ("S2", 113.84)):
            await unit("street", s, "D", (lon0, 22.50, lon0 + 0.04, 22.58))
            for c, lat0 in ((f"C{s[1]}1", 22.50), (f"C{s[1]}2", 22.54)):
                await unit("community", c, s, (lon0, lat0, lon0 + 0.04, lat0 + 0.04))
                for g, glon in ((f"{c}-G1", lon0), (f"{c}-G2", lon0 + 0.02)):
                    await unit("grid", g, c, (glon, lat0, glon + 0.02, lat0 + 0.04))
                await org_service.set_route(
                    session, category_code="public.order", scope=units[c], target=units[f"{c}-G1"]
                )
        await unit("department", "D-SAN", "D", None)
        await org_service.set_calendar(session, unit=units["D"], timezone="Asia/Shanghai")
        await org_service.set_route(
            session, category_code="env.waste", scope=units["D"], target=units["D-SAN"]
        )

        await unit("town", "T", None, (103.88, 1.38, 103.92, 1.40))
        await unit("zone", "Z1", "T", (103.88, 1.38, 103.90, 1.40))
        await unit("zone", "Z2", "T", (103.90, 1.38, 103.92, 1.40))
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
            priority=3,
            step_limits=NOISE_LIMITS,
        )
        await cases.upsert_category(
            session,
            code="env.waste",
            name="Waste",
            name_zh="垃圾",
            priority=2,
            step_limits={"register": 30, "dispatch": 30, "accept": 60, "handle": 240},
        )
        await cases.upsert_category(
            session, code="env.air", name="Air", priority=1, requires_photo=True
        )
    return World(units, centers)


@pytest.fixture
async def world(db: str, clock: clock_mod.ManualClock) -> World:
    """The two trees of the case tests, built at the clock's start (Monday 09:00 local)."""
    return await build_world()
