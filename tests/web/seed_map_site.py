"""Prepare a SQLite site holding both demo sites for the map browser test, and print as JSON
what it needs: each site's admin, an API token, and one device of each alarm-raising type.

    python tests/web/seed_map_site.py /tmp/x/linli.db

Bao'an (`grid`) small, Sengkang (`town`) with the shipped blocks and bus stops at a scale that
puts a few hundred devices on its map (dense enough to cluster).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from sqlalchemy import select

from linli.core import database, migrate
from linli.core.database import session_scope
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service
from linli.security.models import StaffAccount
from linli.twin import demo
from linli.twin.geography import baoan_district, sengkang_town

PASSWORD = "correct horse battery"
# One device of each type whose rule raises a different severity (twin/demo_data.py RULES).
ALARMING = ("WaterLevel", "AirQualityObserved", "WasteContainer")


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    sites: dict[str, Any] = {}
    async with session_scope() as session:
        await demo.load_categories(session)
        for spec in (baoan_district(scale=0.02), sengkang_town(data_dir=None, scale=0.3)):
            result = await demo.load_site(session, spec, password=PASSWORD)
            admin_name = next(lg.username for lg in result.logins if lg.role == "admin")
            admin = await session.scalar(
                select(StaffAccount).where(StaffAccount.username == admin_name)
            )
            assert admin is not None
            token, _ = await security_service.issue_token(
                session, account_id=admin.id, name="map-test", actor="system"
            )
            sites[spec.profile] = {
                "admin": admin_name,
                "admin_id": str(admin.id),
                "token": token,
                "devices": {t: next(d for d in result.devices if d["type"] == t) for t in ALARMING},
                "device_count": len(result.devices),
            }
    await database.dispose_engine()
    return {"password": PASSWORD, "sites": sites}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
