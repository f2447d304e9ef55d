"""A Sengkang (town profile) case from handle to close in a real browser, as the demo's roles.

The Town Council's conservancy handles a bin case a sensor opened on a phone: the handle form
asks for the photo of the work up front and will not go without it. The inspector, who closes
but does not handle, verifies the work and closes the case with a photo of their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import WAIT_MS, sign_in

from browser_site import chromium, served_site
from factories import tiny_png

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a small Sengkang town in a fresh SQLite file and serve it."""
    with served_site(tmp_path_factory.mktemp("sengkang"), HERE / "seed_sengkang_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def stored_status(server: dict[str, Any]) -> str:
    with sqlite3.connect(server["db_file"]) as conn:
        (status,) = conn.execute(
            "SELECT status FROM case_record WHERE replace(id, '-', '') = ?",
            (server["case_id"].replace("-", ""),),
        ).fetchone()
    return str(status)


def test_a_sengkang_case_goes_from_handle_with_a_photo_to_close(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    base, case_path = server["base"], f"/cases/{server['case_id']}"
    assert server["status"] == "dispatched"  # the town routes a sensor's case at once
    photo = tmp_path / "emptied.png"
    photo.write_bytes(tiny_png())
    errors: list[str] = []

    phone = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        sign_in(page, base, server["handler"], server["password"], "/workbench")
        card = page.wait_for_selector(".work-card", timeout=WAIT_MS)
        assert "Bin fill level 96%" in card.inner_text()
        page.click('form[data-action="accept"] button')
        page.wait_for_selector('form[data-action="start"]', timeout=WAIT_MS)
        page.click('form[data-action="start"] button')
        form = 'form[data-action="handle"]'
        page.wait_for_selector(form, timeout=WAIT_MS)
        # Asked up front, before anything is sent.
        assert page.inner_text(f"{form} .photo-needed") == "A photo of the work is needed."
        page.fill(f"{form} textarea[name=note]", "Bin emptied, area washed")
        page.click(f"{form} button[type=submit]")
        assert page.evaluate(
            "sel => document.querySelector(sel).validity.valueMissing",
            f"{form} input[type=file]",
        )
        assert stored_status(server) == "in_progress"

        page.set_input_files(f"{form} input[type=file]", str(photo))
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("text=Nothing to do right now", timeout=WAIT_MS)
        page.goto(f"{base}{case_path}")
        assert page.inner_text(".case-status") == "Handled"
        assert page.locator("#timeline .thumbs img").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        sign_in(page, base, server["inspector"], server["password"], case_path)
        verify = 'form[data-action="verify"]'
        page.wait_for_selector(f"{verify} input[type=file]", timeout=WAIT_MS)
        page.click(f'{verify} button[value="pass"]')
        close = 'form[data-action="close"]'
        page.wait_for_selector(close, timeout=WAIT_MS)
        # The handler's photo is on the case: closing does not insist, but takes the inspector's.
        assert page.locator(f"{close} .photo-needed").count() == 0
        page.fill(f"{close} textarea[name=note]", "Checked on site")
        page.set_input_files(f"{close} input[type=file]", str(photo))
        page.click(f"{close} button[type=submit]")
        page.wait_for_selector(".case-status:text('Closed')", timeout=WAIT_MS)
        assert page.locator(close).count() == 0
        closing = page.locator('#timeline li[data-action="close"]')
        assert "Checked on site" in closing.inner_text()
        assert closing.locator(".thumbs img").count() == 1  # the inspector's proof
        assert page.locator("#timeline .thumbs img").count() == 2
        page.screenshot(path="/tmp/linli-town-close.png", full_page=True)
    finally:
        desk.close()
    assert stored_status(server) == "closed"
    assert errors == []
