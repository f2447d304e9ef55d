"""An SMS conversation files a report, tells its reference, joins a nearby duplicate when the
resident confirms, and brings the fix notice when the case is handled."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy import text as text_sql

from linli.cases.intake.models import CaseReporter
from linli.cases.models import Case
from linli.core import clock as clock_mod
from linli.core.database import session_scope
from linli.residents.messaging.models import InboundMessage, Outbound
from linli.residents.types import Level

from ..helpers import make_account
from .conftest import Site, replies, text

ALICE, BOB, CHEN = "+65 9123 4567", "+6598765432", "+8613800138000"
REF = re.compile(r"C-\d{6}-\d{6}")


async def _cases() -> list[Case]:
    async with session_scope() as session:
        return list(await session.scalars(select(Case).order_by(Case.created_at, Case.ref)))


async def _handle(client: httpx.AsyncClient, site: Site, case: Case) -> None:
    admin = await site.world.staff("admin", "admin", "D")
    for step in ("register", "dispatch", "accept", "start"):
        done = await client.post(f"/api/cases/{case.id}/{step}", json={}, headers=admin.headers)
        assert done.status_code == 200, done.text
    done = await client.post(
        f"/api/cases/{case.id}/handle", json={"note": "Spoke to the shop"}, headers=admin.headers
    )
    assert done.status_code == 200, done.text


async def test_a_texted_report_is_filed_joined_and_told_of_its_fix(
    site: Site, client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    # Alice texts a problem without a place: Linli asks where.
    first = await text(client, ALICE, "Loud music after midnight", message_id="a1")
    assert first.status_code == 200, first.text
    assert first.json() == {"action": "answered", "replies": 1}
    assert "block number" in (await replies(site.outbox, ALICE))[-1]
    assert await _cases() == []

    # She names the block: the report is filed there and she is told its reference.
    await text(client, ALICE, "101", message_id="a2")
    said = (await replies(site.outbox, ALICE))[-1]
    (case,) = await _cases()
    assert case.ref in said and "STATUS" in said
    assert (case.lon, case.lat) == site.block_101 and case.category_code == "public.order.noise"
    assert case.description == "Loud music after midnight"

    # The gateway resends the same message: nothing happens twice.
    again = await text(client, ALICE, "101", message_id="a2")
    assert again.json() == {"action": "replayed", "replies": 0}
    assert len(await _cases()) == 1 and len(await replies(site.outbox, ALICE)) == 2

    # Her number is kept as a reporter's contact is: encrypted, and found by staff through it.
    async with session_scope() as session:
        reporter = await session.scalar(select(CaseReporter))
        assert reporter is not None and reporter.phone == ALICE
        raw = (await session.execute(text_sql("SELECT address FROM messaging_conversation"))).one()
        assert b"9123" not in bytes(raw[0])

    # Bob, nearby, reports the same music with the block in his words: he is asked whether
    # it is Alice's case, says yes, and joins it instead of opening another.
    clock.advance(timedelta(minutes=20))
    await text(client, BOB, "Very loud music at block 101 again", message_id="b1")
    asked = (await replies(site.outbox, BOB))[-1]
    assert case.ref in asked and "1 yes / 2 no" in asked
    await text(client, BOB, "1", message_id="b2")
    joined = (await replies(site.outbox, BOB))[-1]
    assert case.ref in joined and "joined" in joined
    (case,) = await _cases()
    assert case.me_too_count == 1

    # Staff handle it: both hear the fix notice by SMS; texting STATUS tells the status.
    await _handle(client, site, case)
    for number in (ALICE, BOB):
        told = await replies(site.outbox, number)
        assert any(case.ref in t and "has been fixed" in t for t in told), told
    await text(client, BOB, "STATUS", message_id="b3")
    status = (await replies(site.outbox, BOB))[-1]
    assert status.startswith(f"{case.ref}: reported fixed, being checked")
    # Texts are short enough for SMS.
    async with session_scope() as session:
        bodies = list(await session.scalars(select(Outbound.body)))
    assert bodies and max(len(b) for b in bodies) <= 160, bodies


async def test_a_resident_who_says_no_files_a_new_report_and_texts_its_reference(
    site: Site, client: httpx.AsyncClient, clock: clock_mod.ManualClock
) -> None:
    await text(client, ALICE, "Loud music at blk 101", message_id="a1")
    (first,) = await _cases()
    clock.advance(timedelta(minutes=5))
    await text(client, BOB, "Noisy party at night, block 101", message_id="b1")
    assert first.ref in (await replies(site.outbox, BOB))[-1]
    await text(client, BOB, "2", message_id="b2 #any text, even long " + "x" * 100)
    cases = await _cases()
    assert len(cases) == 2 and cases[0].me_too_count == 0
    new = cases[1]
    assert new.ref in (await replies(site.outbox, BOB))[-1]
    # Anyone may ask after a public case by its reference; a reference that is not there is
    # answered as missing.
    await text(client, CHEN, new.ref.lower(), message_id="c1")
    assert (await replies(site.outbox, CHEN))[-1].startswith(f"{new.ref}: received")
    await text(client, CHEN, "C-000000-000009", message_id="c2")
    assert (await replies(site.outbox, CHEN))[-1] == "We found no case C-000000-000009."


async def test_replies_come_in_the_residents_language(
    site: Site, client: httpx.AsyncClient
) -> None:
    await text(client, CHEN, "101栋音乐很吵", message_id="c1")
    (case,) = await _cases()
    zh = (await replies(site.outbox, CHEN))[-1]
    assert case.ref in zh and "谢谢" in zh, zh
    await text(client, ALICE, "muzik bising malam", message_id="a1")
    assert "blok" in (await replies(site.outbox, ALICE))[-1].lower()
    await text(client, ALICE, "TAMIL", message_id="a2")
    await text(client, ALICE, "STATUS", message_id="a3")
    tamil = (await replies(site.outbox, ALICE))[-1]
    assert any("\u0b80" <= ch <= "\u0bff" for ch in tamil), tamil
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(InboundMessage)) == 4


async def test_a_number_of_a_resident_account_is_answered_in_the_accounts_language(
    site: Site, client: httpx.AsyncClient
) -> None:
    await make_account(level=Level.PHONE, phone="+6581112222", locale="zh_Hans")
    await text(client, "+65 8111 2222", "HELP", message_id="z1")
    (said,) = await replies(site.outbox, "+65 8111 2222")
    assert said.startswith("请发短信说明什么问题"), said
