"""A sensor case reads as people speak, in the reader's language: on a `grid` site (Chinese) its
stored title is "垃圾桶满溢 99.3 % — 康桥公寓8栋 2号垃圾桶", and an English reader reads "Bin 99.3 %
full — Kangqiao Apartments Bldg 8 · Bin 2" — never a device type's code. Cases people write keep
their words whoever reads them."""

from __future__ import annotations

import re
import uuid
from typing import Any

from httpx import AsyncClient
from rules_world import World
from sqlalchemy import select, update

from factories import IN_A, make_staff, square
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.org.models import OrgUnit
from linli.security.models import StaffAccount

ENGLISH_TITLE = "Bin 99.3 % full — Kangqiao Apartments Bldg 8 · Bin 2"
CHINESE_TITLE = "垃圾桶满溢 99.3 % — 康桥公寓8栋 2号垃圾桶"
TOWN = (103.89, 1.39)  # a point of the town this test adds, far from the test district


async def _bins(world: World, *, at: tuple[float, float], prefix: str = "") -> None:
    """Put two bins (BIN-7, BIN-8) at building KQ-8, named in English and Chinese."""
    from linli.iot import service as iot_service
    from linli.iot.schemas import DeviceCreate
    from linli.registry import service as registry_service
    from linli.registry.schemas import BuildingCreate

    async with session_scope() as session:
        building = await registry_service.create_building(
            session,
            data=BuildingCreate(
                code=f"{prefix}KQ-8", name="Kangqiao Apartments Bldg 8", name_zh="康桥公寓8栋",
                lon=at[0], lat=at[1],
            ),
        )  # fmt: skip
        for code in ("BIN-7", "BIN-8"):
            _, world.device_tokens[f"{prefix}{code}"] = await iot_service.register_device(
                session,
                data=DeviceCreate(
                    code=f"{prefix}{code}", type="WasteContainer", name=building.name,
                    building_id=building.id,
                ),
            )  # fmt: skip


async def _bin_alarm_case(
    world: World, client: AsyncClient, clock: ManualClock, *, code: str = "BIN-8", **rule: Any
) -> uuid.UUID:
    """Send a 99.3 % reading from bin `code` under a bin rule; return the case it opened."""
    from linli.cases import service as cases_service
    from linli.rules.models import Alarm

    async with session_scope() as session:
        await cases_service.upsert_category(session, code="san.bin", name="Overflowing bin")
    await world.add_rule(
        name="Bin fill_pct >= 90", device_type="WasteContainer", metric="fill_pct",
        op=">=", threshold=90.0, case_category="san.bin", **rule,
    )  # fmt: skip
    await world.send(client, code, ("fill_pct", 99.3, clock.now()))
    async with session_scope() as session:
        alarm = await session.scalar(select(Alarm).where(Alarm.device_code == code))
        assert alarm is not None and alarm.case_id is not None
        case_id: uuid.UUID = alarm.case_id
        return case_id


async def _reader(
    world: World, username: str, locale: str, unit: OrgUnit | None = None
) -> dict[str, str]:
    """Add an operator of `unit` (the district) who reads `locale`; return their headers."""
    async with session_scope() as session:
        account, world.tokens[username] = await make_staff(
            session, username=username, role="operator", unit=unit or world.tree.district
        )
        await session.execute(
            update(StaffAccount).where(StaffAccount.id == account.id).values(locale=locale)
        )
    return world.auth(username)


async def _as_read(client: AsyncClient, case_id: uuid.UUID, headers: dict[str, str]) -> Any:
    """Return the case as the list and the detail give it to the reader of `headers`."""
    listed = await client.get("/api/cases", headers=headers)
    assert listed.status_code == 200, listed.text
    (item,) = [c for c in listed.json()["items"] if c["id"] == str(case_id)]
    detail = await client.get(f"/api/cases/{case_id}", headers=headers)
    assert detail.status_code == 200, detail.text
    assert (detail.json()["title"], detail.json()["description"]) == (
        item["title"],
        item["description"],
    )
    return item


