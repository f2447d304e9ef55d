"""Prepare a SQLite site for the proposals browser test and print what it needs as JSON.

    python tests/participation/proposals/seed_proposals_site.py /tmp/x/linli.db

The test district with an operator of street S1 (password login), one proposal waiting for an
answer (with a comment) and one accepted with progress, a milestone and a linked public case.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for the factories

from factories import PASSWORD, center, make_district, make_staff
from linli.cases import service as cases_service
from linli.core import database, migrate
from linli.core.database import session_scope
from linli.participation.proposals import service as proposals
from linli.residents.types import Level, ResidentActor
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service


async def seed(path: str) -> dict[str, str]:
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    async with session_scope() as session:
        tree = await make_district(session)
        category = await cases_service.upsert_category(
            session, code="public.order.noise", name="Noise"
        )
        category.public = True
        account, _ = await make_staff(
            session, username="op1", role="operator", unit=tree.unit("S1")
        )
        operator = await security_service.load_principal(session, account, via="token")
        grid = tree.unit("S1-C1-G1")
        resident = ResidentActor(uuid.uuid4(), Level.SIGNED_IN, grid.path)
        waiting = await proposals.propose(
            session, resident, area_id=tree.unit("S1-C1").id,
            title="Shade over the bus stop on Market Road",
            body="The afternoon sun is fierce while we wait.\nA roof would help everyone.",
            place="Market Road bus stop", display_name="Mdm Tan",
        )  # fmt: skip
        await proposals.support(session, resident, waiting.ref)
        await proposals.comment(session, resident, waiting.ref, body="Please, for the elderly.")
        accepted = await proposals.propose(
            session, resident, area_id=tree.unit("S1").id, title="A bench by the pond",
            body="Somewhere to rest on the way to the market.",
        )  # fmt: skip
        await proposals.answer(
            session, operator, accepted.id, status="accepted", text="A bench will be installed."
        )
        await proposals.set_progress(
            session, operator, accepted.id, percent=40, status_text="Bench ordered"
        )
        await proposals.add_milestone(
            session, operator, accepted.id, title="Bench installed", due_on=date(2026, 4, 15)
        )
        lon, lat = center(grid)
        case = await cases_service.report_case(
            session, actor="system", category_code="public.order.noise", title="Bench slats",
            lon=lon, lat=lat, source="resident",
        )  # fmt: skip
        await proposals.link_case(session, operator, accepted.id, case_ref=case.ref)
    await database.dispose_engine()
    return {
        "operator": "op1",
        "password": PASSWORD,
        "waiting": waiting.ref,
        "waiting_id": str(waiting.id),
        "accepted": accepted.ref,
        "case": case.ref,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
