"""The browser site of `seed_browser_site.py`, plus one moment seen everywhere.

    python tests/web/seed_clock_site.py /tmp/x/linli.db   # migrate, seed, print JSON

At `AT` (two hours ago, on the minute) the air station sends a PM2.5 reading over the limit:
the alarm opens a case and the operator's inbox is told; at the same instant a resident reports
a problem, whose status page the test opens. Every page must show that instant on the site's
clock (Asia/Shanghai), whatever the browser's own zone.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from seed_browser_site import seed as seed_browser_site

from linli.cases.intake import service as intake_service
from linli.core import clock as clock_mod
from linli.core import database
from linli.core.database import session_scope
from linli.iot import pipeline, repository
from linli.iot.schemas import ReadingIn
from linli.rules.notifications import dispatcher
from linli.runtime.extensions import load_extensions


async def seed(path: str) -> dict[str, Any]:
    info: dict[str, Any] = await seed_browser_site(path)
    load_extensions()
    database.init_engine(f"sqlite+aiosqlite:///{path}")
    at = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    previous = clock_mod.install(clock_mod.ManualClock(at))
    try:
        async with session_scope() as session:
            device = await repository.device_by_code(session, info["device_code"])
            assert device is not None
            await pipeline.ingest(
                session, device=device, readings=[ReadingIn(metric="pm25", value=182.0, ts=at)]
            )
        async with session_scope() as session:
            await dispatcher.dispatch_events(session)
        async with session_scope() as session:
            receipt = await intake_service.submit_public_report(
                session, text="Broken street light at the bus stop", lon=113.806, lat=22.507,
                category_code="env.air",
            )  # fmt: skip
    finally:
        clock_mod.install(previous)
        await database.dispose_engine()
    return {**info, "at": at.isoformat(), "token": receipt.token, "device_id": str(device.id)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
