"""The incident page in a real browser: the task board, and the area drawn on two maps.

A real server (uvicorn on a seeded SQLite file) and Debian's Chromium driven by Playwright,
with no tile server, as offline installs run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
HERE = Path(__file__).resolve().parent
WAIT_MS = 5000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a fresh SQLite file and serve it with uvicorn in a subprocess."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make browser)")
    folder = tmp_path_factory.mktemp("incident-browser")
    db_file = folder / "linli.db"
    env = {**os.environ, "LINLI_ENV": "test", "LINLI_TILE_URL": "",
           "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{db_file}"}  # fmt: skip
    seeded = subprocess.run(
        [sys.executable, str(HERE / "seed_incident_site.py"), str(db_file)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    info: dict[str, Any] = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "linli.web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:  # wait until the server answers (readiness, not a timed assertion)
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server did not start: {(folder / 'server.log').read_text()}")
        time.sleep(0.1)
    info["base"] = base
    try:
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
