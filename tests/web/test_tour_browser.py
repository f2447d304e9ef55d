"""The README's five-minute tour, followed step by step as written, in a real browser.

The demo is set up as `make demo` does it (`linli db upgrade`, `linli demo load`, at a tenth of
the district's size) in a temporary SQLite file and served; the tour's named logins sign in with
the demo password. Where the tour has the simulator push a bin over 90 %, one device batch is
posted to `/api/ingest` with that bin's token. Every step is taken in English and in 简体中文
(set on /preferences, as step 6 says), on a desktop and on a phone; each step leaves a
screenshot under `$LINLI_TEST_ARTIFACTS/tour` (else pytest's temporary folder), and axe-core
finds nothing serious or critical on any page the tour shows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import sign_in

from browser_site import CHROMIUM, SRC, chromium, serving
from browser_wait import wait_until
from factories import tiny_png
from linli.twin.community_data import TEXTS
from linli.twin.names import staff_name

pytestmark = pytest.mark.browser
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

HERE = Path(__file__).resolve().parent
AXE = HERE.parents[1] / "src/linli/web/frontend/node_modules/axe-core/axe.min.js"
LINLI = Path(sys.executable).with_name("linli")
PASSWORD = "linli-demo"  # the README's
WAIT_MS = 15000
# Swagger UI parses a 1.8 MB bundle before it renders: seconds on a loaded machine.
DOCS_WAIT_MS = 30000
# The server fits the triage model at start: tens of seconds on two busy cores.
MODEL_WAIT_S = 240
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
LANGUAGES = ("en", "zh_Hans")
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans"}
DEPARTMENT_STAFF = {"en": "(Department staff", "zh_Hans": "（职能部门人员"}  # the role, as read
WORDS = {  # what a resident types, and a staff note, in each language
    "en": ("The rubbish bin by the bus stop is overflowing", "Bin emptied and area swept"),
    "zh_Hans": ("公交站旁边的垃圾桶满了，垃圾溢出来了", "垃圾桶已清空，周边已清扫"),
}


@dataclass
class Demo:
    base: str
    artifacts: Path
    tokens: dict[str, str]
    devices: list[dict[str, Any]]
    units: dict[str, dict[str, Any]]  # by code
    huangling_bins: list[dict[str, Any]]
    residents: list[str] = field(default_factory=list)  # the tour's residents' phones, per site
    languages: dict[str, str] = field(default_factory=dict)  # each login's current language

    def api(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", "Accept": "application/json"}
        res = httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        assert res.status_code < 300, f"{method} {path}: {res.status_code} {res.text}"
        return res.json() if res.content else None

    def ingest(self, device: dict[str, Any], metric: str, value: float) -> None:
        """Post one batch as the device would (what the simulator does each round)."""
        res = httpx.post(
            self.base + "/api/ingest",
            headers={"X-Device-Id": device["code"], "Authorization": f"Device {device['token']}"},
            json={"readings": [{"metric": metric, "value": value}]},
            timeout=30,
        )
        assert res.status_code == 200 and res.json()["accepted"] == 1, res.text

    def unit_name(self, code: str, lang: str) -> str:
        unit = self.units[code]
        return str(unit.get("name_zh") or unit["name"]) if lang == "zh_Hans" else str(unit["name"])


def _linli(env: dict[str, str], folder: Path, *args: str) -> str:
    done = subprocess.run(
        [str(LINLI), *args], env=env, cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"linli {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Set up the demo as scripts/demo.sh does (small), and serve it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make browser)")
    assert AXE.exists(), "axe-core is not installed (make assets)"
    folder = tmp_path_factory.mktemp("tour")
    given = os.environ.get("LINLI_TEST_ARTIFACTS")
    artifacts = Path(given) / "tour" if given else folder / "screenshots"
    artifacts.mkdir(parents=True, exist_ok=True)
    print(f"\ntour screenshots: {artifacts}")
    env = {
        **os.environ,
        # As `make demo` runs it: the residents' sign-in page shows the code (step 8).
        "LINLI_ENV": "development",
        "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'linli.db'}",
        "LINLI_TILE_URL": "",
        "PYTHONPATH": str(SRC),
    }
    devices_file = folder / "demo-devices.json"
    _linli(env, folder, "db", "upgrade")
    loaded = _linli(
        env, folder, "demo", "load", "--scale", "0.1", "--devices-file", str(devices_file)
    )
    # The server starts with a triage model: fitted while the sites loaded, not at its start.
    assert "triage model trained on" in loaded, loaded[-2000:]
    # Step 8: the logins list the residents' sign-ins; the tour signs in as "the tour's resident"
    # of each site.
    logins = _linli({**env, "COLUMNS": "200"}, folder, "demo", "logins")
    assert "the sign-in page shows the code" in logins
    phones = re.findall(r"│ (\+\d+) +│[^\n]*registry[^\n]*the tour's resident", logins)
    assert len(phones) == 2, logins
    # Step 10: "Tokens: `linli staff token baoan.admin`".
    tokens = {
        who: _linli(env, folder, "staff", "token", who).strip().splitlines()[-1]
        for who in ("baoan.admin", "sengkang.admin")
    }
    devices = json.loads(devices_file.read_text())
    with serving(folder, env) as base:
        demo = Demo(base, artifacts, tokens, devices, {}, [], phones)
        units = demo.api("baoan.admin", "GET", "/api/org/units", params={"limit": 200})["items"]
        units += demo.api("sengkang.admin", "GET", "/api/org/units", params={"limit": 200})["items"]
        demo.units = {u["code"]: u for u in units}
        huangling = next(u for u in units if u["name"] == "Huangling Community")
        bins = demo.api(
            "baoan.admin",
            "GET",
            "/api/devices",
            params={"type": "WasteContainer", "unit_id": huangling["id"], "limit": 50},
        )["items"]
        tokens_by_code = {d["code"]: d["token"] for d in devices}
        demo.huangling_bins = [{**b, "token": tokens_by_code[b["code"]]} for b in bins]
        assert demo.huangling_bins, "no bin in Huangling community"
        yield demo


@pytest.fixture(scope="module")
def browser(demo: Demo) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _axe(page: Any) -> list[str]:
    """Return the serious and critical axe-core violations of the page (injected through
    DevTools, which the CSP does not govern)."""
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


class Tour:
    """One run of the tour: a language, a window size, a browser context per login."""

    def __init__(self, demo: Demo, browser: Any, lang: str, size: str) -> None:
        self.demo, self.browser, self.lang, self.size = demo, browser, lang, size
        self.base = demo.base
        self.folder = demo.artifacts / f"{lang}-{size}"
        self.folder.mkdir(exist_ok=True)
        self.contexts: list[Any] = []
        self.errors: list[str] = []
        self.problems: list[str] = []  # too wide for the phone, or axe-core's findings
        self.photo = self.folder / "photo.png"
        self.photo.write_bytes(tiny_png())

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def page(self, **options: Any) -> Any:
        context = self.browser.new_context(**SIZES[self.size], **options)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        return page

    def login(self, who: str, path: str = "/") -> Any:
        """Sign in as `who` in a browser of its own, in the tour's language; open `path`."""
        page = self.page()
        if self.demo.languages.get(who, "") != self.lang:
            sign_in(page, self.base, who, PASSWORD, "/preferences")
            page.select_option("#preferences-form select[name='language']", self.lang)
            page.click("#preferences-form button[type='submit']:not(#push-subscribe)")
            page.wait_for_selector("#preferences-saved")
            self.demo.languages[who] = self.lang
            if path != "/preferences":
                page.goto(self.base + path)
        else:
            sign_in(page, self.base, who, PASSWORD, path)
        self.check(page)
        return page

    def check(self, page: Any) -> None:
        """The page speaks the tour's language, fits the window and is accessible."""
        assert page.get_attribute("html", "lang") == HTML_LANG[self.lang], page.url
        where = page.url.removeprefix(self.base)
        if self.size == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["viewport"]["width"]:
                self.problems.append(f"{where}: {width} px wide")
        self.problems.extend(f"{where}: {found}" for found in _axe(page))

    def shot(self, page: Any, name: str, *, whole: bool = False) -> None:
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=whole)

    def visit(self, page: Any, path: str) -> None:
        res = page.goto(self.base + path)
        assert res is not None and res.status == 200, (path, res and res.status)
        self.check(page)

    def wait_events(self, page: Any, n: int) -> None:
        wait_until(page, "n => document.querySelectorAll('#timeline > li').length >= n", n)

    def act(self, page: Any, action: str, button: str = "button", case_id: str = "") -> None:
        """Take a case action from its form (of case `case_id` where a page lists several, as
        the workbench does); the page re-renders without it."""
        form = f'form[data-action="{action}"]' + (f'[data-case-id="{case_id}"]' if case_id else "")
        page.click(f"{form} {button}")
        page.wait_for_selector(form, state="detached")


