"""Prepare a small Sengkang demo town (the `town` profile, with the demo's logins) and one bin
case a sensor opened, dispatched at once to the Town Council's conservancy. Prints what the
tests need as JSON.

    python tests/web/seed_sengkang_site.py /tmp/x/linli.db
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

from sqlalchemy import select

from linli.cases import service as cases_service
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org.models import OrgUnit
from linli.runtime.extensions import load_extensions
from linli.twin import demo
from linli.twin.geography import sengkang_town

PASSWORD = "linli-demo-pw"


async def seed(path: str) -> dict[str, object]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        await demo.load_categories(session)
        await demo.load_site(session, sengkang_town(data_dir=None, scale=0.05), password=PASSWORD)
    async with session_scope() as session:
        zone = await session.scalar(
            select(OrgUnit).where(OrgUnit.kind == "zone").order_by(OrgUnit.code).limit(1)
        )
        assert zone is not None and zone.profile == "town"
        lon, lat = 103.895, 1.392  # a point in Sengkang; the zone is given
        case = await cases_service.open_case_from_alarm(
            session,
            alarm_id=uuid.uuid4(),
            category_code="sanitation.bin_overflow",
            unit=zone,
            title="Bin fill level 96%",
            description="WasteContainer over its 90 % limit",
            lon=lon,
            lat=lat,
        )
        case_id, status = str(case.id), case.status
    await database.dispose_engine()
    return {
        "password": PASSWORD,
        "case_id": case_id,
        "status": status,
        "handler": "sengkang.dept",
        "inspector": "sengkang.inspector",
        "operator": "sengkang.operator",
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
