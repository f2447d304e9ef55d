"""Prepare a fresh SQLite database for the incident browser test; print what it needs as JSON.

    python tests/cases/incidents/seed_incident_site.py /tmp/x/linli.db

A district with two streets, an operator on the first, a flood declared over a polygon of it with
a task for the sanitation department and a case reported inside the polygon (linked on intake).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from linli.cases import service as cases_service
from linli.cases.incidents import service as incidents_service
from linli.cases.incidents.schemas import IncidentCreate, TaskCreate
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service

PASSWORD = "correct horse battery"


def box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


async def seed(path: str) -> dict[str, str]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        district = await org_service.create_unit(
            session,
            kind="district",
            code="BA",
            name="Bao'an",
            boundary=box(113.80, 22.50, 113.90, 22.60),
        )
        street = await org_service.create_unit(
            session, kind="street", code="BA-XX", name="Xixiang", parent=district,
            boundary=box(113.80, 22.50, 113.85, 22.60),
        )  # fmt: skip
        await org_service.create_unit(
            session, kind="street", code="BA-HC", name="Hangcheng", parent=district,
            boundary=box(113.85, 22.50, 113.90, 22.60),
        )  # fmt: skip
        sanitation = await org_service.create_unit(
            session, kind="department", code="BA-SAN", name="Sanitation", parent=district
        )
        await org_service.set_calendar(session, unit=district, timezone="Asia/Shanghai")
        await cases_service.upsert_category(session, code="env.flood", name="Flooding")
        account = await security_service.create_account(
            session, username="olivia", display_name="Olivia Tan", password=PASSWORD
        )
        await security_service.grant_role(
            session, account_id=account.id, role="operator", unit_id=street.id
        )
        principal = await security_service.load_principal(session, account, via="token")
        incident = await incidents_service.declare_incident(
            session,
            principal=principal,
            data=IncidentCreate(
                kind="flood", severity="major", title="River Xixiang flooding",
                unit_id=street.id, area=box(113.81, 22.51, 113.83, 22.53),
                commander_id=account.id,
            ),
        )  # fmt: skip
        await incidents_service.add_task(
            session, incident.id, principal=principal,
            data=TaskCreate(unit_id=sanitation.id, title="Lay sandbags on the river wall"),
        )  # fmt: skip
        await cases_service.report_case(
            session, actor=principal, category_code="env.flood", title="Water in the car park",
            lon=113.82, lat=22.52,
        )  # fmt: skip
    await database.dispose_engine()
    return {"password": PASSWORD, "operator": "olivia", "incident": str(incident.id)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
