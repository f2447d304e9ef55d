"""The resident's report page and the status page reached with the follow-up token."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from factories import tiny_png
from linli.cases import service as cases_service
from linli.cases.models import Case
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.org import service as org_service

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]
IN_GRID_A1 = (113.81, 22.51)


async def waste_category(site: Any) -> None:
    async with session_scope() as session:
        waste = await cases_service.upsert_category(
            session, code="env.waste", name="Waste", name_zh="垃圾", priority=2
        )
        waste.name_ms, waste.name_ta = "Sampah", "குப்பை"
        await org_service.set_route(
            session, category_code="env.waste", scope=site.district, target=site.grid_a
        )


async def send_report(client: httpx.AsyncClient, key: str, **extra: str) -> httpx.Response:
    """Post what the report page's script posts."""
    return await client.post(
        "/api/public/reports",
        data={
            "text": "Rubbish piled up beside block 12",
            "category_code": "env.waste",
            "lon": str(IN_GRID_A1[0]),
            "lat": str(IN_GRID_A1[1]),
            **extra,
        },
        files={"photo": ("pile.png", tiny_png(), "image/png")},
        headers={"Idempotency-Key": key},
    )


@pytest.mark.parametrize(
    ("lang", "html_lang", "heading"),
    [
        ("en", "en", "Report a problem"),
        ("zh_Hans", "zh-Hans", "报告问题"),
        ("ms", "ms", "Laporkan masalah"),
        ("ta", "ta", "சிக்கலைப் புகாரளிக்கவும்"),
    ],
)
async def test_report_page_speaks_each_language_and_fits_a_phone(
    client: httpx.AsyncClient, site: Any, lang: str, html_lang: str, heading: str
) -> None:
    await waste_category(site)
    res = await client.get("/report", params={"lang": lang})
    assert res.status_code == 200
    html = res.text
    assert f'<html lang="{html_lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'accept="image/*" capture="environment"' in html  # the camera on a phone
    assert 'id="locate-me"' in html and 'data-endpoint="/api/public/reports"' in html
    assert 'class="topbar"' not in html  # no staff navigation for the public
    for code in ("en", "zh_Hans", "ms", "ta"):
        assert f'href="/report?lang={code}"' in html  # the language switch
    expected = {"en": "Waste", "zh_Hans": "垃圾", "ms": "Sampah", "ta": "குப்பை"}[lang]
    assert re.search(f'<option value="env.waste" data-terms="[^"]*">{expected}</option>', html)


async def test_a_double_tap_makes_one_case_and_the_status_page_follows_it(
    client: httpx.AsyncClient, site: Any, clock: ManualClock
) -> None:
    await waste_category(site)
    first = await send_report(client, "report-tap-1")
    again = await send_report(client, "report-tap-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["token"] == again.json()["token"]
    async with session_scope() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
    token, ref = first.json()["token"], first.json()["ref"]

    page = await client.get(f"/report/status/{token}")
    assert page.status_code == 200
    html = page.text
    assert ref in html and "Received" in html and "Waste" in html
    assert page.headers["cache-control"] == "no-store"
    steps = re.findall(r'<li class="([a-z ]*)"[^>]*>([^<]+)</li>', html)
    assert steps[0] == ("done current", "We received your report")
    assert [cls for cls, _ in steps[1:]] == ["", "", "", "", ""]
    chinese = (await client.get(f"/report/status/{token}", params={"lang": "zh_Hans"})).text
    assert "我们已收到您的报告" in chinese and "垃圾" in chinese


async def test_the_status_page_tells_the_fix_in_plain_words_and_takes_a_rating(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    await waste_category(site)
    receipt = (await send_report(client, "report-fix-1")).json()
    await staff("olivia", role="operator", unit=site.street)
    await staff("grace", role="grid_worker", unit=site.community_a)
    async with session_scope() as session:
        case = (await session.scalars(select(Case))).one()
    csrf = await signed_in("olivia")
    for action in ("register", "dispatch"):
        res = await client.post(f"/api/cases/{case.id}/{action}", headers={"X-CSRF-Token": csrf})
        assert res.status_code == 200, res.text
    client.cookies.clear()
    csrf = await signed_in("grace", next_page="/workbench")
    for action, body in (
        ("accept", None),
        ("start", None),
        ("handle", {"note": "Rubbish cleared and the area washed", "public": True}),
    ):
        res = await client.post(
            f"/api/cases/{case.id}/{action}", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert res.status_code == 200, res.text
    client.cookies.clear()

    token = receipt["token"]
    html = (await client.get(f"/report/status/{token}")).text
    assert "Fixed, being checked" in html
    assert "Rubbish cleared and the area washed" in html  # the handler's public note
    assert "grace" not in html.lower()  # no staff names for the public
    done = re.findall(r'<li class="(done[a-z ]*)"', html)
    assert len(done) == 5 and done[-1] == "done current"
    assert f'data-public-api="/api/public/reports/{token}/confirm"' in html
    assert f'data-public-api="/api/public/reports/{token}/rating"' in html
    # What the rating form posts:
    rated = await client.post(
        f"/api/public/reports/{token}/rating", json={"score": 4, "comment": "Quick work"}
    )
    assert rated.status_code == 201, rated.text
    html = (await client.get(f"/report/status/{token}")).text
    assert f"/api/public/reports/{token}/rating" not in html  # rated once
    assert '<span class="stars-given" aria-label="4 stars">★★★★☆</span>' in html


async def test_an_unknown_token_shows_nothing(client: httpx.AsyncClient, db: str) -> None:
    res = await client.get("/report/status/lnr_not-a-real-token", params={"lang": "zh_Hans"})
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("text/html")
    assert 'data-code="report_not_found"' in res.text
    assert "<h1>未找到报告</h1>" in res.text
