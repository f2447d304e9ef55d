"""A sensor case reads as people speak: "Bin 99.3 % full — Kangqiao Apartments Bldg 8", in the
site's language, whatever the rule's or the device's technical names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from httpx import AsyncClient
from rules_world import World

from factories import IN_A
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.core.settings import get_settings


@pytest.fixture
def site_locale(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Set the site's language for one test: call it with a locale."""

    def choose(locale: str) -> None:
        monkeypatch.setenv("LINLI_DEFAULT_LOCALE", locale)
        get_settings.cache_clear()

    yield choose
    monkeypatch.undo()
    get_settings.cache_clear()


async def _bin_case_title(world: World, client: AsyncClient, clock: ManualClock) -> str:
    from linli.cases import service as cases_service
    from linli.cases.models import Case
    from linli.iot import service as iot_service
    from linli.iot.schemas import DeviceCreate
    from linli.registry import service as registry_service
    from linli.registry.schemas import BuildingCreate
    from linli.rules import service

    async with session_scope() as session:
        await cases_service.upsert_category(session, code="san.bin", name="Overflowing bin")
        building = await registry_service.create_building(
            session,
            data=BuildingCreate(
                code="KQ-8", name="Kangqiao Apartments Bldg 8", lon=IN_A[0], lat=IN_A[1]
            ),
        )
        _, token = await iot_service.register_device(
            session,
            data=DeviceCreate(
                code="BIN-8", type="WasteContainer", name="WasteContainer · KQ-8",
                building_id=building.id,
            ),
        )  # fmt: skip
    world.device_tokens["BIN-8"] = token
    await world.add_rule(
        name="Bao'an District: fill_pct >= 90",
        device_type="WasteContainer",
        metric="fill_pct",
        op=">=",
        threshold=90.0,
        case_category="san.bin",
    )
    await world.send(client, "BIN-8", ("fill_pct", 99.3, clock.now()))
    async with session_scope() as session:
        (alarm,) = (await service.list_alarms(session, principal=None)).items
        assert alarm.case_id is not None
        case = await session.get(Case, alarm.case_id)
        assert case is not None
        return f"{case.title}\n{case.description}"


async def test_a_bin_case_reads_as_the_english_template(
    world: World, client: AsyncClient, clock: ManualClock, site_locale: object
) -> None:
    title, description = (await _bin_case_title(world, client, clock)).split("\n")
    assert title == "Bin 99.3 % full — Kangqiao Apartments Bldg 8"
    assert description.startswith("Bin BIN-8 at Kangqiao Apartments Bldg 8 reported ")
    assert "Bin fill level 99.3 %" in description and "fill_pct" not in description.split("(")[0]


async def test_a_bin_case_reads_as_the_chinese_template_on_a_chinese_site(
    world: World, client: AsyncClient, clock: ManualClock, site_locale: object
) -> None:
    site_locale("zh_Hans")  # type: ignore[operator]
    title, description = (await _bin_case_title(world, client, clock)).split("\n")
    assert title == "垃圾桶满溢 99.3 % — Kangqiao Apartments Bldg 8"
    assert "垃圾桶" in description and "WasteContainer" not in description
