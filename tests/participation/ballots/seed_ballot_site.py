"""Prepare a SQLite site for the ballot browser test and print what it needs as JSON.

    python tests/participation/ballots/seed_ballot_site.py /tmp/x/linli.db

The test district (tests/factories), a participatory budget of Street 1 open for voting, and a
registry-verified resident of Community 1.1 with a one-time code seeded for their e-mail.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: factories, residents

from factories import make_district
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.participation.ballots import service
from linli.participation.ballots.schemas import OptionCreate, VoteCreate
from linli.registry import service as registry
from linli.registry.schemas import BuildingCreate
from linli.residents.types import Level
from linli.runtime.extensions import load_extensions
from linli.security.permissions import Grant, Principal
from residents.helpers import make_account, seed_code

EMAIL = "mei.ling@example.org"
CODE = "246810"


async def seed(path: str) -> dict[str, Any]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        tree = await make_district(session)
        street, community = tree.unit("S1"), tree.unit("S1-C1")
        building = await registry.create_building(
            session,
            data=BuildingCreate(code="B1", name="Block 1", lon=113.82, lat=22.52),
        )
        officer = Principal(
            account_id=tree.district.id,  # a trusted seeding actor, no account needed
            username="seed",
            display_name="Seed",
            grants=(Grant("admin", tree.district.id, tree.district.path),),
        )
        vote = await service.create_vote(
            session,
            principal=officer,
            data=VoteCreate(
                title="Street 1 budget",
                kind="budget",
                unit_id=street.id,
                budget=100,
                currency="SGD",
                options=[
                    OptionCreate(title="Playground", cost=60),
                    OptionCreate(title="Benches", cost=30),
                    OptionCreate(title="Garden", cost=50),
                ],
            ),
        )
        await service.change_phase(session, vote.id, principal=officer, phase="voting")
        vote_id = str(vote.id)
        assert building.org_path.startswith(community.path)
    await make_account(level=Level.REGISTRY, building=building, email=EMAIL, name="Mei Ling")
    await seed_code(EMAIL, CODE)
    await database.dispose_engine()
    return {"vote_id": vote_id, "email": EMAIL, "code": CODE}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
