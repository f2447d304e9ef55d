"""The resident portal in headless Chromium on a phone: a resident signs up with the code the
file gateway received, gives their home, reports a problem, follows it and rates the fix — once
in English and once in 简体中文 — with axe-core finding nothing serious on any page, and every
page usable at 200 % text size without scrolling sideways."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_offline_browser import AXE, _axe

from browser_site import chromium, served_site

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WORDS = {
    "en": {
        "send": "Send me a code",
        "sign_in": "Sign in",
        "save_home": "Save my home",
        "report": "Send report",
        "received": "We received your report",
        "fixed": "Yes, it is fixed",
        "rate": "Send rating",
        "text": "Loud music from the flat above every night",
    },
    "zh_Hans": {
        "send": "给我发送验证码",
        "sign_in": "登录",
        "save_home": "保存住址",
        "report": "提交报告",
        "received": "我们已收到您的报告",
        "fixed": "是的，已经解决",
        "rate": "提交评价",
        "text": "楼上每天晚上音乐声很大",
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("portal"), HERE / "seed_portal_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _last_code(folder: Path, to: str) -> str:
    lines = (folder / "var" / "notifications" / "sms.jsonl").read_text().splitlines()
    mine = [json.loads(x) for x in lines if json.loads(x)["to"] == to]
    found = re.search(r"\b(\d{6})\b", mine[-1]["body"])
    assert found, mine[-1]
    return found.group(1)


class Checks:
    """Every page the resident sees: axe-core's serious findings, and 200 % text size."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def look(self) -> None:
        page = self.page
        path = page.url.split("?")[0].split("//", 1)[1].split("/", 1)[1]
        self.seen.add(re.sub(r"[0-9a-f-]{36}", "{id}", "/" + path))
        if AXE.exists():
            self.problems += [f"{page.url}: {v}" for v in _axe(page, serious=True)]
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > 390:
            self.problems.append(f"{page.url}: {wide}px wide at 200 % text")
        page.evaluate("document.documentElement.style.fontSize = ''")


def _staff(base: str, token: str, method: str, path: str, **kw: Any) -> Any:
    resp = httpx.request(
        method, base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30, **kw
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize(("language", "phone"), [("en", "+6590000001"), ("zh_Hans", "+6590000002")])
def test_a_resident_signs_up_reports_follows_and_rates_the_fix(
    server: dict[str, Any], browser: Any, language: str, phone: str
) -> None:
    base, words = server["base"], WORDS[language]
    context = browser.new_context(**PHONE, locale="zh-CN" if language == "zh_Hans" else "en-GB")
    page = context.new_page()
    checks = Checks(page)
    try:
        page.goto(base + "/my/reports")
        assert "/my/sign-in" in page.url
        checks.look()
        page.fill("input[name='contact']", phone)
        page.click(f"button:has-text('{words['send']}')")
        page.wait_for_selector("input[name='code']")
        checks.look()
        page.fill("input[name='code']", _last_code(server["folder"], phone))
        page.fill("input[name='name']", "Lim Mei" if language == "en" else "林美")
        page.select_option("select[name='language']", language)
        page.click("#code-form button[type='submit']")
        page.wait_for_url(re.compile(r".*/my/reports$"))
        assert page.get_attribute("html", "lang") == ("zh-Hans" if language == "zh_Hans" else "en")
        checks.look()

        page.goto(base + "/my")
        checks.look()
        page.goto(base + "/my/household")
        checks.look()
        page.fill("form[action='/my/household/home'] input[name='block']", "BLK-7")
        page.fill("form[action='/my/household/home'] input[name='unit']", "05-123")
        page.click(f"button:has-text('{words['save_home']}')")
        page.wait_for_url(re.compile(r".*/my/household\?done=home"))
        page.goto(base + "/my/preferences")
        checks.look()

        page.goto(base + "/my/reports/new")
        checks.look()
        page.fill("textarea[name='text']", words["text"])
        page.select_option("select[name='category_code']", "public.order.noise")
        page.click("#portal-report-form button[type='submit']")
        page.wait_for_url(re.compile(r".*/my/reports/[0-9a-f-]{36}$"))
        assert words["received"] in page.inner_text("#journey")
        checks.look()
        report_url = page.url
        ref = page.inner_text("h1 .ref")

        # Staff handle it through the API, as the workbench would.
        operator, worker = server["operator"], server["worker"]
        found = _staff(base, operator, "GET", "/api/cases", params={"q": ref})
        cid = found["items"][0]["id"]
        for action, token, body in (
            ("register", operator, None),
            ("dispatch", operator, None),
            ("accept", worker, None),
            ("start", worker, None),
            ("handle", worker, {"note": "spoke to the neighbours"}),
        ):
            _staff(base, token, "POST", f"/api/cases/{cid}/{action}", json=body)

        page.goto(report_url)
        page.click(f"button:has-text('{words['fixed']}')")
        page.wait_for_url(re.compile(r".*done=confirmed"))
        checks.look()
        page.check("input[name='score'][value='4']")
        page.click(f"button:has-text('{words['rate']}')")
        page.wait_for_url(re.compile(r".*done=rated"))
        assert "★★★★☆" in page.inner_text(".rated")
        checks.look()
        page.goto(base + "/my/reports")
        assert ref in page.inner_text("main")
        checks.look()
    finally:
        context.close()
    assert checks.problems == [], "\n".join(checks.problems)
    assert {"/my", "/my/sign-in", "/my/household", "/my/reports", "/my/reports/new"} <= checks.seen
