"""The web UI in a real browser: a real server, Debian's Chromium driven by Playwright.

A PM2.5 reading over the threshold is sent to `/api/ingest` from outside the browser; the alarm
and the case it opens appear on the command centre without a reload; the operator registers and
dispatches it from the case page; the grid worker handles it on a phone-sized workbench.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser_site import chromium, served_site
from browser_wait import wait_until
from factories import tiny_png

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
SCREENSHOT = Path("/tmp/linli-command-centre.png")
WAIT_MS = 5000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a fresh SQLite file and serve it with uvicorn in a subprocess."""
    with served_site(tmp_path_factory.mktemp("browser"), HERE / "seed_browser_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def sign_in(page: Any, base: str, username: str, password: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")
    assert "/login" in page.url
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}{path}")


def send_reading(server: dict[str, Any], value: float) -> None:
    res = httpx.post(
        f"{server['base']}/api/ingest",
        headers={
            "X-Device-Id": server["device_code"],
            "Authorization": f"Device {server['device_token']}",
        },
        json={"readings": [{"metric": "pm25", "value": value}]},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    assert res.json()["accepted"] == 1


def test_alarm_appears_live_and_the_case_opens(server: dict[str, Any], browser: Any) -> None:
    base = server["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        sign_in(page, base, server["operator"], server["password"])
        page.wait_for_selector('#live-status[data-state="open"]', timeout=WAIT_MS)
        # The map shows the operator's units as polygons, without any tile server.
        page.wait_for_selector("#map path.base-area", timeout=WAIT_MS)
        assert page.locator(".leaflet-tile").count() == 0
        page.evaluate("window.__sameDocument = true")

        send_reading(server, 182.0)

        alarm = page.wait_for_selector('#alarm-list li[data-id^="alarm-"]', timeout=WAIT_MS)
        assert (
            "AQ-HB-01" in alarm.inner_text() and "Poor air: PM2.5 182 µg/m³" in alarm.inner_text()
        )
        case_row = page.wait_for_selector('#case-list li[data-id^="case-"]', timeout=WAIT_MS)
        assert "Poor air: PM2.5 182 µg/m³" in case_row.inner_text()
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
        page.wait_for_selector("#map path.marker-case", timeout=WAIT_MS)
        assert page.locator("#map path.marker-alarm").count() == 1
        assert page.locator("#map path.marker-case").count() == 1
        assert page.inner_text("#alarm-count") == "1"
        page.wait_for_timeout(300)  # let the highlight settle for the picture
        page.screenshot(path=str(SCREENSHOT), full_page=False)

        page.click("#case-list li a.row-title")
        page.wait_for_url(f"{base}/cases/*")
        assert "Poor air: PM2.5 182 µg/m³ — Haibin school air station" in page.inner_text("h1")
        timeline = page.inner_text("#timeline")
        assert "Reported" in timeline and "System" in timeline
        assert page.inner_text(".case-status") == "Reported"

        # Register and dispatch from the page: the buttons post to the API and re-render.
        page.click('form[data-action="register"] button')
        page.wait_for_selector('form[data-action="dispatch"]', timeout=WAIT_MS)
        assert page.inner_text(".case-status") == "Registered"
        page.click('form[data-action="dispatch"] button')
        wait_until(
            page,
            "() => document.querySelector('.case-status').textContent.trim() === 'Dispatched'",
            timeout=WAIT_MS,
        )
        assert "Haibin grid 1" in page.inner_text(".facts")
        assert page.locator("#timeline li").count() == 3
        page.screenshot(path="/tmp/linli-case.png", full_page=True)
        assert errors == []
    finally:
        context.close()


def test_grid_worker_handles_the_case_on_a_phone(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    base = server["base"]
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    photo = tmp_path / "fixed.png"
    photo.write_bytes(tiny_png())
    try:
        sign_in(page, base, server["worker"], server["password"], "/workbench")
        card = page.wait_for_selector(".work-card", timeout=WAIT_MS)
        assert "Poor air: PM2.5 182 µg/m³" in card.inner_text()
        case_path = page.get_attribute(".work-card h2 a", "href")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

        page.click('form[data-action="accept"] button')
        page.wait_for_selector('form[data-action="start"]', timeout=WAIT_MS)
        page.click('form[data-action="start"] button')
        page.wait_for_selector('form[data-action="handle"]', timeout=WAIT_MS)
        page.fill('form[data-action="handle"] textarea[name="note"]', "Dust source covered")
        page.set_input_files('form[data-action="handle"] input[type="file"]', str(photo))
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path="/tmp/linli-workbench.png")
        page.click('form[data-action="handle"] button')
        page.wait_for_selector(".work-card", state="detached", timeout=WAIT_MS)

        page.wait_for_selector("text=Nothing to do right now", timeout=WAIT_MS)

        page.goto(f"{base}{case_path}")
        assert page.inner_text(".case-status") == "Handled"
        assert "Dust source covered" in page.inner_text("#timeline")
        thumb = page.wait_for_selector("#timeline .thumbs img", timeout=WAIT_MS)
        wait_until(page, "img => img.complete && img.naturalWidth === 1", thumb)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert errors == []
    finally:
        context.close()
