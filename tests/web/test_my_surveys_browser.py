"""The resident's survey pages in a real browser, on a phone: signed in with a one-time code,
the form answered with JavaScript off's plain post, an invalid answer shown beside its
question, and axe-core finding nothing serious or critical on any of them, in two languages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_offline_browser import AXE, PHONE, _axe

from browser_site import chromium, served_site

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("surveys"), HERE / "seed_survey_site.py") as info:
        yield info


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make assets)")
def test_a_resident_answers_a_survey_on_a_phone(site: dict[str, Any]) -> None:
    """The walk runs with scripts off; axe-core (which needs scripts) checks each page the walk
    reached in a second, scripted page of the same resident."""
    base = site["base"]
    with chromium() as browser:
        plain = browser.new_context(**PHONE, java_script_enabled=False)
        scripted = browser.new_context(**PHONE)
        try:
            signed = plain.request.post(
                base + "/api/my/sign-in", data={"contact": site["contact"], "code": site["code"]}
            )
            assert signed.status == 200, signed.text()
            scripted.add_cookies(plain.cookies())  # the code is used once
            page, check = plain.new_page(), scripted.new_page()
            seen: list[str] = []
            for lang in ("en", "zh_Hans"):
                res = check.goto(f"{base}/my/surveys?lang={lang}")
                assert res is not None and res.status == 200
                seen += [f"/my/surveys {lang}: {v}" for v in _axe(check, serious=True)]
            page.goto(f"{base}/my/surveys?lang=en")
            page.click("#my-survey-list a")
            assert page.locator("h1").inner_text() == "Living in the estate"
            check.goto(page.url)
            seen += [f"form: {v}" for v in _axe(check, serious=True)]

            page.check("input[name=q1][value=bus]")
            page.fill("textarea[name=q4]", "More benches")
            page.click("#survey-form button[type=submit]")  # the cleanliness scale is missing
            assert page.locator("#error-3").is_visible()
            assert page.input_value("textarea[name=q4]") == "More benches"
            check.set_content(page.content())  # the refused answer, as the resident sees it
            seen += [f"refused: {v}" for v in _axe(check, serious=True)]

            page.check("input[name=q3][value='4']")
            page.check("input[name=q2][value=library]")
            page.click("#survey-form button[type=submit]")
            assert page.locator("#saved").is_visible()
            assert page.is_checked("input[name=q3][value='4']")
            check.goto(page.url)
            seen += [f"saved: {v}" for v in _axe(check, serious=True)]
            page.goto(f"{page.url.split('?')[0]}?lang=zh_Hans")
            assert page.locator("h1").inner_text() == "小区生活"
            check.goto(page.url)
            seen += [f"zh: {v}" for v in _axe(check, serious=True)]
            assert seen == [], "\n".join(seen)
        finally:
            plain.close()
            scripted.close()
