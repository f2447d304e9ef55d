"""Prepare a SQLite site holding both demo sites, small, for the browser tests that visit every
page as staff of each governance profile, and print what they need as JSON.

    python tests/web/seed_demo_sites.py /tmp/x/linli.db

Bao'an (`grid`) and Sengkang (`town`) as `linli demo` builds them, at a small scale: org tree,
routes, staff of every role, buildings, residents, devices and rules. Each site's admin gets an
API token, through which the test adds what the pages show (an alarm and its case, an incident,
a resident's report) the way clients would.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from linli.core import database, migrate
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.participation.proposals import service as proposals
from linli.residents.types import Level, ResidentActor
from linli.runtime.extensions import load_extensions
from linli.security import service as security_service
from linli.security.models import StaffAccount
from linli.twin import demo
from linli.twin.demo import DemoResult
from linli.twin.geography import baoan_district, sengkang_town

PASSWORD = "correct horse battery"


@dataclass
class DemoSite:
    """One demo site as loaded: its profile, what the loader made, and its admin with a token."""

    profile: str
    result: DemoResult
    admin: str
    admin_id: str
    token: str


async def load_demo_sites(path: str, *, sengkang_scale: float, token_name: str) -> list[DemoSite]:
    """Migrate the SQLite file `path` and load both demo sites into it, Bao'an small and Sengkang
    from the shipped blocks at `sengkang_scale`; give each site's admin an API token."""
    load_extensions()
    url = f"sqlite+aiosqlite:///{path}"
    await migrate.upgrade_async(url)
    database.init_engine(url)
    sites = []
    async with session_scope() as session:
        await demo.load_categories(session)
        specs = (baoan_district(scale=0.02), sengkang_town(data_dir=None, scale=sengkang_scale))
        for spec in specs:
            result = await demo.load_site(session, spec, password=PASSWORD)
            admin_name = next(lg.username for lg in result.logins if lg.role == "admin")
            admin = await session.scalar(
                select(StaffAccount).where(StaffAccount.username == admin_name)
            )
            assert admin is not None
            token, _ = await security_service.issue_token(
                session, account_id=admin.id, name=token_name, actor="system"
            )
            sites.append(DemoSite(spec.profile, result, admin_name, str(admin.id), token))
    await database.dispose_engine()
    return sites


async def add_proposal(path: str, site: DemoSite, lon: float, lat: float) -> dict[str, str]:
    """A resident's proposal where the site's air device stands, answered and accepted by the
    site's admin, with a comment: what the proposals pages show."""
    database.init_engine(f"sqlite+aiosqlite:///{path}")
    async with session_scope() as session:
        unit = await org_service.locate(session, lon, lat)
        assert unit is not None
        resident = ResidentActor(uuid.uuid4(), Level.SIGNED_IN, unit.path)
        made = await proposals.propose(
            session, resident, area_id=unit.id, title="A bench by the covered walkway",
            body="Older neighbours need a place to rest on the way to the market.",
            display_name="Mdm Tan",
        )  # fmt: skip
        await proposals.support(session, resident, made.ref)
        await proposals.comment(session, resident, made.ref, body="Near the lift lobby, please.")
        admin = await security_service.principal_for_token(session, site.token)
        await proposals.answer(
            session, admin, made.id, status="accepted", text="A bench will be installed."
        )
        await proposals.add_milestone(
            session, admin, made.id, title="Bench ordered", due_on=date(2026, 12, 20)
        )
    await database.dispose_engine()
    return {"proposal_id": str(made.id), "ref": made.ref}


async def seed(path: str) -> dict[str, Any]:
    sites: dict[str, Any] = {}
    for site in await load_demo_sites(path, sengkang_scale=0.05, token_name="browser-test"):
        logins = site.result.logins
        air = next(d for d in site.result.devices if d["type"] == "AirQualityObserved")
        sites[site.profile] = {
            "proposal": await add_proposal(path, site, air["lon"], air["lat"]),
            "admin": site.admin,
            "admin_id": site.admin_id,
            "worker": next(lg.username for lg in logins if lg.role == "grid_worker"),
            "logins": sorted(lg.username for lg in logins),
            "token": site.token,
            "air": next(d for d in site.result.devices if d["type"] == "AirQualityObserved"),
        }
    return {"password": PASSWORD, "sites": sites}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(sys.argv[1]))))
