"""The browser site of `seed_browser_site.py`, plus a hall residents book and two residents
signed in (one reading English, one Chinese), one of them holding tomorrow's 10:00.

    python tests/web/seed_bookings_site.py /tmp/x/linli.db   # migrate, seed, print JSON
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from seed_browser_site import seed as seed_browser_site

from linli.core import clock, database, localtime
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.residents import service as residents_service
from linli.residents.bookings import service as bookings_service
from linli.residents.bookings.schemas import FacilityCreate
from linli.residents.models import ResidentAccount
from linli.residents.types import Level
from linli.runtime.extensions import load_extensions
from linli.security.permissions import Grant, Principal


async def seed(path: str) -> dict[str, Any]:
    info: dict[str, Any] = await seed_browser_site(path)
    load_extensions()
    database.init_engine(f"sqlite+aiosqlite:///{path}")
    sessions: dict[str, str] = {}
    try:
        async with session_scope() as session:
            district = await org_service.get_unit_by_code(session, "BA")
            community = await org_service.get_unit_by_code(session, "BA-XX-C1")
            grid = await org_service.get_unit_by_code(session, "BA-XX-C1-G1")
            admin = Principal(
                uuid.uuid4(), "seed", "Seed", grants=(Grant("admin", district.id, district.path),)
            )
            hall = await bookings_service.create_facility(
                session,
                data=FacilityCreate(
                    org_unit_id=grid.id, kind="hall", name="Haibin community hall",
                    name_zh="海滨社区礼堂", location="Block 5, ground floor", fee_per_hour=2000,
                    need_level=int(Level.PHONE),
                ),
                principal=admin,
            )  # fmt: skip
            zone = await org_service.site_timezone(session, grid)
            tomorrow = localtime.local(clock.now(), zone).date() + timedelta(days=1)
            starts = datetime.combine(tomorrow, time(10, 0), tzinfo=localtime.zone(zone))
            for locale in ("en", "zh_Hans"):
                account = ResidentAccount(
                    display_name=f"Resident {locale}",
                    email=f"resident-{locale.lower()}@example.org",
                    phone="+8613800000001" if locale == "en" else "+8613800000002",
                    locale=locale,
                    level=int(Level.PHONE),
                    org_unit_id=community.id,
                    org_path=community.path,
                )
                session.add(account)
                await session.flush()
                sessions[locale], _ = await residents_service.start_session(session, account)
                await bookings_service.book(
                    session,
                    residents_service.actor_of(account),
                    facility_id=hall.id,
                    starts_at=clock.as_utc(starts) + timedelta(hours=len(sessions)),
                    ends_at=clock.as_utc(starts) + timedelta(hours=len(sessions) + 1),
                )
    finally:
        await database.dispose_engine()
    return {**info, "facility_id": str(hall.id), "day": tomorrow.isoformat(), "cookies": sessions}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
