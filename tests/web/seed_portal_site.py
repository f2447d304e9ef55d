"""Prepare a fresh SQLite database for the resident portal's browser test and print what it
needs as JSON.

    python tests/web/seed_portal_site.py /tmp/x/linli.db

A district → street → community → grid tree with a work calendar, a noise category routed to the
grid, block BLK-7 in the grid, and an operator and a grid worker with API tokens (to move the
residents' reports as staff would). Residents sign up in the test itself, with the code the file
gateway writes under var/notifications/.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from linli.cases import service as cases_service
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service

BLOCK = (113.803, 22.503)  # inside the grid


def box(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def seed(path: str) -> dict[str, str]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    tokens: dict[str, str] = {}
    async with session_scope() as session:
        district = await org_service.create_unit(
            session, kind="district", code="BA", name="Bao'an", boundary=box(113.80, 22.50, 0.1)
        )
        street = await org_service.create_unit(
            session, kind="street", code="BA-XX", name="Xixiang", parent=district,
            boundary=box(113.80, 22.50, 0.05),
        )  # fmt: skip
        community = await org_service.create_unit(
            session, kind="community", code="BA-XX-C1", name="Haibin", parent=street,
            boundary=box(113.80, 22.50, 0.025),
        )  # fmt: skip
        grid = await org_service.create_unit(
            session, kind="grid", code="BA-XX-C1-G1", name="Haibin grid 1", parent=community,
            boundary=box(113.80, 22.50, 0.0125),
        )  # fmt: skip
        await org_service.set_calendar(session, unit=district, timezone="Asia/Shanghai")
        await cases_service.upsert_category(
            session, code="public.order.noise", name="Noise", name_zh="噪音", priority=3
        )
        await org_service.set_route(
            session, category_code="public.order.noise", scope=district, target=grid
        )
        await registry_service.create_building(
            session,
            data=BuildingCreate(
                code="BLK-7", name="Block 7", lon=BLOCK[0], lat=BLOCK[1], households=40
            ),
        )
        for username, role, unit in (
            ("olivia", "operator", street),
            ("grace", "grid_worker", grid),
        ):
            account = await security_service.create_account(
                session, username=username, display_name=username.title(), password="pw-" * 4
            )
            await security_service.grant_role(
                session, account_id=account.id, role=role, unit_id=unit.id
            )
            tokens[username], _ = await security_service.issue_token(
                session, account_id=account.id, name="browser", actor="seed"
            )
    await database.dispose_engine()
    return {"operator": tokens["olivia"], "worker": tokens["grace"]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
