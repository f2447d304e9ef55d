"""Prepare a SQLite site whose names are script payloads, for the browser XSS test.

    python tests/web/seed_xss_site.py /tmp/x/linli.db

The org units (the community and its grid) carry payload names; a category is routed to the
grid; an admin holds the district and gets an API token, through which the test enters every
other payload (devices, buildings, rules, incidents, notes, cases) the way a client would.
"""

from __future__ import annotations

import asyncio
import json
import sys

from seed_browser_site import box

from linli.cases import service as cases_service
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service

PASSWORD = "correct horse battery"
# Every way a string turned into HTML would run script; each sets a different flag.
PAYLOAD = (
    '<img src=x onerror="window.__xss=1">"><svg onload="window.__xss=2">'
    "<script>window.__xss=3</script>"
)
JS_URL = "javascript:window.__xss=4"


async def seed(path: str) -> dict[str, str]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        district = await org_service.create_unit(
            session, kind="district", code="BA", name="Bao'an", boundary=box(113.80, 22.50, 0.1)
        )
        street = await org_service.create_unit(
            session,
            kind="street",
            code="BA-XX",
            name=f"Street {JS_URL}",
            parent=district,
            boundary=box(113.80, 22.50, 0.05),
        )
        community = await org_service.create_unit(
            session,
            kind="community",
            code="BA-XX-C1",
            name=f"C1 {PAYLOAD}",
            name_zh=f"社区 {PAYLOAD}",
            parent=street,
            boundary=box(113.80, 22.50, 0.025),
        )
        grid = await org_service.create_unit(
            session,
            kind="grid",
            code="BA-XX-C1-G1",
            name=f"G1 {PAYLOAD}",
            parent=community,
            boundary=box(113.80, 22.50, 0.0125),
        )
        await org_service.set_calendar(session, unit=district, timezone="Asia/Shanghai")
        await cases_service.upsert_category(
            session, code="env.air", name=f"Air {PAYLOAD}"[:200], priority=2
        )
        await org_service.set_route(session, category_code="env.air", scope=district, target=grid)
        admin = await security_service.create_account(
            session, username="ada", display_name=f"Ada {PAYLOAD}"[:200], password=PASSWORD
        )
        await security_service.grant_role(
            session, account_id=admin.id, role="admin", unit_id=district.id
        )
        token, _ = await security_service.issue_token(
            session, account_id=admin.id, name="xss-test", actor="system"
        )
    await database.dispose_engine()
    return {
        "password": PASSWORD,
        "admin": "ada",
        "admin_id": str(admin.id),
        "token": token,
        "district_id": str(district.id),
        "community_id": str(community.id),
        "grid_id": str(grid.id),
        "payload": PAYLOAD,
        "js_url": JS_URL,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
