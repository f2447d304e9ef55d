"""The incident page in a real browser: the task board, and the area drawn on two maps.

A real server (uvicorn on a seeded SQLite file) and Debian's Chromium driven by Playwright,
with no tile server, as offline installs run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_site import CHROMIUM, CHROMIUM_ARGS, served_site

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
WAIT_MS = 5000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a fresh SQLite file and serve it with uvicorn in a subprocess."""
    with served_site(
        tmp_path_factory.mktemp("incident-browser"), HERE / "seed_incident_site.py"
    ) as info:
        yield info


def test_the_incident_page_shows_the_task_board_and_the_area(server: dict[str, Any]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, path = server["base"], f"/incidents/{server['incident']}"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.goto(f"{base}{path}")
            page.fill('input[name="username"]', server["operator"])
            page.fill('input[name="password"]', server["password"])
            page.click('button[type="submit"]')
            page.wait_for_url(f"{base}{path}")

            card = page.wait_for_selector(
                '#task-board .task-column[data-status="open"] .task-card', timeout=WAIT_MS
            )
            assert "Lay sandbags on the river wall" in card.inner_text()
            page.wait_for_selector("#incident-map path.incident-area", timeout=WAIT_MS)
            page.wait_for_selector("#incident-map path.marker-case", timeout=WAIT_MS)
            assert page.locator(".leaflet-tile").count() == 0
            assert "Water in the car park" in page.inner_text("#linked-cases")

            # Mark the task done from the board: the page posts to the API and reloads.
            page.fill('#task-board form input[name="note"]', "300 bags laid")
            page.click('#task-board form button[type="submit"]:not([name])')
            done = page.wait_for_selector(
                '#task-board .task-column[data-status="done"] .task-card', timeout=WAIT_MS
            )
            assert "300 bags laid" in done.inner_text()
            page.screenshot(path="/tmp/linli-incident.png", full_page=True)

            # The command centre draws the active incident's area over its own map.
            page.goto(f"{base}/")
            page.wait_for_selector("#map path.incident-area", timeout=WAIT_MS)
            assert errors == []
        finally:
            browser.close()
