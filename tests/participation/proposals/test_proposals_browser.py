"""The proposals pages in a real browser: public pages on a phone at 200 % text with nothing
serious for axe-core, and staff answering and tracking with plain forms, JavaScript off."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_site import chromium, served_site

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "web"))
from test_offline_browser import AXE, _axe

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("proposals"), HERE / "seed_proposals_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _fits_at_double_text(page: Any) -> bool:
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    return bool(page.evaluate("document.documentElement.scrollWidth <= 375"))


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make assets)")
def test_public_pages_read_on_a_phone_in_every_language(
    server: dict[str, Any], browser: Any
) -> None:
    base = server["base"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        for lang in ("en", "zh_Hans", "ms", "ta"):
            for path in ("/proposals", f"/proposals/{server['accepted']}",
                         f"/proposals/{server['waiting']}"):  # fmt: skip
                res = page.goto(f"{base}{path}?lang={lang}")
                assert res is not None and res.status == 200, path
                assert _axe(page, serious=True) == [], (path, lang)
                assert _fits_at_double_text(page), (path, lang)
        page.goto(f"{base}/proposals/{server['accepted']}?lang=en")
        text = page.inner_text("main")
        assert "40 %" in text and "Bench installed" in text and server["case"] in text
        assert "Received" in text  # the linked case's public status, in plain words
        page.goto(f"{base}/proposals/{server['waiting']}?lang=zh_Hans")
        assert "等待答复" in page.inner_text("main") and "Mdm Tan" in page.inner_text("main")
    finally:
        context.close()


def test_staff_answer_and_track_with_javascript_off(server: dict[str, Any], browser: Any) -> None:
    base = server["base"]
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/community/proposals")
        assert "/login" in page.url
        page.fill('input[name="username"]', server["operator"])
        page.fill('input[name="password"]', server["password"])
        page.click('button[type="submit"]')
        page.goto(f"{base}/community/proposals")
        page.click(f"[data-ref='{server['waiting']}'] h2 a")
        page.check("#answer-form input[value='accepted']")
        page.fill("#answer-text", "A roof will be built this summer.")
        page.click("#answer-form button[type='submit']")
        page.wait_for_selector("#track")
        page.fill("#progress-percent", "25")
        page.fill("#progress-text", "Design approved")
        page.click("#progress-form button[type='submit']")
        page.wait_for_selector("#result-progress[value='25']")
        page.fill("#milestone-title", "Roof fitted")
        page.fill("#milestone-due", "2026-06-30")
        page.click("#milestone-form button[type='submit']")
        page.wait_for_selector("text=Roof fitted")
        page.goto(f"{base}/proposals/{server['waiting']}?lang=en")
        text = page.inner_text("main")
        assert "A roof will be built this summer." in text and "Design approved" in text
        assert "op1" not in page.content()
    finally:
        context.close()
