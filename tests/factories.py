"""Shared test factories: a small district, staff with bearer tokens.

Use inside one unit of work and let it commit::

    from factories import bearer, make_district, make_staff

    async with session_scope() as session:
        tree = await make_district(session)
        _, token = await make_staff(session, username="op", role="operator", unit=tree.district)
    response = await client.get("/api/org/units", headers=bearer(token))

The district (code `prefix`, default "T") lies near 113.88 E 22.55 N:

    lon 113.80 ─ 113.88 ─ 113.96
        ┌─────────┬─────────┐ lat 22.58
        │ S1-C2   │ S2-C2   │        each community is split into grids G1 (west), G2 (east)
        ├─────────┼─────────┤ 22.54
        │ S1-C1   │ S2-C1   │
        └─────────┴─────────┘ 22.50

Codes are `T`, `T-S1`, `T-S1-C1`, `T-S1-C1-G1`…, and the department `T-DEPT`. The district has an
Asia/Shanghai Monday–Friday 09:00–18:00 work calendar.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import time
from functools import cache
from typing import Any, TypeVar

from argon2 import PasswordHasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import database
from linli.core.database import Base
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security_service
from linli.security.models import StaffAccount

PASSWORD = "correct horse battery"
WEST, MID, EAST = 113.80, 113.88, 113.96
SOUTH, EQUATOR, NORTH = 22.50, 22.54, 22.58


async def empty_tables() -> None:
    """Empty every table of the test database (the schema stays)."""
    engine = database.get_engine()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # Zero what is deleted, as an erasure does: a test that looks for personal data left
            # anywhere in the file must not find the previous test's.
            await conn.execute(text("PRAGMA secure_delete=ON"))
            for name in tables:
                await conn.execute(text(f"DELETE FROM {name}"))
            await conn.execute(text("PRAGMA secure_delete=FAST"))


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    """Return a GeoJSON polygon of the box between two corners."""
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def center(unit: OrgUnit) -> tuple[float, float]:
    """Return (lon, lat) of the middle of a unit's bounding box."""
    assert unit.min_lon is not None and unit.max_lon is not None
    assert unit.min_lat is not None and unit.max_lat is not None
    return (unit.min_lon + unit.max_lon) / 2, (unit.min_lat + unit.max_lat) / 2


@dataclass
class Tree:
    """The units of one test district; lists are in code order."""

    district: OrgUnit
    department: OrgUnit
    streets: list[OrgUnit] = field(default_factory=list)
    communities: list[OrgUnit] = field(default_factory=list)  # S1-C1, S1-C2, S2-C1, S2-C2
    grids: list[OrgUnit] = field(default_factory=list)  # two per community, same order

    def unit(self, code: str) -> OrgUnit:
        """Return the unit with `code` (the district's prefix may be left out)."""
        for u in [self.district, self.department, *self.streets, *self.communities, *self.grids]:
            if code in (u.code, u.code.partition("-")[2]):
                return u
        raise KeyError(code)


async def make_district(session: AsyncSession, *, prefix: str = "T") -> Tree:
    """Create district → 2 streets → 2 communities each → 2 grids each, and a department."""
    district = await org_service.create_unit(
        session,
        kind="district",
        code=prefix,
        name=f"{prefix} District",
        name_zh="测试区",
        boundary=square(WEST, SOUTH, EAST, NORTH),
    )
    department = await org_service.create_unit(
        session, kind="department", code=f"{prefix}-DEPT", name="Sanitation", parent=district
    )
    tree = Tree(district=district, department=department)
    for s, (lon0, lon1) in enumerate([(WEST, MID), (MID, EAST)], start=1):
        street = await org_service.create_unit(
            session,
            kind="street",
            code=f"{prefix}-S{s}",
            name=f"Street {s}",
            parent=district,
            boundary=square(lon0, SOUTH, lon1, NORTH),
        )
        tree.streets.append(street)
        for c, (lat0, lat1) in enumerate([(SOUTH, EQUATOR), (EQUATOR, NORTH)], start=1):
            community = await org_service.create_unit(
                session,
                kind="community",
                code=f"{street.code}-C{c}",
                name=f"Community {s}.{c}",
                parent=street,
                boundary=square(lon0, lat0, lon1, lat1),
            )
            tree.communities.append(community)
            half = (lon0 + lon1) / 2
            for g, (g0, g1) in enumerate([(lon0, half), (half, lon1)], start=1):
                grid = await org_service.create_unit(
                    session,
                    kind="grid",
                    code=f"{community.code}-G{g}",
                    name=f"Grid {s}.{c}.{g}",
                    parent=community,
                    boundary=square(g0, lat0, g1, lat1),
                )
                tree.grids.append(grid)
    await org_service.set_calendar(
        session,
        unit=district,
        timezone="Asia/Shanghai",
        workdays="01234",
        day_start=time(9, 0),
        day_end=time(18, 0),
    )
    return tree


