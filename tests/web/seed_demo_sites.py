"""Prepare a SQLite site holding both demo sites, small, for the browser tests that visit every
page as staff of each governance profile, and print what they need as JSON.

    python tests/web/seed_demo_sites.py /tmp/x/linli.db

Bao'an (`grid`) and Sengkang (`town`) as `linli demo` builds them, at a small scale: org tree,
routes, staff of every role, buildings, residents, devices and rules. Each site's admin gets an
API token, through which the test adds what the pages show (an alarm and its case, an incident,
a resident's report) the way clients would.
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


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    sites: dict[str, Any] = {}
    async with session_scope() as session:
        await demo.load_categories(session)
        for spec in (baoan_district(scale=0.02), sengkang_town(data_dir=None, scale=0.05)):
            result = await demo.load_site(session, spec, password=PASSWORD)
            admin_name = next(lg.username for lg in result.logins if lg.role == "admin")
            admin = await session.scalar(
                select(StaffAccount).where(StaffAccount.username == admin_name)
            )
            assert admin is not None
            token, _ = await security_service.issue_token(
                session, account_id=admin.id, name="browser-test", actor="system"
            )
            air = next(d for d in result.devices if d["type"] == "AirQualityObserved")
            sites[spec.profile] = {
                "admin": admin_name,
                "admin_id": str(admin.id),
                "worker": next(lg.username for lg in result.logins if lg.role == "grid_worker"),
                "logins": sorted(lg.username for lg in result.logins),
                "token": token,
                "air": air,
            }
    await database.dispose_engine()
    return {"password": PASSWORD, "sites": sites}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
