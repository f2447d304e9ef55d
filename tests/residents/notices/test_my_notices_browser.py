"""The resident's notices pages in Chromium on a phone: no serious or critical axe-core finding
in English and Chinese, and still no horizontal scroll with the text at 200 %."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_site import chromium, served_site
from linli.residents.deps import RESIDENT_COOKIE

HERE = Path(__file__).resolve().parent
AXE = HERE.parents[2] / "src/linli/web/frontend/node_modules/axe-core/axe.min.js"
WIDTH = 390
PHONE = {"viewport": {"width": WIDTH, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("notices"), HERE / "seed_notices_site.py") as info:
        yield info


def _serious(page: Any) -> list[str]:
    """Return axe-core's serious and critical findings on the page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
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


def test_the_notices_pages_are_accessible_on_a_phone_at_any_text_size(
    site: dict[str, Any],
) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make frontend)")
    base = site["base"]
    with chromium() as browser:
        context = browser.new_context(**PHONE)
        context.add_cookies([{"name": RESIDENT_COOKIE, "value": site["cookie"], "url": base}])
        page = context.new_page()
        try:
            page.goto(f"{base}/my/notices/{site['read']}?lang=en")
            for lang in ("en", "zh_Hans"):
                for path in ("/my/notices", f"/my/notices/{site['unread']}"):
                    page.goto(f"{base}{path}?lang={lang}")
                    assert page.locator("h1").count() == 1, path
                    assert _serious(page) == [], (lang, path)
                    page.evaluate("document.documentElement.style.fontSize = '200%'")
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= WIDTH, (lang, path, width)
            page.goto(f"{base}/my/notices?lang=en")
            unread = page.locator("#my-notices li.unread")
            assert unread.count() == 0  # both were opened above
        finally:
            context.close()
