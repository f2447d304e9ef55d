"""Case histories for the figures page, driven through the real services on a manual clock.

    python tests/web/seed_figures_site.py /tmp/x/linli.db   # migrate, seed, print JSON

District → street Xixiang → communities Haibin and Bihai, one grid each; noise cases routed to
the community's grid (limits: register 60, dispatch 60, accept 120, handle 480, verify 240
working minutes; 09:00–18:00 Shenzhen). Minutes after Monday 2 March 2026, 09:00:

* Haibin A: register 10, dispatch 20, accept 30, handled 90, verified and closed 120; rated 5.
* Haibin B: reported 150, register 160, dispatch 170, accepted late at 350 (180 minutes against
  120), handled 410, verification failed 440, handled 500, verified and closed 530; rated 2.
* Bihai C (Tuesday 09:00 + minutes): register 10, dispatch 20, accept 30, handled 60, verified
  and closed 90; rated 4.

So Haibin: 2 closed, 11 of 12 steps on time (91.7 %), first-time fix 50 %, satisfaction 3.5 from
2 ratings, handling 60 minutes; Bihai: 1 closed, 5 of 5 on time, 100 %, 4.0 from 1, 30 minutes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from linli.cases import service as cases_service
from linli.cases.evaluation import service as evaluation_service
from linli.core import clock as clock_mod
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service
from linli.security.permissions import Principal

PASSWORD = "correct horse battery"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shenzhen
LIMITS = {"register": 60, "dispatch": 60, "accept": 120, "handle": 480, "verify": 240}


def box(lon: float, lat: float, size: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def _principal(username: str, name: str, role: str, unit_id: Any) -> Principal:
    async with session_scope() as session:
        account = await security_service.create_account(
            session, username=username, display_name=name, password=PASSWORD
        )
        await security_service.grant_role(
            session, account_id=account.id, role=role, unit_id=unit_id
        )
        return await security_service.load_principal(session, account, via="token")


async def build_site(clock: clock_mod.ManualClock) -> dict[str, Any]:
    """Build the tree, the staff and the three histories on the current engine."""
    clock.set(START)
    async with session_scope() as session:
        district = await org_service.create_unit(
            session, kind="district", code="FX", name="Bao'an", boundary=box(113.80, 22.50, 0.1)
        )
        street = await org_service.create_unit(
            session, kind="street", code="FX-XX", name="Xixiang", parent=district,
            boundary=box(113.80, 22.50, 0.05),
        )  # fmt: skip
        units: dict[str, Any] = {"district": district.id, "street": street.id}
        for n, (name, lon) in enumerate((("Haibin", 113.80), ("Bihai", 113.825)), start=1):
            community = await org_service.create_unit(
                session, kind="community", code=f"FX-XX-C{n}", name=name, parent=street,
                boundary=box(lon, 22.50, 0.025),
            )  # fmt: skip
            grid = await org_service.create_unit(
                session, kind="grid", code=f"FX-XX-C{n}-G1", name=f"{name} grid 1",
                parent=community, boundary=box(lon, 22.50, 0.025),
            )  # fmt: skip
            await org_service.set_route(
                session, category_code="public.order", scope=community, target=grid
            )
            units[name] = community.id
            units[f"{name} grid"] = grid.id
        await org_service.set_calendar(session, unit=district, timezone="Asia/Shanghai")
        await cases_service.upsert_category(
            session, code="public.order.noise", name="Noise", name_zh="噪音", step_limits=LIMITS
        )
    olivia = await _principal("olivia", "Olivia Tan", "operator", units["district"])
    grace = await _principal("grace", "Grace Lim", "grid_worker", units["Haibin"])
    wei = await _principal("wei", "Wei Chen", "grid_worker", units["Bihai"])

    async def history(
        reporter: Principal,
        where: tuple[float, float],
        base: datetime,
        steps: list[tuple[int, str, Principal, dict[str, Any]]],
        rated: tuple[int, int],
    ) -> None:
        clock.set(base)
        async with session_scope() as session:
            case = await cases_service.report_case(
                session, actor=reporter, category_code="public.order.noise",
                title="Loud music at night", lon=where[0], lat=where[1],
            )  # fmt: skip
            case_id = case.id
        actions: dict[str, Callable[..., Awaitable[Any]]] = {
            "register": cases_service.register_case,
            "dispatch": cases_service.dispatch_case,
            "accept": cases_service.accept_case,
            "start": cases_service.start_case,
            "handle": cases_service.handle_case,
            "verify": cases_service.verify_case,
            "close": cases_service.close_case,
        }
        for minutes, action, who, extra in steps:
            clock.set(base + timedelta(minutes=minutes))
            async with session_scope() as session:
                await actions[action](session, case_id, principal=who, **extra)
        clock.set(base + timedelta(minutes=rated[0]))
        async with session_scope() as session:
            await evaluation_service.rate_as_staff(
                session, case_id, principal=reporter, score=rated[1]
            )

    done = {"note": "spoke to the tenant"}
    passed = {"passed": True}
    haibin, bihai = (113.81, 22.51), (113.835, 22.51)
    await history(grace, haibin, START, [
        (10, "register", olivia, {}), (20, "dispatch", olivia, {}), (30, "accept", grace, {}),
        (30, "start", grace, {}), (90, "handle", grace, done), (120, "verify", olivia, passed),
        (120, "close", olivia, {}),
    ], (130, 5))  # fmt: skip
    await history(grace, haibin, START + timedelta(minutes=150), [
        (10, "register", olivia, {}), (20, "dispatch", olivia, {}), (200, "accept", grace, {}),
        (200, "start", grace, {}), (260, "handle", grace, done),
        (290, "verify", olivia, {"passed": False, "note": "still loud"}),
        (350, "handle", grace, done), (380, "verify", olivia, passed), (380, "close", olivia, {}),
    ], (390, 2))  # fmt: skip
    await history(wei, bihai, START + timedelta(days=1), [
        (10, "register", olivia, {}), (20, "dispatch", olivia, {}), (30, "accept", wei, {}),
        (30, "start", wei, {}), (60, "handle", wei, done), (90, "verify", olivia, passed),
        (90, "close", olivia, {}),
    ], (100, 4))  # fmt: skip
    return {
        "password": PASSWORD,
        "operator": "olivia",
        "worker": "grace",
        "units": {k: str(v) for k, v in units.items()},
    }


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)  # the schema a real install gets
    database.init_engine(url)
    manual = clock_mod.ManualClock(START)
    previous = clock_mod.install(manual)
    try:
        return await build_site(manual)
    finally:
        clock_mod.install(previous)
        await database.dispose_engine()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