def _variant(lang: str, size: str) -> int:
    return LANGUAGES.index(lang) * len(SIZES) + list(SIZES).index(size)


# Both languages and both sizes, each once: every variant walks the whole tour for minutes.
@pytest.mark.parametrize(("lang", "size"), [("en", "desktop"), ("zh_Hans", "phone")])
def test_the_readme_tour(demo: Demo, browser: Any, lang: str, size: str) -> None:
    tour = Tour(demo, browser, lang, size)
    try:
        bin_ = demo.huangling_bins[_variant(lang, size) % len(demo.huangling_bins)]
        case_path = _step_1_command_centre(tour, bin_)
        _step_2_community_registers_and_dispatches(tour, case_path)
        _step_3_department_handles(tour, case_path)
        _step_4_inspector_verifies_and_closes(tour, case_path)
        demo.ingest(bin_, "fill_pct", 5.0)  # emptied: its alarm clears
        _step_5_sengkang(tour, _variant(lang, size))
        _step_6_operator_pages(tour)
        _step_7_resident(tour, _variant(lang, size))
        _step_8_residents_side(tour, _variant(lang, size) % 2)
        _step_9_community_staff(tour)
        _step_10_api(tour)
        print(f"{lang}-{size}: screenshots in {tour.folder}")
        assert tour.errors == []
        assert tour.problems == [], "\n".join(tour.problems)
    finally:
        tour.close()


