"""The district the load benchmark runs against: the demo's Bao'an district (loaded through the
domain services, as `linli demo load` does), a year of cases bulk-loaded under it
(`benchmarks/history.py`), then analysed, and staff of different units and roles with API tokens.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from sqlalchemy import select, text

from benchmarks import history
from benchmarks.__main__ import fresh_database
from linli.cases.models import Category
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.security import service as security_service
from linli.twin import demo
from linli.twin.geography import baoan_district

PASSWORD = "load-password"
# Staff who use the API: (username, role, unit code or a kind's n-th unit).
STAFF = (
    *((f"load.district-op{i}", "operator", "BA") for i in range(1, 4)),
    ("load.inspector", "inspector", "BA"),
    *((f"load.street-op{i}", "operator", f"street:{i}") for i in range(5)),
    *((f"load.community-op{i}", "operator", f"community:{i * 31}") for i in range(4)),
    *((f"load.worker{i}", "grid_worker", f"community:{i * 31}") for i in range(4)),
    ("load.dept-um", "department_staff", "BA-D-UM"),
    ("load.dept-tr", "department_staff", "BA-D-TR"),
    ("load.dept-ee", "department_staff", "BA-D-EE"),
    ("load.dept-hc", "department_staff", "BA-D-HC"),
)


@dataclass
class Identity:
    """One staff member the load runs as: a bearer token and where it may report cases."""

    username: str
    role: str
    unit: str
    token: str
    report_units: list[str] = field(default_factory=list)


@dataclass
class District:
    devices: list[dict[str, object]]
    staff: list[Identity]
    categories: list[str]  # leaf categories whose closing needs no photo
    cases: int
    seconds: dict[str, float]


async def build(url: str, *, cases: int, scale: float = 1.0) -> District:
    """Make a fresh, migrated database at `url` holding the district and `cases` old cases."""
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    await fresh_database(url)
    async with session_scope() as session:
        await demo.load_categories(session)
        site = await demo.load_site(session, baoan_district(scale=scale), password=PASSWORD)
    seconds["demo district"] = time.perf_counter() - began
    staff = await _staff()
    grids, kinds = await _shapes()
    seconds.update(await history.load_cases(url, cases, grids, kinds))
    began = time.perf_counter()
    async with session_scope() as session:
        await session.execute(text("ANALYZE"))
    seconds["analyze"] = time.perf_counter() - began
    async with session_scope() as session:
        photo_free = await session.scalars(
            select(Category.code)
            .where(Category.level == "minor", Category.requires_photo.is_(False))
            .order_by(Category.code)
        )
        categories = list(photo_free)
    return District(site.devices, staff, categories, cases, seconds)


async def _unit(spec: str) -> OrgUnit:
    async with session_scope() as session:
        if ":" not in spec:
            return await org_service.get_unit_by_code(session, spec)
        kind, nth = spec.split(":")
        units = await session.scalars(
            select(OrgUnit).where(OrgUnit.kind == kind).order_by(OrgUnit.code)
        )
        found = list(units)
        return found[int(nth) % len(found)]  # a smaller district has fewer


async def _staff() -> list[Identity]:
    """Create the load's staff accounts and an API token for each."""
    out = []
    for username, role, spec in STAFF:
        unit = await _unit(spec)
        async with session_scope() as session:
            account = await security_service.create_account(
                session, username=username, display_name=username, password=PASSWORD
            )
            await security_service.grant_role(
                session, account_id=account.id, role=role, unit_id=unit.id
            )
            token, _ = await security_service.issue_token(
                session, account_id=account.id, name="load benchmark", actor="bench"
            )
            grids = await session.scalars(
                select(OrgUnit.id)
                .where(OrgUnit.kind == "grid", OrgUnit.path.startswith(unit.path))
                .order_by(OrgUnit.code)
                .limit(20)
            )
            reports = [str(g) for g in grids] if role in ("operator", "grid_worker") else []
        out.append(Identity(username, role, unit.code, token, reports))
    return out


async def _shapes() -> tuple[list[history.Grid], list[history.Kind]]:
    """Return the district's grids (with their communities) and its leaf categories, each with
    the unit the routing table sends it to."""
    async with session_scope() as session:
        units = {u.id: u for u in await session.scalars(select(OrgUnit))}
        grids = []
        for u in sorted(units.values(), key=lambda u: u.code):
            if u.kind != "grid" or u.parent_id is None:
                continue
            community = units[u.parent_id]
            lon = ((u.min_lon or 0.0) + (u.max_lon or 0.0)) / 2
            lat = ((u.min_lat or 0.0) + (u.max_lat or 0.0)) / 2
            grids.append(history.Grid(u.id, u.path, community.id, community.path, lon, lat))
        sample = units[grids[0].community_id]
        kinds = []
        leaves = await session.scalars(
            select(Category).where(Category.level == "minor").order_by(Category.code)
        )
        for c in leaves:
            target = await org_service.route(session, category_code=c.code, unit=sample)
            local = target is None or target.kind == "community"
            kinds.append(history.Kind(c.code, c.name, c.priority, None if local else target))
    random.Random(5).shuffle(kinds)  # which categories are the busiest: any, not the first
    return grids, kinds
