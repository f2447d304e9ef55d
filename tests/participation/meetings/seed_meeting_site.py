"""A SQLite site with a test district, a meeting secretary with an API token and a live meeting
of a community's residents' council, for the meeting's browser tests; prints JSON.

    python tests/participation/meetings/seed_meeting_site.py /tmp/x/linli.db
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tests' factories

from factories import make_district, make_staff
from linli.core import clock, database, migrate
from linli.core.database import session_scope
from linli.participation.meetings import service
from linli.participation.meetings.schemas import MeetingCreate
from linli.residents import service as residents_service
from linli.residents.models import ResidentAccount
from linli.residents.types import Level
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        tree = await make_district(session)
        community = tree.unit("S1-C1")
        account, token = await make_staff(
            session, username="secretary", role="operator", unit=tree.unit("S1")
        )
        principal = await security_service.load_principal(session, account, via="token")
        start = clock.now() - timedelta(minutes=10)
        meeting = await service.plan_meeting(
            session,
            MeetingCreate(
                unit_id=community.id, title="Residents' council, December", mode="hybrid",
                venue="Community hall", starts_at=start, ends_at=start + timedelta(hours=2),
                capacity=60, agenda=["Lift repairs", "Winter market"],
            ),
            principal=principal,
        )  # fmt: skip
        await service.set_status(session, meeting, "live", principal=principal)
        items = await service.agenda(session, meeting)
        await service.set_current_item(session, meeting, items[0].id, principal=principal)
        await service.add_minute(
            session, meeting, text="The chair opened the meeting.", agenda_item_id=None,
            public=True, principal=principal,
        )  # fmt: skip
        resident = ResidentAccount(
            display_name="Mei Ling", email="mei@example.org", phone="+8613800000009",
            locale="en", level=int(Level.PHONE), org_unit_id=tree.unit("S1-C1-G1").id,
            org_path=tree.unit("S1-C1-G1").path,
        )  # fmt: skip
        session.add(resident)
        await session.flush()
        cookie, _ = await residents_service.start_session(session, resident)
        info = {
            "resident_cookie": cookie,
            "token": token,
            "meeting_id": str(meeting.id),
            "unit_id": str(community.id),
            "department_id": str(tree.department.id),
        }
    await database.dispose_engine()
    return info


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
