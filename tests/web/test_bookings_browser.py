"""The resident's booking pages in a real phone-sized browser, in English and Chinese: axe-core
finds nothing serious or critical, nothing is wider than the screen even at 200 % text, and a
resident books a free slot with scripts turned off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_offline_browser import AXE, _axe

from browser_site import chromium, served_site
from linli.residents.deps import RESIDENT_COOKIE

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("bookings"), HERE / "seed_bookings_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _context(browser: Any, base: str, cookie: str, **options: Any) -> Any:
    context = browser.new_context(**PHONE, **options)
    context.add_cookies([{"name": RESIDENT_COOKIE, "value": cookie, "url": base}])
    return context


def _fits(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["viewport"]["width"]  # type: ignore[index]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make assets)")
@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_resident_booking_pages_are_accessible_and_fit_a_phone(
    server: dict[str, Any], browser: Any, locale: str
) -> None:
    base = server["base"]
    pages = [
        "/my/bookings",
        "/my/bookings/facilities",
        f"/my/bookings/facilities/{server['facility_id']}?day={server['day']}",
    ]
    context = _context(browser, base, server["cookies"][locale])
    page = context.new_page()
    try:
        for path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            assert page.get_attribute("html", "lang") == locale.replace("_", "-")
            assert _axe(page, serious=True) == [], (locale, path)
            assert _fits(page), (locale, path)
            page.evaluate("document.documentElement.style.fontSize = '200%'")
            assert _fits(page), (locale, path, "at 200 % text")
        page.screenshot(path=f"/tmp/linli-my-bookings-{locale}.png", full_page=True)
    finally:
        context.close()


def test_a_resident_books_a_free_slot_with_scripts_off(
    server: dict[str, Any], browser: Any
) -> None:
    base = server["base"]
    context = _context(browser, base, server["cookies"]["en"], java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base}/my/bookings/facilities/{server['facility_id']}?day={server['day']}")
        assert "CN¥20.00" in page.inner_text("main")  # the fee, shown before booking
        free = page.locator('li.slot[data-free="yes"]').first
        free.locator("select[name='minutes']").select_option("60")
        free.locator("button[type='submit']").click()
        page.wait_for_url("**/my/bookings?done=booked")
        assert "Booked. See you there!" in page.inner_text("main")
        assert page.locator("#my-bookings li").count() == 2
    finally:
        context.close()
