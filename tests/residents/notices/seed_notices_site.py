"""Prepare a SQLite site for the residents' notices browser test.

    python tests/residents/notices/seed_notices_site.py /tmp/x/linli.db

The test district with a block in community S1-C1, two published notices for it (one long,
in English and Chinese), a resident account living there and a session for it; prints the
session's cookie and the notices' ids.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: the factories

from factories import make_district
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.residents import service as residents_service
from linli.residents.models import ResidentAccount
from linli.residents.notices import service as notices
from linli.residents.notices.schemas import NoticeCreate, PublishRequest
from linli.residents.types import Level
from linli.runtime.extensions import load_extensions
from linli.security.permissions import Grant, Principal

LONG = (
    "The water supply to every block of the estate will be interrupted on Friday from 9:00 to "
    "12:00 while the pumps on the roof are replaced; fill a kettle and a bucket beforehand. "
) * 3


async def seed(path: str) -> dict[str, str]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        tree = await make_district(session)
        block = await registry_service.create_building(
            session, data=BuildingCreate(code="BLK-A1", name="Block A1", lon=113.82, lat=22.52)
        )
        staff = Principal(
            account_id=uuid.uuid4(),
            username="seed",
            display_name="Seed",
            grants=(Grant("admin", tree.district.id, tree.district.path),),
        )
        made = []
        for title, body in (
            ("Lift B stops on Monday for its yearly check", "Lift B is stopped 9:00-17:00."),
            ("Water off on Friday morning, all blocks of the estate", LONG),
        ):
            notice = await notices.create_notice(
                session,
                data=NoticeCreate.model_validate(
                    {
                        "unit_id": tree.unit("S1-C1").id,
                        "texts": {
                            "en": {"title": title, "body": body},
                            "zh_Hans": {
                                "title": "周五上午全小区停水",
                                "body": "周五9:00至12:00停水。",
                            },
                        },
                    }
                ),
                principal=staff,
            )
            await notices.publish_notice(session, notice.id, data=PublishRequest(), principal=staff)
            made.append(str(notice.id))
        account = ResidentAccount(
            display_name="Tan Mei Ling",
            email="tan@example.org",
            locale="en",
            level=int(Level.PHONE),
            building_id=block.id,
            org_unit_id=block.org_unit_id,
            org_path=block.org_path,
        )
        session.add(account)
        await session.flush()
        cookie, _ = await residents_service.start_session(session, account)
    await database.dispose_engine()
    return {"cookie": cookie, "read": made[0], "unread": made[1]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
