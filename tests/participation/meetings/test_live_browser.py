"""A meeting's live page in a real browser, phone-sized: a decision and a line of the minutes
added through the API while the page is open appear without a reload, as text; the public and
live pages have no serious or critical accessibility fault (axe-core)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser_site import chromium, served_site

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
AXE = HERE.parents[2] / "src/linli/web/frontend/node_modules/axe-core/axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WAIT_MS = 20000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("meeting"), HERE / "seed_meeting_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _api(site: dict[str, Any], method: str, path: str, body: dict[str, Any] | None) -> Any:
    headers = {"Authorization": f"Bearer {site['token']}"}
    res = httpx.request(method, site["base"] + path, json=body, headers=headers, timeout=30)
    assert res.status_code < 300, res.text
    return res.json()


def _serious(page: Any) -> list[str]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make assets)")
    page.evaluate(AXE.read_text() + "\n;undefined")
    found: list[str] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target).join(" "));
        }"""
    )
    return found


def test_a_decision_reaches_the_open_live_page_without_a_reload(
    site: dict[str, Any], browser: Any
) -> None:
    mid = site["meeting_id"]
    context = browser.new_context(**PHONE, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{site['base']}/meetings/{mid}/live")
        page.wait_for_selector("#live-connection:has-text('Receiving updates')", timeout=WAIT_MS)
        assert page.text_content("#current-item") == "1. Lift repairs"
        page.evaluate("window.__notReloaded = true")

        text = "Repair lift B before <b>New Year</b>"
        _api(site, "POST", f"/api/meetings/{mid}/decisions", {
            "text": text, "owner_unit_id": site["department_id"], "due_on": "2026-12-30",
        })  # fmt: skip
        decision = page.locator("#decisions-list li.decision").last
        decision.locator(".decision-text").wait_for(timeout=WAIT_MS)
        assert decision.locator(".decision-text").text_content() == text  # as text, not HTML
        assert decision.locator("b").count() == 0
        assert decision.locator(".owner").text_content() == "Sanitation"
        assert decision.locator(".state").text_content() == "Open"
        assert page.is_hidden("#decisions-empty")

        items = _api(site, "GET", f"/api/meetings/{mid}", None)["agenda"]
        _api(site, "PUT", f"/api/meetings/{mid}/current", {"agenda_item_id": items[1]["id"]})
        _api(site, "POST", f"/api/meetings/{mid}/minutes", {"text": "Market on 20 December."})
        _api(site, "POST", f"/api/meetings/{mid}/minutes",
             {"text": "Flat 12-345 owes fees", "public": False})  # fmt: skip
        _api(site, "POST", f"/api/meetings/{mid}/minutes", {"text": "Stalls for 30 vendors."})
        page.wait_for_selector(
            "#minutes-list li:has-text('Stalls for 30 vendors.')", timeout=WAIT_MS
        )
        lines = page.locator("#minutes-list li").all_text_contents()
        said = ("The chair opened the meeting.", "Market on 20 December.", "Stalls for 30 vendors.")
        assert len(lines) == 3 and all(
            line.endswith(s) for line, s in zip(lines, said, strict=True)
        )
        assert "12-345" not in page.content()  # the internal line never reaches the public page
        assert page.text_content("#current-item") == "2. Winter market"
        assert page.evaluate("window.__notReloaded") is True
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert _serious(page) == []
        page.screenshot(path="/tmp/linli-meeting-live.png", full_page=True)
        assert errors == []
    finally:
        context.close()


def test_the_public_meeting_page_is_accessible_in_every_language(
    site: dict[str, Any], browser: Any
) -> None:
    mid = site["meeting_id"]
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        for lang in ("en", "zh_Hans", "ms", "ta"):
            for path in (f"/meetings/{mid}", f"/meetings/{mid}/live"):
                res = page.goto(f"{site['base']}{path}?lang={lang}")
                assert res is not None and res.status == 200
                assert _serious(page) == [], (path, lang)
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_the_residents_meetings_page_registers_on_a_phone_and_is_accessible(
    site: dict[str, Any], browser: Any
) -> None:
    base = site["base"]
    context = browser.new_context(**PHONE)
    host = base.split("//", 1)[1].split(":", 1)[0]
    context.add_cookies(
        [{"name": "linli_resident", "value": site["resident_cookie"], "domain": host, "path": "/"}]
    )
    page = context.new_page()
    try:
        for lang in ("en", "zh_Hans", "ms", "ta"):
            res = page.goto(f"{base}/my/meetings?lang={lang}")
            assert res is not None and res.status == 200
            assert _serious(page) == [], lang
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.goto(f"{base}/my/meetings?lang=en")
        page.click("#my-meetings form[action$='/register'] button")
        page.wait_for_selector("#my-meetings [role=status]")
        assert page.text_content(".my-place") == "You have a place."
        assert _serious(page) == []
    finally:
        context.close()
