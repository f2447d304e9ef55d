"""One clock: an instant reads the same on every page, in the site's zone, whatever the browser's.

The seed (`seed_clock_site.py`) makes one moment: a reading over the limit raises an alarm that
opens a case and tells the operator's inbox, and a resident reports a problem, all at `AT`. The
browser runs in New York; the site is Bao'an (Asia/Shanghai). The command centre, the case page,
the inbox, the device chart and the resident's status page must all show Shenzhen's wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from browser_site import chromium, served_site
from linli.core import localtime

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
SITE_ZONE = "Asia/Shanghai"
BROWSER_ZONE = "America/New_York"
WAIT_MS = 8000


def plain(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("clock"), HERE / "seed_clock_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_one_moment_reads_the_same_everywhere_on_the_sites_clock(
    server: dict[str, Any], browser: Any
) -> None:
    base = server["base"]
    at = datetime.fromisoformat(server["at"])
    short = plain(localtime.format_when(at, timezone=SITE_ZONE, locale="en", style="short"))
    medium = plain(localtime.format_when(at, timezone=SITE_ZONE, locale="en"))
    elsewhere = plain(localtime.format_when(at, timezone=BROWSER_ZONE, locale="en", style="short"))
    assert short != elsewhere  # the test could not tell the zones apart otherwise

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id=BROWSER_ZONE
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE
        page.goto(f"{base}/")
        page.fill('input[name="username"]', server["operator"])
        page.fill('input[name="password"]', server["password"])
        page.click('button[type="submit"]')
        page.wait_for_url(f"{base}/")

        # Command centre: the alarm row and the case row (both built by script).
        alarm = page.wait_for_selector('#alarm-list li[data-id^="alarm-"]', timeout=WAIT_MS)
        assert short in plain(alarm.inner_text())
        case_row = page.wait_for_selector("#case-list li[data-id^='case-'] time", timeout=WAIT_MS)
        assert plain(case_row.inner_text()) == short
        # A time typed into a form (an incident task's deadline) is read on the site's clock.
        typed = page.evaluate("window.Linli.siteInstant('2026-01-05T14:37')")
        assert typed == "2026-01-05T06:37:00.000Z"
        case_href = page.get_attribute("#case-list li[data-id^='case-'] a.row-title", "href")

        # The case page (server-rendered).
        page.goto(f"{base}{case_href}")
        reported = page.locator('.facts div:has(dt:text-is("Reported")) time').inner_text()
        assert plain(reported) == medium
        assert medium in plain(page.inner_text("#timeline"))

        # The device chart: the latest point beside it, and the legend under the cursor.
        page.goto(f"{base}/devices/{server['device_id']}")
        latest = page.wait_for_selector(
            '.device-chart[data-metric="pm25"] .chart-latest time', timeout=WAIT_MS
        )
        assert plain(latest.inner_text()) == short
        over = page.locator('.device-chart[data-metric="pm25"] .u-over')
        over.hover()
        legend = page.locator('.device-chart[data-metric="pm25"] .u-legend .u-series').first
        assert plain(legend.locator(".u-value").inner_text()) == short
        assert errors == []
    finally:
        context.close()

    # The inbox of the grid worker the alarm was told to (the nearest level that reads alarms).
    worker = browser.new_context(locale="en-US", timezone_id=BROWSER_ZONE)
    page = worker.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{base}/inbox")
        page.fill('input[name="username"]', server["worker"])
        page.fill('input[name="password"]', server["password"])
        page.click('button[type="submit"]')
        card = page.wait_for_selector("#inbox-list li.notification", timeout=WAIT_MS)
        assert plain(page.inner_text("#inbox-list li.notification time")) == short
        assert medium in plain(card.inner_text())  # "Raised at: …" in the message body
        assert errors == []
    finally:
        worker.close()

    # The resident's status page, with no account at all.
    resident = browser.new_context(locale="en-US", timezone_id=BROWSER_ZONE)
    page = resident.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{base}/report/status/{server['token']}?lang=en")
        reported = page.locator("main time").first.inner_text()
        assert plain(reported) == medium
        assert errors == []
    finally:
        resident.close()
