"""Prepare the browser tests' site (see seed_browser_site.py) plus what the governance pages
need: a waste category routed to the grid, a building to search for, a Chinese-speaking
operator. Prints what the tests need as JSON.

    python tests/web/seed_governance_site.py /tmp/x/linli.db
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed_browser_site import PASSWORD, seed

from linli.cases import service as cases_service
from linli.cases.triage import service as triage_service
from linli.core import database
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.security import service as security_service

BLOCK = (113.804, 22.504)  # inside Haibin grid 1


async def seed_governance(path: str) -> dict[str, object]:
    info: dict[str, object] = dict(await seed(path))
    database.init_engine(f"sqlite+aiosqlite:///{path}")
    async with session_scope() as session:
        district = await org_service.get_unit_by_code(session, "BA")
        street = await org_service.get_unit_by_code(session, "BA-XX")
        grid = await org_service.get_unit_by_code(session, "BA-XX-C1-G1")
        waste = await cases_service.upsert_category(
            session,
            code="env.waste",
            name="Waste",
            name_zh="垃圾",
            priority=2,
            step_limits={"register": 60, "dispatch": 60},
        )
        await org_service.set_route(session, category_code="env.waste", scope=district, target=grid)
        await registry_service.create_building(
            session,
            data=BuildingCreate(
                code="HB-12",
                name="Haibin Block 12",
                address="1 Haibin Road",
                lon=BLOCK[0],
                lat=BLOCK[1],
            ),
        )
        # What the catalogue would teach triage about these two kinds of report.
        waste.examples = [
            "rubbish bin overflowing",
            "garbage bags dumped",
            "litter piled up",
            "垃圾桶满了",
        ]
        air = await cases_service.get_category(session, "env.air")
        air.examples = ["dust and smoke in the air", "bad air quality", "burning smell haze"]
        # A third kind, so the classifier is a multi-class one as with a real catalogue.
        noise = await cases_service.upsert_category(
            session, code="public.noise", name="Noise", name_zh="噪音"
        )
        noise.examples = ["loud music at night", "karaoke too loud", "noisy renovation"]
        await session.flush()
        # The model triage suggests with, trained now rather than by the first periodic retrain.
        await triage_service.retrain(session, force=True)
        account = await security_service.create_account(
            session, username="wang", display_name="王芳", password=PASSWORD, locale="zh_Hans"
        )
        await security_service.grant_role(
            session, account_id=account.id, role="operator", unit_id=street.id
        )
    await database.dispose_engine()
    info.update({"chinese_operator": "wang", "block": list(BLOCK)})
    return info


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed_governance(sys.argv[1]))))
