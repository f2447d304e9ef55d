"""The resident portal as a browser without JavaScript uses it: plain forms posting and
redirect-after-post, from signing up by code to reporting, following, confirming and rating."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cases.conftest import World, build_world
from linli.cases.models import CaseEvent
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.registry import service as registry_service
from linli.registry.schemas import BuildingCreate
from linli.residents.models import ResidentReport
from linli.residents.reports import tasks as report_tasks
from linli.rules.notifications.config import get_notify_settings
from linli.security.models import AuditEntry

PAGE = {"accept": "text/html"}


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    for name, value in {"SMS_GATEWAY": "file", "EMAIL_GATEWAY": "file"}.items():
        monkeypatch.setenv(f"LINLI_NOTIFY_{name}", value)
    monkeypatch.setenv("LINLI_NOTIFY_OUTBOX_DIR", str(tmp_path / "outbox"))
    get_notify_settings.cache_clear()
    yield tmp_path / "outbox"
    get_notify_settings.cache_clear()


def sent(outbox: Path, channel: str) -> list[dict[str, Any]]:
    path = outbox / f"{channel}.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture
async def world(db: str, clock: ManualClock) -> World:
    built = await build_world()
    lon, lat = built.at("C11-G1")
    async with session_scope() as session:
        await registry_service.create_building(
            session, data=BuildingCreate(code="BLK-7", name="Block 7", lon=lon, lat=lat)
        )
    return built


async def sign_up(client: httpx.AsyncClient, outbox: Path, phone: str, language: str) -> None:
    form = await client.get("/my/sign-in?next=/my/reports", headers=PAGE)
    assert form.status_code == 200 and 'name="contact"' in form.text
    step = await client.post(
        "/my/sign-in", data={"contact": phone, "next": "/my/reports"}, headers=PAGE
    )
    assert step.status_code == 200 and 'name="code"' in step.text
    code = re.search(r"\b(\d{6})\b", sent(outbox, "sms")[-1]["body"])
    assert code
    done = await client.post(
        "/my/sign-in",
        data={
            "contact": phone,
            "code": code.group(1),
            "name": "Wong Ah Lian",
            "language": language,
            "next": "/my/reports",
        },
        headers=PAGE,
    )
    assert done.status_code == 303 and done.headers["location"] == "/my/reports"


async def test_a_resident_signs_up_reports_follows_and_rates_without_javascript(
    client: httpx.AsyncClient, world: World, outbox: Path, clock: ManualClock
) -> None:
    signed_out = await client.get("/my/reports", headers=PAGE)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/my/sign-in?next=/my/reports"
    await sign_up(client, outbox, "+65 9000 1111", "zh_Hans")

    home = await client.get("/my", headers=PAGE)
    assert home.status_code == 200 and "您好，Wong Ah Lian" in home.text
    for section in ("/my/reports", "/my/household", "/my/notices", "/my/meetings"):
        assert f'href="{section}"' in home.text

    household = await client.get("/my/household", headers=PAGE)
    saved = await client.post(
        "/my/household/home",
        data={"block": "blk-7", "unit": "#03-21", "csrf_token": csrf_of(household.text)},
        headers=PAGE,
    )
    assert saved.status_code == 303

    form = await client.get("/my/reports/new", headers=PAGE)
    csrf = csrf_of(form.text)
    made = await client.post(
        "/my/reports/new",
        data={
            "text": "楼下晚上很吵",
            "category_code": "public.order.noise",
            "share_contact": "1",
            "csrf_token": csrf,
        },
        headers=PAGE,
    )
    assert made.status_code == 303, made.text
    page_url = made.headers["location"]
    page = await client.get(page_url, headers=PAGE)
    assert page.status_code == 200 and "我们已收到您的报告" in page.text
    added = await client.post(
        f"{page_url}/information",
        data={"text": "现在凌晨两点还在响", "csrf_token": csrf_of(page.text)},
        headers=PAGE,
    )
    assert added.status_code == 303 and "done=added" in added.headers["location"]
    async with session_scope() as session:
        notes = list(
            await session.scalars(select(CaseEvent.note).where(CaseEvent.action == "reporter_note"))
        )
    assert notes == ["现在凌晨两点还在响"]
    listed = await client.get("/my/reports", headers=PAGE)
    ref = re.search(r'class="ref">([^<]+)<', page.text)
    assert ref and ref.group(1) in listed.text

    # Staff handle it; the resident is told in Chinese, and confirms and rates the fix.
    operator = await world.staff("op", "operator", "D")
    worker = await world.staff("gw", "grid_worker", "C11-G1")
    found = await client.get("/api/cases", params={"q": ref.group(1)}, headers=operator.headers)
    cid = found.json()["items"][0]["id"]
    for action, who, body in (
        ("register", operator, None),
        ("dispatch", operator, None),
        ("accept", worker, None),
        ("start", worker, None),
        ("handle", worker, {"note": "quiet now"}),
    ):
        moved = await client.post(f"/api/cases/{cid}/{action}", json=body, headers=who.headers)
        assert moved.status_code == 200, moved.text
    assert await report_tasks.tell_report_changes() > 0
    told = [m for m in sent(outbox, "sms") if m["to"] == "+6590001111"][1:]
    assert told and "已处置，正在核查" in told[-1]["body"] and page_url in told[-1]["body"]
    assert "已处置，正在核查" in (await client.get("/my", headers=PAGE)).text

    page = await client.get(page_url, headers=PAGE)
    confirmed = await client.post(
        f"{page_url}/confirm", data={"csrf_token": csrf_of(page.text)}, headers=PAGE
    )
    assert confirmed.status_code == 303 and "done=confirmed" in confirmed.headers["location"]
    rated = await client.post(
        f"{page_url}/rating",
        data={"score": "4", "comment": "谢谢", "csrf_token": csrf},
        headers=PAGE,
    )
    assert rated.status_code == 303 and "done=rated" in rated.headers["location"]
    final = await client.get(page_url, headers=PAGE)
    assert "★★★★☆" in final.text
    async with session_scope() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert {
        "resident.reported",
        "resident.added_information",
        "resident.confirmed_fix",
        "resident.rated",
    } <= set(actions)


async def test_a_resident_sees_only_their_own_reports(
    client: httpx.AsyncClient, world: World, outbox: Path
) -> None:
    await sign_up(client, outbox, "+65 9000 2222", "en")
    household = await client.get("/my/household", headers=PAGE)
    await client.post(
        "/my/household/home",
        data={"block": "BLK-7", "unit": "01-01", "csrf_token": csrf_of(household.text)},
    )
    form = await client.get("/my/reports/new", headers=PAGE)
    made = await client.post(
        "/my/reports/new",
        data={
            "text": "Loud music at night",
            "category_code": "public.order.noise",
            "csrf_token": csrf_of(form.text),
        },
    )
    mine = made.headers["location"]
    client.cookies.clear()
    await sign_up(client, outbox, "+65 9000 3333", "en")
    assert (await client.get(mine, headers=PAGE)).status_code == 404
    assert (await client.get(f"/my/reports/{uuid.uuid4()}", headers=PAGE)).status_code == 404
    assert "You have not reported anything yet" in (await client.get("/my/reports")).text
    async with session_scope() as session:
        assert len(list(await session.scalars(select(ResidentReport)))) == 1


async def test_forms_without_a_csrf_token_are_refused_and_wrong_codes_say_so(
    client: httpx.AsyncClient, world: World, outbox: Path
) -> None:
    await client.post("/my/sign-in", data={"contact": "+65 9000 4444"}, headers=PAGE)
    wrong = await client.post(
        "/my/sign-in", data={"contact": "+65 9000 4444", "code": "000000"}, headers=PAGE
    )
    if wrong.status_code != 303:
        assert wrong.status_code == 401 and "That code is wrong" in wrong.text
    await sign_up(client, outbox, "+65 9000 5555", "en")
    refused = await client.post("/my/preferences", data={"language": "ms"}, headers=PAGE)
    assert refused.status_code == 403
    prefs = await client.get("/my/preferences", headers=PAGE)
    saved = await client.post(
        "/my/preferences",
        data={"language": "ms", "large_text": "1", "csrf_token": csrf_of(prefs.text)},
        headers=PAGE,
    )
    assert saved.status_code == 303
    page = await client.get("/my/preferences", headers=PAGE)
    assert 'class="resident-page portal portal-large"' in page.text and 'lang="ms"' in page.text


async def test_staff_see_their_subtrees_accounts_and_verify_in_person_on_their_page(
    client: httpx.AsyncClient, world: World
) -> None:
    from linli.residents.types import Level
    from residents.helpers import make_account

    async with session_scope() as session:
        (block,) = (await registry_service.list_buildings(session, principal=None, q="BLK-7"))[0]
    near = await make_account(level=Level.PHONE, building=block, name="Chan Siu Ming")
    far = await make_account(level=Level.PHONE, org_unit=world["C22"], name="Far Away")
    worker = await world.staff("gw7", "grid_worker", "C11")
    dept = await world.staff("dept7", "department_staff", "D-SAN")
    page = await client.get("/community/residents", headers=worker.headers)
    assert page.status_code == 200
    assert "Chan Siu Ming" in page.text and "Far Away" not in page.text
    assert (await client.get("/community/residents", headers=dept.headers)).status_code == 403
    done = await client.post(
        f"/community/residents/{near.id}/verify", data={"note": "ID seen"}, headers=worker.headers
    )
    assert done.status_code == 303
    outside = await client.post(
        f"/community/residents/{far.id}/verify", data={}, headers=worker.headers
    )
    assert outside.status_code == 404
    async with session_scope() as session:
        reads = list(
            await session.scalars(
                select(AuditEntry.target_id).where(AuditEntry.action == "resident_account.read")
            )
        )
        verified = list(
            await session.scalars(
                select(AuditEntry.target_id).where(
                    AuditEntry.action == "resident.verified_in_person"
                )
            )
        )
    assert str(near.id) in reads and str(far.id) not in reads
    assert verified == [str(near.id)]