def _alarm_case(tour: Tour, page: Any, device: dict[str, Any], metric: str, value: float) -> str:
    """Push the device over its threshold; the alarm and its case arrive live; return the
    case's path."""
    page.wait_for_selector('#live-status[data-state="open"]')
    page.evaluate("window.__sameDocument = true")
    tour.demo.ingest(device, metric, value)
    alarm = page.wait_for_selector(f'#alarm-list li.alarm-row:has-text("{device["code"]}")')
    link = alarm.wait_for_selector("a.row-link")
    case_path = str(link.get_attribute("href"))
    case_id = case_path.rsplit("/", 1)[-1]
    page.wait_for_selector(f'#case-list li[data-id="case-{case_id}"]')
    assert page.evaluate("window.__sameDocument") is True  # live, no reload
    return case_path


def _step_1_command_centre(tour: Tour, bin_: dict[str, Any]) -> str:
    page = tour.login("baoan.operator")
    page.wait_for_selector("#map path.leaflet-interactive")  # the org units
    case_path = _alarm_case(tour, page, bin_, "fill_pct", 96.0)
    assert page.locator("#map path.marker-alarm").count() >= 1
    # The case arrives titled in the tour's language, where it is named as people know it.
    headline = {"en": "Bin 96 % full — ", "zh_Hans": "垃圾桶满溢 96 % — "}[tour.lang]
    row = page.inner_text(f'#case-list a.row-title[href="{case_path}"]')
    _, title = row.split(" ", 1)  # after the case's reference
    assert title.startswith(headline) and "WasteContainer" not in title, row
    assert tour.lang != "zh_Hans" or not re.search("[A-Za-z]", title), row
    tour.check(page)
    tour.shot(page, "1-command-centre", whole=tour.size == "phone")
    page.click(f'#case-list a.row-title[href="{case_path}"]')
    page.wait_for_url(tour.base + case_path)
    assert page.inner_text("h1") == title
    # Step 2's start: the timeline starts with the alarm's report.
    assert page.locator("#timeline > li").count() == 1
    tour.check(page)
    tour.shot(page, "2-case-reported")
    page.context.close()
    return case_path


