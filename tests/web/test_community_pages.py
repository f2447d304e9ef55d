"""The staff's community hub: one menu link, a tile per section the viewer may open, and figures
of the viewer's own subtree read through each section's service."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from factories import Tree, bearer, make_district, make_staff
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.residents.bookings import service as bookings
from linli.residents.bookings.models import Facility
from linli.residents.bookings.schemas import FacilityCreate
from linli.residents.bookings.tasks import mark_no_shows
from linli.residents.types import Level, ResidentActor
from linli.security.models import StaffAccount
from linli.security.permissions import Grant, Principal
from residents.helpers import make_account

MONDAY_10 = datetime.fromisoformat("2026-03-02T02:00:00+00:00")  # 10:00 in Shanghai
TUESDAY_09 = datetime.fromisoformat("2026-03-03T01:00:00+00:00")
HOUR = timedelta(hours=1)


@dataclass
class Hub:
    tree: Tree
    worker: dict[str, str]
    operator: dict[str, str]
    inspector: dict[str, str]


async def _hall(session: object, admin: Principal, unit_id: uuid.UUID, name: str) -> Facility:
    return await bookings.create_facility(
        session,  # type: ignore[arg-type]
        data=FacilityCreate(org_unit_id=unit_id, kind="hall", name=name),
        principal=admin,
    )


async def _book(session: object, who: uuid.UUID, path: str, hall: Facility, at: datetime) -> None:
    await bookings.book(
        session,  # type: ignore[arg-type]
        ResidentActor(who, Level.PHONE, path),
        facility_id=hall.id,
        starts_at=at,
        ends_at=at + HOUR,
    )


@pytest.fixture
async def hub(db: str, clock: ManualClock) -> Hub:
    """Grid 1.1.1 (the worker's) inside community 1.1 (the operator's and inspector's), and
    grid 2.1.1 elsewhere, each with residents and a hall booked."""
    async with session_scope() as session:
        tree = await make_district(session)
    mine, elsewhere = tree.grids[0], tree.grids[4]
    # Two accounts of the grid await an in-person check, one was seen; one more lives elsewhere.
    lim = await make_account(org_unit=mine, level=Level.REGISTRY)
    tan = await make_account(org_unit=mine, level=Level.PHONE)
    await make_account(org_unit=mine, level=Level.IN_PERSON)
    far = await make_account(org_unit=elsewhere, level=Level.REGISTRY)
    async with session_scope() as session:
        _, worker = await make_staff(session, username="wei", role="grid_worker", unit=mine)
        _, operator = await make_staff(
            session, username="ops", role="operator", unit=tree.communities[0]
        )
        _, inspector = await make_staff(
            session, username="insp", role="inspector", unit=tree.communities[0]
        )
        admin = Principal(
            uuid.uuid4(),
            "root",
            "Root",
            grants=(Grant("admin", tree.district.id, tree.district.path),),
        )
        hall = await _hall(session, admin, mine.id, "Block 5 hall")
        far_hall = await _hall(session, admin, elsewhere.id, "Far hall")
        # Monday 10:00 (nobody comes), Tuesday 10:00 here; Tuesday 10:00 in the other grid.
        await _book(session, lim.id, mine.path, hall, MONDAY_10)
        await _book(session, tan.id, mine.path, hall, MONDAY_10 + timedelta(days=1))
        await _book(session, far.id, elsewhere.path, far_hall, MONDAY_10 + timedelta(days=1))
    clock.set(TUESDAY_09)
    async with session_scope() as session:
        assert await mark_no_shows(session) == 1
    return Hub(tree, bearer(worker), bearer(operator), bearer(inspector))


def _tiles(html: str) -> set[str]:
    return set(re.findall(r'data-tile="([a-z]+)"', html))


def _figure(html: str, tile: str, label: str) -> str:
    """Return the value shown under `label` in `tile`."""
    body = html.split(f'data-tile="{tile}"', 1)[1].split("</li>", 1)[0]
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>(?:<a [^>]*>)?([^<]*)", body)
    assert match, f"{label!r} not in the {tile} tile"
    return match.group(1).strip()


async def test_each_role_sees_the_tiles_it_may_open_and_only_those(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    seen = {}
    for role, headers in (
        ("worker", hub.worker),
        ("operator", hub.operator),
        ("inspector", hub.inspector),
    ):
        resp = await client.get("/community", headers=headers)
        assert resp.status_code == 200, resp.text
        seen[role] = _tiles(resp.text)
    assert seen["worker"] == {"residents", "notices", "bookings", "proposals", "meetings"}
    assert seen["operator"] == {
        "residents",
        "notices",
        "bookings",
        "proposals",
        "votes",
        "surveys",
        "meetings",
    }
    assert seen["inspector"] == {"notices", "proposals", "surveys", "meetings"}


async def test_figures_count_the_viewers_subtree_only(client: httpx.AsyncClient, hub: Hub) -> None:
    html = (await client.get("/community", headers=hub.worker)).text
    # The account of the other grid, and the one seen in person, are not counted.
    assert _figure(html, "residents", "Awaiting in-person verification") == "2"
    # Tuesday's booking here (not the other grid's); Monday's no-show this week.
    assert _figure(html, "bookings", "Today") == "1"
    assert _figure(html, "bookings", "No-shows this week") == "1"
    assert _figure(html, "proposals", "Not answered") == "0"
    assert _figure(html, "meetings", "Next meeting") == "None planned"
    assert _figure(html, "meetings", "Overdue decisions") == "0"


async def test_the_menu_has_one_community_link_current_on_every_community_page(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    for path in ("/community", "/community/bookings", "/community/meetings"):
        html = (await client.get(path, headers=hub.operator)).text
        nav = html.split('class="nav"', 1)[1].split("</nav>", 1)[0]
        assert re.findall(r'href="(/community[^"]*)"', nav) == ["/community"]
        assert 'href="/community" aria-current="page"' in nav
    html = (await client.get("/figures", headers=hub.operator)).text
    nav = html.split('class="nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/community" aria-current' not in nav
    assert 'href="/community"' in nav


async def test_figures_are_written_in_the_readers_language(
    client: httpx.AsyncClient, hub: Hub
) -> None:
    """A staff member who chose Chinese reads the tiles' labels in Chinese."""
    async with session_scope() as session:
        await session.execute(
            update(StaffAccount).where(StaffAccount.username == "wei").values(locale="zh_Hans")
        )
    html = (await client.get("/community", headers=hub.worker)).text
    assert "<dt>等待当面核实</dt>" in html
    assert "Awaiting in-person verification" not in html
