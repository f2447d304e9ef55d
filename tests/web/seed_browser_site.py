"""Prepare a fresh SQLite database for the browser tests and print what they need as JSON.

    python tests/web/seed_browser_site.py /tmp/x/linli.db

Builds the schema with the Alembic migrations, a small org tree (district → street →
community → grid, with boundaries and a work calendar), a case category routed to the grid, an
air-quality station in the grid with a PM2.5 threshold rule that opens a case, an operator on the
street and a grid worker on the community.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from linli.cases import service as cases_service
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.schemas import DeviceCreate
from linli.org import service as org_service
from linli.rules import service as rules_service
from linli.rules.schemas import RuleCreate
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service

PASSWORD = "correct horse battery"
STATION = (113.806, 22.507)  # inside Haibin grid 1


def box(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def seed(path: str) -> dict[str, str]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)  # the schema a real install gets
    database.init_engine(url)
    async with session_scope() as session:
        district = await org_service.create_unit(
            session, kind="district", code="BA", name="Bao'an", boundary=box(113.80, 22.50, 0.1)
        )
        street = await org_service.create_unit(
            session,
            kind="street",
            code="BA-XX",
            name="Xixiang",
            parent=district,
            boundary=box(113.80, 22.50, 0.05),
        )
        await org_service.create_unit(
            session,
            kind="street",
            code="BA-HC",
            name="Hangcheng",
            parent=district,
            boundary=box(113.85, 22.50, 0.05),
        )
        community = await org_service.create_unit(
            session,
            kind="community",
            code="BA-XX-C1",
            name="Haibin",
            parent=street,
            boundary=box(113.80, 22.50, 0.025),
        )
        grid = await org_service.create_unit(
            session,
            kind="grid",
            code="BA-XX-C1-G1",
            name="Haibin grid 1",
            parent=community,
            boundary=box(113.80, 22.50, 0.0125),
        )
        await org_service.set_calendar(session, unit=district, timezone="Asia/Shanghai")
        await cases_service.upsert_category(
            session, code="env.air", name="Air quality", name_zh="空气质量", priority=2
        )
        await org_service.set_route(session, category_code="env.air", scope=district, target=grid)
        device, token = await iot_service.register_device(
            session,
            data=DeviceCreate(
                code="AQ-HB-01",
                type="AirQualityObserved",
                name="Haibin school air station",
                lon=STATION[0],
                lat=STATION[1],
            ),
        )
        await rules_service.create_rule(
            session,
            data=RuleCreate(
                name="PM2.5 too high",
                device_type="AirQualityObserved",
                metric="pm25",
                params={"op": ">", "threshold": 75},
                scope_unit_id=district.id,
                severity="major",
                case_category="env.air",
            ),
        )
        for username, name, role, unit in (
            ("olivia", "Olivia Tan", "operator", street),
            ("grace", "Grace Lim", "grid_worker", community),
        ):
            account = await security_service.create_account(
                session, username=username, display_name=name, password=PASSWORD
            )
            await security_service.grant_role(
                session, account_id=account.id, role=role, unit_id=unit.id
            )
    await database.dispose_engine()
    return {
        "device_code": device.code,
        "device_token": token,
        "password": PASSWORD,
        "operator": "olivia",
        "worker": "grace",
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