def _step_2_community_registers_and_dispatches(tour: Tour, case_path: str) -> None:
    page = tour.login("baoan.local-operator", case_path)
    tour.act(page, "register")
    tour.act(page, "dispatch")
    tour.wait_events(page, 3)
    # The routing table sends an overflowing bin to Urban Management.
    assert tour.demo.unit_name("BA-D-UM", tour.lang) in page.inner_text(".facts")
    tour.check(page)
    tour.shot(page, "2-registered-dispatched")
    page.context.close()


def _work_card(tour: Tour, who: str, case_path: str, page: Any = None) -> tuple[Any, str]:
    if page is None:
        page = tour.login(who, "/workbench")
    else:
        tour.visit(page, "/workbench")
    case_id = case_path.rsplit("/", 1)[-1]
    card = f'.work-card[data-case-id="{case_id}"]'
    page.wait_for_selector(card)
    tour.act(page, "accept", case_id=case_id)
    tour.act(page, "start", case_id=case_id)
    page.wait_for_selector(f'{card} form[data-action="handle"]')
    return page, card


def _handle(tour: Tour, page: Any, card: str, name: str) -> None:
    form = f'{card} form[data-action="handle"]'
    page.fill(f"{form} textarea[name='note']", WORDS[tour.lang][1])
    page.set_input_files(f"{form} input[type='file']", str(tour.photo))
    tour.check(page)
    tour.shot(page, name)
    page.click(f"{form} button[type='submit']")
    page.wait_for_selector(card, state="detached")


def _step_3_department_handles(tour: Tour, case_path: str) -> None:
    # The case sent to Urban Management is a card in its staff's inbox that opens the case
    # (the case-notification worker tells them; a card made after the page loaded comes live).
    page = tour.login("baoan.dept", "/inbox")
    link = f'#inbox-list li.notification h2 a[href="{case_path}"]'
    page.wait_for_selector(link)
    tour.shot(page, "3-inbox")
    page.click(link)
    page.wait_for_url(tour.base + case_path)
    tour.check(page)
    page, card = _work_card(tour, "baoan.dept", case_path, page)
    _handle(tour, page, card, "3-workbench-handle")
    page.context.close()


def _close(tour: Tour, who: str, case_path: str, *, photo: bool) -> Any:
    page = tour.login(who, case_path)
    assert page.locator('form[data-action="handle"]').count() == 0  # verifies, does not handle
    tour.act(page, "verify", "button[value='pass']")
    form = 'form[data-action="close"]'
    assert page.get_attribute(f"{form} input[type='file']", "required") is None
    if photo:
        page.set_input_files(f"{form} input[type='file']", str(tour.photo))
    page.fill(f"{form} textarea[name='note']", WORDS[tour.lang][1])
    assert page.input_value(f"{form} textarea[name='note']") == WORDS[tour.lang][1]
    tour.act(page, "close")
    return page


def _step_4_inspector_verifies_and_closes(tour: Tour, case_path: str) -> None:
    page = _close(tour, "baoan.inspector", case_path, photo=False)
    # report, register, dispatch, accept, start, handle, verify, close: actor, time, note.
    tour.wait_events(page, 8)
    timeline = page.inner_text("#timeline")
    assert timeline.count(WORDS[tour.lang][1]) == 2  # the handler's and the closer's notes
    # Each step is signed with the person's name and role, in the page's language; no login.
    assert f"{staff_name('baoan.dept', 'grid')} {DEPARTMENT_STAFF[tour.lang]}" in timeline
    assert "baoan." not in timeline
    page.wait_for_selector("#timeline .thumbs img")  # the handler's photo
    tour.check(page)
    tour.shot(page, "4-closed")
    page.context.close()


