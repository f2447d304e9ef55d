"""A notification is a card in plain words, in its reader's language, whose link opens the case:
an alarm's (the case a sensor opened on a `grid` (Chinese) site reads in English to an English
reader and in Chinese, with no English word or type code, to a Chinese one), a case's."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.security.models import StaffAccount

MakeStaff = Callable[..., Awaitable[StaffAccount]]
SignIn = Callable[..., Awaitable[str]]
IN_GRID_A1 = (113.80, 22.50)


async def test_an_inbox_card_links_to_the_case_page_of_its_alarm(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    from linli.cases import service as cases_service
    from linli.iot import service as iot_service
    from linli.iot.schemas import DeviceCreate
    from linli.rules import service as rules_service
    from linli.rules.notifications import dispatcher
    from linli.rules.schemas import RuleCreate

    await staff("wang", role="operator", unit=site.street)
    await staff("li", role="operator", unit=site.street, locale="zh_Hans")
    async with session_scope() as session:
        await cases_service.upsert_category(session, code="env.bin", name="Overflowing bin")
        _, token = await iot_service.register_device(
            session,
            data=DeviceCreate(
                code="BIN-1", type="WasteContainer", name="Bin by block 1",
                name_zh="1号楼旁垃圾桶",
                lon=IN_GRID_A1[0], lat=IN_GRID_A1[1],
            ),
        )  # fmt: skip
        await rules_service.create_rule(
            session,
            data=RuleCreate(
                name="fill_pct >= 90", device_type="WasteContainer", metric="fill_pct",
                scope_unit_id=site.district.id, severity="major",
                params={"op": ">=", "threshold": 90.0}, case_category="env.bin",
            ),
        )  # fmt: skip
    sent = await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "fill_pct", "value": 96, "ts": clock.now().isoformat()}]},
        headers={"X-Device-Id": "BIN-1", "Authorization": f"Device {token}"},
    )
    assert sent.status_code == 200, sent.text
    read, _ = await dispatcher.run_once()
    assert read >= 1

    await signed_in("wang", next_page="/inbox")
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200
    assert "Bin 96 % full — Bin by block 1" in inbox.text, "the title says what happened"
    assert "fill_pct" not in inbox.text and "<pre" not in inbox.text
    links = re.findall(r'<a class="button" href="([^"]+)"', inbox.text)
    assert len(links) == 1 and re.fullmatch(r"/cases/[0-9a-f-]{36}", links[0]), links
    case_page = await client.get(links[0])
    assert case_page.status_code == 200
    assert "Bin 96 % full — Bin by block 1" in case_page.text

    # The same case in Chinese: the inbox card, the case page and the triage queue.
    chinese = "垃圾桶满溢 96 % — 1号楼旁垃圾桶"
    await signed_in("li", next_page="/inbox")
    inbox = await client.get("/inbox")
    assert chinese in inbox.text
    case_page = await client.get(links[0])
    assert re.findall(r"<h1>(.*?)</h1>", case_page.text) == [chinese]
    assert "WasteContainer" not in case_page.text and "Bin 96 %" not in case_page.text
    queue = await client.get("/triage")
    assert queue.status_code == 200 and chinese in queue.text


async def test_a_case_sent_to_a_unit_is_a_card_in_its_staff_language_linking_to_the_case(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, clock: ManualClock
) -> None:
    from linli.cases import service as cases_service
    from linli.rules.notifications import case_notices, service

    wang = await staff("wang", role="operator", unit=site.street)
    await staff("li", role="department_staff", unit=site.department, locale="zh_Hans")
    other = await staff("zhou", role="grid_worker", unit=site.grid_a)
    async with session_scope() as session:
        await cases_service.upsert_category(session, code="env.bin", name="Overflowing bin")
        principal = await load(session, wang)
        case = await cases_service.report_case(
            session, actor=principal, category_code="env.bin", title="Bin overflowing by block 7",
            description="", lon=IN_GRID_A1[0], lat=IN_GRID_A1[1], source="hotline",
        )  # fmt: skip
        await cases_service.register_case(session, case.id, principal=principal)
        await cases_service.dispatch_case(
            session, case.id, principal=principal, unit_id=site.department.id
        )
    read, _ = await case_notices.run_once()
    assert read == 2, "the registration and the dispatch"

    await signed_in("li", next_page="/inbox")
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200
    card = inbox.text.split('<li class="work-card notification', 1)[1].split("</li>", 1)[0]
    assert f"Sanitation有新案件 · {case.ref}" in card, "the title in the reader's language"
    assert f"{case.ref} · Bin overflowing by block 7" in card
    assert "已于 2026年3月2日 09:00:00 派遣至Sanitation。" in card, "the site's clock (Shanghai)"
    assert ">案件</span>" in card
    links = re.findall(r'<a class="button" href="([^"]+)"', card)
    assert links == [f"/cases/{case.id}"]
    case_page = await client.get(links[0])
    assert case_page.status_code == 200 and "Bin overflowing by block 7" in case_page.text

    async with session_scope() as session:  # another unit's people hear nothing of it
        page, unread, _ = await service.inbox(session, principal=await load(session, other))
    assert page.items == [] and unread == 0


async def load(session: Any, account: StaffAccount) -> Any:
    from linli.security import service as security_service

    return await security_service.load_principal(session, account, via="token")
