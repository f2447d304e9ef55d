"""A verified resident votes in a participatory budget on a phone, in headless Chromium: the
running total follows their ticks, an over-budget ballot is refused, the receipt says it was
counted without saying what; axe-core finds nothing serious on the resident and public pages."""

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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("ballots"), HERE / "seed_ballot_site.py") as info:
        yield info


def serious(page: Any) -> list[str]:
    """Return axe-core's serious and critical findings on the page."""
    if not AXE.exists():
        return []
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


def test_a_verified_resident_votes_in_a_budget_on_a_phone(site: dict[str, Any]) -> None:
    base, vote_id = site["base"], site["vote_id"]
    with chromium() as browser:
        context = browser.new_context(**PHONE)
        page = context.new_page()
        signed = page.request.post(
            f"{base}/api/my/sign-in", data={"contact": site["email"], "code": site["code"]}
        )
        assert signed.status == 200, signed.text()

        page.goto(f"{base}/my/budgets")
        assert serious(page) == []
        page.click("text=Street 1 budget")
        page.wait_for_selector("#ballot-form")
        assert serious(page) == []
        page.check("text=Playground")
        page.check("text=Garden")
        # The script adds up as the boxes are ticked: 110 of 100.
        assert page.text_content("#total-value") == "110"
        assert page.is_visible("#over-budget")
        page.click("#cast")
        page.wait_for_selector("#ballot-error")
        assert "cost more than the budget" in (page.text_content("#ballot-error") or "")
        page.uncheck("text=Garden")
        page.check("text=Benches")
        assert page.text_content("#total-value") == "90"
        assert not page.is_visible("#over-budget")
        page.click("#cast")
        page.wait_for_selector("#receipt")
        receipt = page.text_content("#receipt") or ""
        assert "Your ballot was counted" in receipt
        assert "Playground" not in receipt and "Benches" not in receipt
        assert serious(page) == []
        # Nothing wider than the phone's screen, even at 200 % text.
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        context.close()

    # Nobody reads any tally while the vote is open.
    results = httpx.get(f"{base}/api/public/votes/{vote_id}/results", timeout=30)
    assert results.status_code == 404