def _step_5_sengkang(tour: Tour, variant: int) -> None:
    bins = [
        d for d in tour.demo.devices if d["site"] == "sengkang" and d["type"] == "WasteContainer"
    ]
    page = tour.login("sengkang.operator")
    case_path = _alarm_case(tour, page, bins[variant], "fill_pct", 97.0)
    tour.shot(page, "5-sengkang-command-centre", whole=tour.size == "phone")
    tour.visit(page, case_path)
    # Registered and dispatched at once, to the Town Council's conservancy.
    tour.wait_events(page, 3)
    assert page.locator('form[data-action="register"]').count() == 0
    assert tour.demo.unit_name("SK-D-TCC", tour.lang) in page.inner_text(".facts")
    tour.shot(page, "5-sengkang-case")
    page.context.close()
    page, card = _work_card(tour, "sengkang.dept", case_path)
    form = f'{card} form[data-action="handle"]'
    assert page.is_visible(f"{card} .photo-needed")  # the form asks for the photo up front
    assert page.get_attribute(f"{form} input[type='file']", "required") is not None
    _handle(tour, page, card, "5-sengkang-handle")
    page.context.close()
    page = _close(tour, "sengkang.inspector", case_path, photo=True)
    tour.wait_events(page, 8)
    # The handler's and the closer's photos (thumbnails come in after their timeline entries).
    page.wait_for_function("document.querySelectorAll('#timeline .thumbs img').length >= 2")
    tour.check(page)
    tour.shot(page, "5-sengkang-closed")
    tour.demo.ingest(bins[variant], "fill_pct", 5.0)
    page.context.close()


OPERATOR_PAGES = ("/triage", "/dispatch", "/supervision", "/figures", "/incidents", "/devices",
                  "/rules", "/preferences")  # fmt: skip


def _step_6_operator_pages(tour: Tour) -> None:
    page = tour.login("baoan.operator", "/intake")
    page.fill("#intake-text", WORDS[tour.lang][0])
    _suggested(page)
    tour.check(page)
    tour.shot(page, "6-intake")
    page.click("#suggestions [data-pick-category]")
    assert page.input_value("#intake-category").startswith("sanitation.")
    spot = tour.demo.huangling_bins[0]
    page.fill("#intake-lon", str(spot["lon"]))
    page.fill("#intake-lat", str(spot["lat"]))
    page.click("#intake-form button[type='submit']")
    page.wait_for_url(f"{tour.base}/cases/*")
    tour.check(page)
    tour.shot(page, "6-intake-filed")
    for path in OPERATOR_PAGES:
        tour.visit(page, path)
        assert page.is_visible("h1"), path
        tour.shot(page, "6-" + path.strip("/"))
    assert page.input_value("#preferences-form select[name='language']") == tour.lang
    page.context.close()


def _suggested(page: Any) -> None:
    """Wait for triage's live suggestions. The server trains its model when it starts (as
    `make demo`'s does, tens of seconds): until then the page says to choose by hand, and
    the text box asks again on `linli:refresh`."""
    deadline = time.monotonic() + MODEL_WAIT_S
    while True:
        try:
            page.wait_for_selector("#suggestions [data-pick-category]", timeout=3000)
            return
        except PlaywrightTimeout:
            assert time.monotonic() < deadline, "no triage suggestion: was the model trained?"
            page.dispatch_event("#intake-text", "linli:refresh")