async def test_an_alarm_case_of_a_chinese_site_reads_in_each_readers_language(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    from linli.cases.models import Case

    await _bins(world, at=IN_A)
    case_id = await _bin_alarm_case(world, client, clock)
    async with session_scope() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        # Stored once in the site's language: Chinese, with no English word and no type code.
        assert case.title == CHINESE_TITLE
        assert not re.search("[A-Za-z]", case.title)
        assert "WasteContainer" not in case.description and "垃圾桶" in case.description

    chinese = await _as_read(client, case_id, await _reader(world, "li", "zh_Hans"))
    assert chinese["title"] == CHINESE_TITLE
    assert not re.search("[A-Za-z]", chinese["title"])
    english = await _as_read(client, case_id, await _reader(world, "olivia", "en"))
    assert english["title"] == ENGLISH_TITLE
    assert english["description"].startswith(
        "Bin BIN-8 at Kangqiao Apartments Bldg 8 · Bin 2 reported Bin fill level 99.3 % at "
    )
    assert "(rule “Bin fill_pct >= 90”, severity: Major)." in english["description"]
    assert not re.search("[\u4e00-\u9fff]", english["title"] + english["description"])


async def test_an_alarm_case_of_an_english_site_is_stored_in_english(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    from linli.cases.models import Case
    from linli.org import service as org_service

    async with session_scope() as session:
        town = await org_service.create_unit(
            session, kind="town", code="TW", name="Test Town", profile="town",
            boundary=square(TOWN[0] - 0.01, TOWN[1] - 0.01, TOWN[0] + 0.01, TOWN[1] + 0.01),
        )  # fmt: skip
    await _bins(world, at=TOWN, prefix="TW-")
    case_id = await _bin_alarm_case(world, client, clock, code="TW-BIN-8", scope_unit_id=town.id)
    async with session_scope() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        assert case.title == ENGLISH_TITLE
    chinese = await _reader(world, "tan", "zh_Hans", unit=town)
    assert (await _as_read(client, case_id, chinese))["title"] == CHINESE_TITLE


async def test_a_case_a_person_wrote_keeps_their_words_in_every_language(
    world: World, client: AsyncClient
) -> None:
    from linli.cases import service as cases_service

    async with session_scope() as session:
        await cases_service.upsert_category(session, code="san.bin", name="Overflowing bin")
    words = {"title": "Bins full behind block 8", "description": "Since Monday; it smells."}
    made = await client.post(
        "/api/cases",
        json={"category_code": "san.bin", "lon": IN_A[0], "lat": IN_A[1], **words},
        headers=world.auth("op"),
    )
    assert made.status_code == 201, made.text
    case_id = uuid.UUID(made.json()["id"])
    for name, locale in (("li", "zh_Hans"), ("olivia", "en")):
        read = await _as_read(client, case_id, await _reader(world, name, locale))
        assert (read["title"], read["description"]) == (words["title"], words["description"])


async def test_the_case_page_says_the_case_and_an_alarm_that_joined_it_in_the_readers_language(
    world: World, client: AsyncClient, clock: ManualClock
) -> None:
    await _bins(world, at=IN_A)
    case_id = await _bin_alarm_case(world, client, clock, case_policy="attach")
    await world.send(client, "BIN-7", ("fill_pct", 99.3, clock.now()))  # same building: joins
    pages = {
        locale: await client.get(f"/cases/{case_id}", headers=await _reader(world, name, locale))
        for name, locale in (("li", "zh_Hans"), ("olivia", "en"))
    }
    assert re.findall(r"<h1>(.*?)</h1>", pages["zh_Hans"].text) == [CHINESE_TITLE]
    assert "垃圾桶满溢 99.3 % — 康桥公寓8栋 1号垃圾桶 (BIN-7)" in pages["zh_Hans"].text
    assert re.findall(r"<h1>(.*?)</h1>", pages["en"].text) == [ENGLISH_TITLE]
    assert "Bin 99.3 % full — Kangqiao Apartments Bldg 8 · Bin 1 (BIN-7)" in pages["en"].text