async def make_staff(
    session: AsyncSession, *, username: str, role: str, unit: OrgUnit
) -> tuple[StaffAccount, str]:
    """Create an account (password `PASSWORD`) holding `role` on `unit`; return it and a token.

    The password hash is computed once per test run (argon2 is slow on purpose), so the
    account is inserted directly rather than through `create_account`.
    """
    account = StaffAccount(
        username=username, display_name=username.title(), password_hash=_password_hash()
    )
    session.add(account)
    await session.flush()
    await security_service.grant_role(session, account_id=account.id, role=role, unit_id=unit.id)
    secret, _ = await security_service.issue_token(
        session, account_id=account.id, name="test", actor="test"
    )
    return account, secret


@cache
def _password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


def bearer(token: str) -> dict[str, str]:
    """Return the headers that authenticate a request with `token`."""
    return {"Authorization": f"Bearer {token}"}


def tiny_png() -> bytes:
    """Return a valid 1×1 PNG, as a phone's camera would upload (only smaller)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


async def run_linli(database_url: str, *args: str) -> tuple[int, str]:
    """Run the `linli` command in its own process against `database_url`; return code, output."""
    import asyncio
    import os
    import sys

    from linli.core.database import close_connections

    await close_connections()  # the other process gets the database to itself
    env = {**os.environ, "LINLI_DATABASE_URL": database_url, "COLUMNS": "200"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from linli.cli import app; app()", *args, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode()


IN_A = (113.82, 22.52)  # inside grid S1-C1-G1 of `make_district`
IN_B = (113.92, 22.52)  # inside grid S2-C1-G1


async def make_air_stations(session: AsyncSession) -> dict[str, tuple[Any, str]]:
    """Register air-quality stations AQ-A (at IN_A) and AQ-B (at IN_B); return them by code."""
    from linli.iot import service as iot_service
    from linli.iot.schemas import DeviceCreate

    stations = {}
    for name, (lon, lat) in (("A", IN_A), ("B", IN_B)):
        device, token = await iot_service.register_device(
            session,
            data=DeviceCreate(code=f"AQ-{name}", type="AirQualityObserved",
                              name=f"Air station {name}", lon=lon, lat=lat),
        )  # fmt: skip
        stations[device.code] = (device, token)
    return stations


@dataclass
class DeviceWorld:
    """The test district with staff holding bearer tokens and the two air stations."""

    tree: Tree
    tokens: dict[str, str] = field(default_factory=dict)
    devices: dict[str, Any] = field(default_factory=dict)  # by code: "AQ-A", "AQ-B"
    device_tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, username: str) -> dict[str, str]:
        return bearer(self.tokens[username])

    def device_auth(self, code: str, token: str | None = None) -> dict[str, str]:
        return {"X-Device-Id": code, "Authorization": f"Device {token or self.device_tokens[code]}"}


W = TypeVar("W", bound=DeviceWorld)


async def make_device_world(kind: type[W], staff: dict[str, tuple[str, str]]) -> W:
    """Create the district, `staff` (username: (role, unit code)) and both stations, committed."""
    from linli.core.database import session_scope

    async with session_scope() as session:
        world = kind(tree=await make_district(session))
        for username, (role, code) in staff.items():
            _, world.tokens[username] = await make_staff(
                session, username=username, role=role, unit=world.tree.unit(code)
            )
        for code, (device, token) in (await make_air_stations(session)).items():
            world.devices[code], world.device_tokens[code] = device, token
    return world
