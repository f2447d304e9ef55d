"""Device pages: the list with its status filter and map markers, a device's page with its
charts and forms, scoped by the viewer's area; and, in Chromium, a chart drawing ingested points."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from test_browser import WAIT_MS, browser, send_reading, server, sign_in

from browser_wait import wait_until
from factories import PASSWORD, DeviceWorld, make_device_world
from linli.core import pagination
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.iot import status
from linli.web import device_pages
from list_pages import follow_pages
from login_form import post_login

__all__ = ["browser", "server"]  # module fixtures of the browser test, used below

STAFF = {"admin": ("admin", "T"), "op": ("operator", "T"), "gw_a": ("grid_worker", "S1-C1")}


@pytest.fixture
async def world(db: str, clock: ManualClock) -> DeviceWorld:
    return await make_device_world(DeviceWorld, STAFF)


async def _sign_in(client: httpx.AsyncClient, username: str) -> None:
    res = await post_login(client, {"username": username, "password": PASSWORD})
    assert res.status_code in (302, 303), res.text


def _markers(html: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="device-markers">(.*?)</script>', html)
    assert found is not None
    markers: list[dict[str, Any]] = json.loads(found.group(1))
    return markers


async def test_the_list_filters_by_status_and_maps_the_devices(
    world: DeviceWorld, client: httpx.AsyncClient
) -> None:
    signed_out = await client.get("/devices")
    assert signed_out.status_code == 303 and "/login" in signed_out.headers["location"]
    await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": 20}]},
        headers=world.device_auth("AQ-A"),
    )
    async with session_scope() as session:
        await status.refresh_status(session)

    await _sign_in(client, "op")
    everything = await client.get("/devices")
    assert everything.status_code == 200
    assert {(m["code"], m["status"]) for m in _markers(everything.text)} == {
        ("AQ-A", "online"),
        ("AQ-B", "unknown"),
    }
    online = await client.get("/devices", params={"status": "online"})
    assert [m["code"] for m in _markers(online.text)] == ["AQ-A"]
    assert 'data-status="online"' in online.text and "AQ-B" not in online.text
    assert 'id="provisioning"' not in online.text  # operators read devices, do not register

    await _sign_in(client, "gw_a")
    mine = await client.get("/devices")
    assert [m["code"] for m in _markers(mine.text)] == ["AQ-A"]
    assert "1 device<" in mine.text


async def test_the_list_pages_by_next_and_first_links(
    world: DeviceWorld, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(device_pages, "MAX_LIMIT", 1)
    await _sign_in(client, "op")
    pages = await follow_pages(client, "/devices?status=unknown")
    assert [[m["code"] for m in _markers(page)] for page in pages] == [["AQ-A"], ["AQ-B"]]
    assert all("2 devices" in page for page in pages)
    assert 'href="/devices?status=unknown" rel="first"' in pages[1]
    monkeypatch.setattr(pagination, "COUNT_CAP", 1)
    assert "1+ devices" in (await client.get("/devices")).text


async def test_the_device_page_has_charts_and_the_forms_for_writers(
    world: DeviceWorld, client: httpx.AsyncClient
) -> None:
    a, b = world.devices["AQ-A"], world.devices["AQ-B"]
    await _sign_in(client, "admin")
    page = await client.get(f"/devices/{a.id}")
    assert page.status_code == 200
    metrics = re.findall(r'class="device-chart" data-metric="(\w+)"', page.text)
    assert sorted(metrics) == ["no2", "pm10", "pm25"]
    assert f'data-readings-url="/api/devices/{a.id}/readings"' in page.text
    for form in ("command-form", "rotate-form", "revoke-form"):
        assert f'id="{form}"' in page.text
    listing = await client.get("/devices")
    assert 'id="provisioning"' in listing.text

    await _sign_in(client, "gw_a")
    own = await client.get(f"/devices/{a.id}")
    assert own.status_code == 200 and 'id="revoke-form"' not in own.text
    assert (await client.get(f"/devices/{b.id}")).status_code == 404


@pytest.mark.browser
def test_a_device_chart_draws_the_ingested_points(server: dict[str, Any], browser: Any) -> None:
    base = server["base"]
    values = [12.0, 18.5, 23.0]
    for value in values:
        send_reading(server, value)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        sign_in(page, base, server["operator"], server["password"], "/devices")
        page.wait_for_selector("#device-map path.device-marker", timeout=WAIT_MS)
        assert page.locator(".leaflet-tile").count() == 0
        page.click(f"#device-table a:text('{server['device_code']}')")
        page.wait_for_url(f"{base}/devices/*")
        chart = '.device-chart[data-metric="pm25"]'
        wait_until(
            page,
            f"() => Number(document.querySelector('{chart}').dataset.points) >= {len(values)}",
            timeout=WAIT_MS,
        )
        assert page.locator(f"{chart} canvas").count() == 1
        drawn = page.evaluate(f"document.querySelector('{chart}').dataset.points")
        assert int(drawn) == len(values)
        # A reading sent now shows up on the next periodic refresh, without a reload.
        send_reading(server, 30.0)
        wait_until(
            page,
            f"() => Number(document.querySelector('{chart}').dataset.points) === {len(values) + 1}",
            timeout=3 * WAIT_MS,
        )
        page.screenshot(path="/tmp/linli-device.png", full_page=True)
        assert errors == []
    finally:
        context.close()
