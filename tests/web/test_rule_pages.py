"""Rule pages: the list with open alarms, forms per kind checked like the API, preview, versions."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from linli.core import pagination
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.schemas import DeviceCreate
from linli.rules.models import Rule
from linli.security.models import StaffAccount
from linli.web import rule_pages
from list_pages import follow_pages

MakeStaff = Callable[..., Awaitable[StaffAccount]]
SignIn = Callable[..., Awaitable[str]]
CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()


def _form(token: str, site: Any, **change: Any) -> dict[str, Any]:
    return {
        "csrf_token": token,
        "kind": "threshold",
        "name": "Dust",
        "device_type": "AirQualityObserved",
        "metric": "pm25",
        "scope_unit_id": str(site.district.id),
        "severity": "major",
        "active": "1",
        "p_op": ">=",
        "p_threshold": "75",
        "p_for_seconds": "0",
        "flap_seconds": "0",
        **change,
    }


async def _rule_count() -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).select_from(Rule)) or 0)


@pytest.mark.parametrize("path", ["/rules", "/rules/new"])
async def test_signed_out_browser_is_sent_to_login(client: httpx.AsyncClient, path: str) -> None:
    res = await client.get(path)
    assert res.status_code == 303
    assert res.headers["location"] == f"/login?next={path}"


async def test_a_refused_field_is_shown_beside_it_and_nothing_is_saved(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("ada", role="admin", unit=site.district)
    token = await signed_in("ada", next_page="/rules/new")
    page = await client.get("/rules/new")
    assert page.status_code == 200 and 'name="p_threshold"' in page.text

    cases = [
        ({"p_clear_threshold": "80"}, "p_clear_threshold"),  # clears beyond where it fires
        ({"p_threshold": "loud"}, "p_threshold"),
        ({"metric": "laeq"}, "metric"),
        ({"s_start": "25:00", "s_end": "06:00"}, "s_start"),
        ({"case_policy": "attach"}, "case_category"),
    ]
    for change, field in cases:
        res = await client.post("/rules/new", data=_form(token, site, **change))
        assert res.status_code == 422, (field, res.text[:300])
        found = re.search(rf'id="error-{field}"[^>]*>([^<]+)<', res.text)
        assert found, (field, res.text[-3000:])
        # What was typed stays in the form.
        assert 'value="Dust"' in res.text
    assert await _rule_count() == 0


async def test_a_rule_made_with_the_form_is_listed_edited_and_previewed(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    await staff("ada", role="admin", unit=site.district)
    token = await signed_in("ada", next_page="/rules")
    async with session_scope() as session:
        _, secret = await iot_service.register_device(
            session,
            data=DeviceCreate(code="AQ-9", type="AirQualityObserved", name="AQ 9", lon=113.81,
                              lat=22.51),
        )  # fmt: skip
    start = clock.now()
    clock.advance(timedelta(hours=1))
    readings = [60, 90, 50, 100, 110]  # two breach episodes over 75
    res = await client.post(
        "/api/ingest",
        json={
            "readings": [
                {"metric": "pm25", "value": v, "ts": (start + timedelta(minutes=i)).isoformat()}
                for i, v in enumerate(readings)
            ]
        },
        headers={"X-Device-Id": "AQ-9", "Authorization": f"Device {secret}"},
    )
    assert res.status_code == 200, res.text

    created = await client.post("/rules/new", data=_form(token, site, p_op=">"))
    assert created.status_code == 303, created.text[-2000:]
    edit_url = created.headers["location"].split("?")[0]
    page = await client.get(created.headers["location"])
    assert 'id="rule-saved"' in page.text and 'data-version="1"' in page.text

    listing = await client.get("/rules")
    assert "Dust" in listing.text
    assert 'class="open-alarms" data-count="0"' in listing.text  # made after the readings
    assert "Dust" not in (await client.get("/rules?kind=absence")).text

    preview = await client.get(f"{edit_url}?preview=1")
    fires = re.search(r'id="preview-result" data-fires="(\d+)"', preview.text)
    assert fires and int(fires.group(1)) == 2, preview.text[-2000:]
    assert "Would have fired 2 times in the last 7 days." in preview.text

    changed = await client.post(
        edit_url,
        data=_form(token, site, name="Dust by day", s_start="09:00", s_end="18:00",
                   s_tz="Asia/Shanghai", s_days=["0"]),
    )  # fmt: skip
    assert changed.status_code == 303, changed.text[-2000:]
    page = await client.get(edit_url)
    assert 'data-version="2"' in page.text and 'data-version="1"' in page.text
    async with session_scope() as session:
        (rule,) = await session.scalars(select(Rule))
        assert (rule.name, rule.version) == ("Dust by day", 2)
        assert rule.schedule == {
            "tz": "Asia/Shanghai",
            "days": [0],
            "start": "09:00",
            "end": "18:00",
        }

    # Now (Monday 10:00 in Shanghai) the station breaches again: the list counts the alarm.
    clock.advance(timedelta(minutes=1))
    await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": 150, "ts": clock.now().isoformat()}]},
        headers={"X-Device-Id": "AQ-9", "Authorization": f"Device {secret}"},
    )
    listing = await client.get("/rules")
    assert 'class="open-alarms" data-count="1"' in listing.text


async def test_the_rule_list_pages_by_next_and_first_links_and_counts(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await staff("ada", role="admin", unit=site.district)
    await staff("otto", role="operator", unit=site.community_a, locale="zh_Hans")
    token = await signed_in("ada", next_page="/rules")
    for name, unit in [*((f"Dust {i}", site.district) for i in range(5)), ("B", site.community_b)]:
        made = await client.post(
            "/rules/new", data=_form(token, site, name=name, scope_unit_id=str(unit.id))
        )
        assert made.status_code == 303, made.text[-2000:]  # fmt: skip
    monkeypatch.setattr(rule_pages, "PAGE", 2)

    await signed_in("otto", next_page="/rules")
    pages = await follow_pages(client, "/rules?kind=threshold")
    names = [re.findall(r'/edit">([^<]+)</a>', page) for page in pages]
    assert names == [["Dust 0", "Dust 1"], ["Dust 2", "Dust 3"], ["Dust 4"]]
    assert 'href="/rules?kind=threshold" rel="first"' in pages[-1]
    assert "5 条规则" in pages[0] and "下一页" in pages[0] and "第一页" in pages[1]
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    assert "3+ 条规则" in (await client.get("/rules")).text
    forged = await client.get("/rules", params={"cursor": "W10"})
    assert (forged.status_code, forged.json()["code"]) == (422, "bad_cursor")


async def test_a_reader_sees_the_rule_but_cannot_change_it(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("ada", role="admin", unit=site.district)
    await staff("otto", role="operator", unit=site.street)
    token = await signed_in("ada", next_page="/rules")
    created = await client.post("/rules/new", data=_form(token, site))
    edit_url = created.headers["location"].split("?")[0]
    client.cookies.clear()

    token = await signed_in("otto", next_page="/rules")
    page = await client.get(edit_url)
    assert page.status_code == 200
    assert 'id="rule-save"' not in page.text and "<fieldset disabled" in page.text
    assert (await client.get("/rules/new")).status_code == 403
    refused = await client.post(edit_url, data=_form(token, site, name="Mine now"))
    assert refused.status_code == 403
    async with session_scope() as session:
        (rule,) = await session.scalars(select(Rule))
        assert rule.name == "Dust"


async def test_a_browser_creates_a_threshold_rule_through_the_form(
    live_server: str, site: Any, staff: MakeStaff, password: str
) -> None:
    async_api = pytest.importorskip("playwright.async_api")
    if not HAVE_CHROMIUM:
        pytest.skip("Chromium is not installed")
    await staff("ada", role="admin", unit=site.district)
    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{live_server}/rules/new")
            await page.fill('input[name="username"]', "ada")
            await page.fill('input[name="password"]', password)
            await page.click('button[type="submit"]')
            await page.wait_for_url(f"{live_server}/rules/new")
            await page.fill('input[name="name"]', "Noise at night")
            await page.select_option('select[name="device_type"]', "NoiseLevelObserved")
            await page.select_option('select[name="metric"]', "laeq")
            await page.select_option('select[name="p_op"]', ">=")
            await page.fill('input[name="p_threshold"]', "70")
            await page.fill('input[name="p_clear_threshold"]', "80")  # could never clear
            await page.click("#rule-save")
            await page.wait_for_selector("#error-p_clear_threshold")
            message = await page.inner_text("#error-p_clear_threshold")
            assert "beyond the threshold" in message
            assert await page.input_value('input[name="name"]') == "Noise at night"
            await page.fill('input[name="p_clear_threshold"]', "65")
            await page.click("#rule-save")
            await page.wait_for_url(re.compile(r".*/rules/[0-9a-f-]+/edit\?saved=1$"))
            assert await page.is_visible("#rule-saved")
            assert await page.locator("#rule-versions tr[data-version]").count() == 1
        finally:
            await browser.close()
    async with session_scope() as session:
        (rule,) = await session.scalars(select(Rule))
        assert (rule.metric, rule.params["clear_threshold"]) == ("laeq", 65.0)


async def test_a_composite_rule_form_checks_its_members(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("ada", role="admin", unit=site.district)
    token = await signed_in("ada", next_page="/rules")
    ids = []
    for name, metric in (("Dust", "pm25"), ("Coarse dust", "pm10")):
        res = await client.post("/rules/new", data=_form(token, site, name=name, metric=metric))
        ids.append(res.headers["location"].split("/")[2])
    page = await client.get("/rules/new?kind=composite")
    assert page.status_code == 200 and 'name="p_members"' in page.text
    assert all(f'value="{i}"' in page.text for i in ids)
    composite = {
        "csrf_token": token,
        "kind": "composite",
        "name": "Smog",
        "scope_unit_id": str(site.district.id),
        "severity": "major",
        "active": "1",
        "p_op": "all",
        "p_within": "building",
        "p_window_seconds": "600",
        "flap_seconds": "0",
    }
    refused = await client.post("/rules/new", data={**composite, "p_members": ids[:1]})
    assert refused.status_code == 422
    assert re.search(r'id="error-p_members"[^>]*>[^<]+<', refused.text)
    saved = await client.post("/rules/new", data={**composite, "p_members": ids})
    assert saved.status_code == 303, saved.text[-2000:]
    async with session_scope() as session:
        rule = await session.scalar(select(Rule).where(Rule.kind == "composite"))
        assert rule is not None
        assert rule.params["members"] == ids and rule.device_type == "composite"
    edit = await client.get(saved.headers["location"])
    assert edit.status_code == 200 and 'id="rule-preview"' not in edit.text
    assert (
        edit.text.count("selected>Dust (threshold)")
        + edit.text.count("selected>Coarse dust (threshold)")
        == 2
    )
    listing = await client.get("/rules?kind=composite")
    assert "Smog" in listing.text and "Coarse dust" not in listing.text