def _step_7_resident(tour: Tour, variant: int) -> None:
    """The resident's page (the README shows it on a phone; it is checked at both sizes): two
    neighbours report the same bin, the second joins the first's case and confirms the fix."""
    bins = [
        d for d in tour.demo.devices if d["site"] == "sengkang" and d["type"] == "WasteContainer"
    ]
    spot = bins[-1 - variant]
    where = {"longitude": spot["lon"], "latitude": spot["lat"]}
    text = WORDS[tour.lang][0]
    # A first neighbour reports it, with a photo and the phone's location.
    first = tour.page(geolocation=where, permissions=["geolocation"])
    first.goto(f"{tour.base}/report?lang={tour.lang}")
    tour.check(first)
    first.fill("#report-form textarea[name='text']", text)
    first.select_option("#category-select", "sanitation.bin_overflow")
    first.set_input_files("#report-form input[name='photo']", str(tour.photo))
    first.click("#locate-me")
    wait_until(first, "() => document.getElementById('report-lat').value !== ''")
    tour.shot(first, "7-report")
    first.click("#report-form button[type='submit']")
    first.wait_for_url(f"{tour.base}/report/status/*")
    ref = first.inner_text(".ref")
    tour.check(first)
    # A second one nearby joins it ("me too") and follows it by its link.
    second = tour.page(geolocation=where, permissions=["geolocation"])
    second.goto(f"{tour.base}/report?lang={tour.lang}")
    second.fill("#report-form textarea[name='text']", text)
    second.click("#locate-me")
    wait_until(second, "() => document.getElementById('report-lat').value !== ''")
    second.click("#report-form button[type='submit']")
    join = second.wait_for_selector(f'#similar-list button.me-too[data-ref="{ref}"]')
    kind = second.inner_text("#category-select option[value='sanitation.bin_overflow']")
    assert kind.strip() in second.inner_text("#similar-list")  # in the page's language
    tour.check(second)
    tour.shot(second, "7-me-too")
    join.click()
    second.wait_for_url(f"{tour.base}/report/status/*")
    link = second.url
    assert second.inner_text(".ref") == ref
    # The town's staff do the work (through the API: steps 2–5 showed the pages).
    _work_done(tour, ref)
    follow = tour.page()
    follow.goto(link)
    tour.check(follow)
    follow.click("#confirm-fix form button.primary")
    follow.wait_for_selector("#confirm-fix form button.primary", state="detached")
    follow.click("#rate button[type='submit']")
    follow.wait_for_selector(".rated")
    tour.check(follow)
    tour.shot(follow, "7-confirmed-rated")


def _step_8_residents_side(tour: Tour, site: int) -> None:
    """A listed resident signs in with the code the development install shows, reads the
    notices, books the hall, supports a proposal, votes in the budget, answers the survey
    (the tour's resident of Huangling, then of Anchorvale: each takes the steps twice)."""
    phone = tour.demo.residents[site]
    proposal = TEXTS[("grid", "town")[site]].proposals[0][0]  # the one not answered yet
    page = tour.page()
    page.goto(f"{tour.base}/my/sign-in?lang={tour.lang}")
    tour.check(page)
    page.fill("#contact-form input[name='contact']", phone)
    page.click("#contact-form button[type='submit']")
    code = page.inner_text("#development-code")
    page.fill("#code-form input[name='code']", re.findall(r"\d{6}", code)[-1])
    page.click("#code-form button[type='submit']")
    page.wait_for_url(re.compile(r".*/my(\?.*)?$"))
    page.goto(f"{tour.base}/my/preferences")
    page.select_option("form[action='/my/preferences'] select[name='language']", tour.lang)
    page.click("form[action='/my/preferences'] button[type='submit']")
    page.wait_for_load_state()
    tour.visit(page, "/my")
    tour.shot(page, "8-my")

    tour.visit(page, "/my/notices")
    assert page.locator("#my-notices-main a[href^='/my/notices/']").count() >= 1
    tour.shot(page, "8-notices")

    tour.visit(page, "/my/bookings/facilities")
    hall = page.locator("#facility-list li").filter(has_text=re.compile("Hall|活动室"))
    hall.locator("a").first.click()
    page.locator("a[href^='?day=']").last.click()  # the next day
    tour.check(page)
    free = page.locator('li.slot[data-free="yes"]').first
    free.locator("button[type='submit']").click()
    page.wait_for_url("**/my/bookings?done=booked")
    tour.check(page)
    tour.shot(page, "8-booked")

    page.goto(f"{tour.base}/proposals?lang={tour.lang}")
    tour.check(page)
    page.click(f"#proposal-list a:text-is('{proposal}')")
    page.click("#take-part")
    tour.check(page)
    if page.locator("#support-form").count():
        supporters = page.inner_text("#supports")
        page.click("#support-form button[type='submit']")
        page.wait_for_selector("#unsupport-form")
        assert page.inner_text("#supports") != supporters
    tour.shot(page, "8-supported")

    tour.visit(page, "/my/budgets")
    page.click("#open-votes a")
    tour.check(page)
    if page.locator("#ballot-form").count():
        costs = page.eval_on_selector_all(
            "#ballot-form input[name='option']", "els => els.map(e => +e.dataset.cost)"
        )
        page.locator("#ballot-form input[name='option']").nth(costs.index(min(costs))).check()
        page.click("#cast")
    page.wait_for_selector("#receipt")
    tour.check(page)
    tour.shot(page, "8-ballot-counted")

    tour.visit(page, "/my/surveys")
    page.click("#my-survey-list a")
    tour.check(page)
    for question in page.locator("#survey-form fieldset[data-kind='scale']").all():
        question.locator("input[value='4']").check()
    page.click("#survey-form button[type='submit']")
    page.wait_for_selector("#saved")
    tour.check(page)
    tour.shot(page, "8-survey-answered")
    page.context.close()


COMMUNITY_PAGES = (
    "/community/residents",
    "/community/notices",
    "/community/bookings",
    "/community/proposals",
    "/community/votes",
    "/community/surveys",
)


def _step_9_community_staff(tour: Tour) -> None:
    """The community's staff see the residents' side: accounts, notices and their calls,
    bookings, proposals, votes and the survey."""
    page = tour.login("baoan.local-operator", "/community/notices")
    for path in COMMUNITY_PAGES:
        tour.visit(page, path)
        assert page.is_visible("h1"), path
        assert page.locator("main li, main tbody tr").count() > 0, f"{path} lists nothing"
        tour.shot(page, "9-" + path.strip("/").replace("/", "-"))
    page.context.close()


def _work_done(tour: Tour, ref: str) -> None:
    demo, admin = tour.demo, "sengkang.admin"
    cases = demo.api(admin, "GET", "/api/cases", params={"limit": 20})["items"]
    case_id = next(c["id"] for c in cases if c["ref"] == ref)
    status = demo.api(admin, "GET", f"/api/cases/{case_id}")["status"]
    if status == "reported":
        demo.api(admin, "POST", f"/api/cases/{case_id}/register")
        status = "registered"
    if status == "registered":
        demo.api(admin, "POST", f"/api/cases/{case_id}/dispatch")
    demo.api(admin, "POST", f"/api/cases/{case_id}/accept")
    demo.api(admin, "POST", f"/api/cases/{case_id}/start")
    photo = demo.api(
        admin,
        "POST",
        f"/api/cases/{case_id}/attachments",
        files={"file": ("done.png", tiny_png(), "image/png")},
    )
    demo.api(
        admin,
        "POST",
        f"/api/cases/{case_id}/handle",
        json={"note": WORDS[tour.lang][1], "evidence": [photo["id"]]},
    )


def _step_10_api(tour: Tour) -> None:
    cases = tour.demo.api("baoan.admin", "GET", "/api/cases", params={"limit": 1})
    assert cases["items"], "the token reads the API"
    if tour.size != "desktop":
        return  # Swagger UI takes seconds to render: once per language is enough
    page = tour.page()
    page.goto(tour.base + "/api/docs")
    page.wait_for_selector(".opblock", timeout=DOCS_WAIT_MS)
    tour.shot(page, "8-api-docs")
