"""Nothing loads from outside the server, in a real browser: every staff page and resident page,
visited as staff of both demo profiles (Bao'an `grid`, Sengkang `town`) on a desktop and on a
phone, in English and in Chinese, asks only the server itself for anything, breaks no
Content-Security-Policy and has nothing serious or critical for axe-core; the API docs render
every operation offline; the error pages and the phone menu are accessible.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from test_browser import sign_in

from browser_site import chromium, served_site
from linli.residents.deps import RESIDENT
from linli.web.app import create_app, iter_routes, route_rules

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
AXE = HERE.parents[1] / "src/linli/web/frontend/node_modules/axe-core/axe.min.js"
WAIT_MS = 10000
# Swagger UI parses a 1.8 MB bundle before it renders: seconds on a loaded machine.
DOCS_WAIT_MS = 30000
# HTMX fragments of other pages, not pages of their own.
FRAGMENTS = frozenset({"/intake/suggest", "/intake/buildings", "/dispatch/people"})
RESIDENT_PAGES = (
    "/report",
    "/report/status/{token}",
    "/proposals",
    "/proposals/{ref}",
    "/votes/{vote_id}/results",
    "/meetings/{meeting_id}",
    "/meetings/{meeting_id}/live",
)
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def staff_pages() -> list[str]:
    """Return the path templates of every staff page (GET, with a page rule that is not the
    residents': their pages are checked apart, e.g. `test_bookings_browser`)."""
    paths = {
        route.path
        for route in iter_routes(create_app())
        if "GET" in (route.methods or ())
        and any(rule.page and rule.permission != RESIDENT for rule in route_rules(route))
    }
    return sorted(paths - FRAGMENTS)


def _api(base: str, token: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    res = httpx.request(method, base + path, headers=headers, timeout=30, **kwargs)
    assert res.status_code < 300, f"{method} {path}: {res.status_code} {res.text}"
    return res.json() if res.content else None


def _fill(base: str, site: dict[str, Any]) -> None:
    """Give a demo site what its pages show, as clients would: an alarm and its case from a
    reading, an incident and a resident's report; note the ids the pages' paths need."""
    token, air = site["token"], site["air"]
    reading = httpx.post(
        base + "/api/ingest",
        headers={"X-Device-Id": air["code"], "Authorization": f"Device {air['token']}"},
        json={"readings": [{"metric": "pm25", "value": 180.0}]},
        timeout=30,
    )
    assert reading.status_code == 200, reading.text
    device = _api(base, token, "GET", "/api/devices", params={"limit": 1})["items"][0]
    incident = _api(
        base,
        token,
        "POST",
        "/api/incidents",
        json={"kind": "flood", "severity": "major", "title": "Flooded underpass",
              "unit_id": device["org_unit_id"], "commander_id": site["admin_id"]},
    )  # fmt: skip
    report = httpx.post(
        base + "/api/public/reports",
        data={"text": "Bin overflowing at the void deck", "lon": str(air["lon"]),
              "lat": str(air["lat"]), "category_code": "sanitation.bin_overflow"},
        timeout=30,
    )  # fmt: skip
    assert report.status_code == 201, report.text
    cases = _api(base, token, "GET", "/api/cases", params={"limit": 5})["items"]
    assert cases, "the reading over the threshold opened no case"
    rules = _api(base, token, "GET", "/api/rules", params={"limit": 1})["items"]
    texts = {"en": {"title": "Water off on Friday", "body": "Water is off 9:00-12:00."}}
    notice = _api(
        base, token, "POST", "/api/notices", json={"unit_id": device["org_unit_id"], "texts": texts}
    )
    _api(base, token, "POST", f"/api/notices/{notice['id']}/publish", json={})
    hall = _api(
        base,
        token,
        "POST",
        "/api/facilities",
        json={"org_unit_id": device["org_unit_id"], "kind": "hall", "name": "Community hall"},
    )
    vote = _api(
        base,
        token,
        "POST",
        "/api/votes",
        json={"title": "Estate budget", "kind": "budget", "budget": 100, "currency": "SGD",
              "unit_id": device["org_unit_id"],
              "options": [{"title": "Benches", "cost": 40}, {"title": "Garden", "cost": 70}]},
    )  # fmt: skip
    for phase in ("voting", "results"):
        _api(base, token, "POST", f"/api/votes/{vote['id']}/phase", json={"phase": phase})
    words = {"en": "The void deck", "zh_Hans": "架空层", "ms": "Dek kosong", "ta": "வெற்றுத் தளம்"}
    now = datetime.now(UTC)
    survey = _api(
        base,
        token,
        "POST",
        "/api/surveys",
        json={"title": words, "unit_id": device["org_unit_id"], "opens_at": now.isoformat(),
              "closes_at": (now + timedelta(days=30)).isoformat(),
              "questions": [{"kind": "scale", "scale": "1-5", "text": words, "low_label": words,
                             "high_label": words, "service": "sanitation"},
                            {"kind": "text", "text": words}]},
    )  # fmt: skip
    _api(base, token, "POST", f"/api/surveys/{survey['id']}/publish")
    meeting = _meeting(base, token, device["org_unit_id"], site["admin_id"])
    site["ids"] = {
        "notice_id": notice["id"],
        "facility_id": hall["id"],
        "survey_id": survey["id"],
        "meeting_id": meeting["id"],
        "case_id": cases[0]["id"],
        "incident_id": incident["id"],
        "device_id": device["id"],
        "rule_id": rules[0]["id"],
        "token": report.json()["token"],
        **site["proposal"],
        "vote_id": vote["id"],
    }


def _meeting(base: str, token: str, unit_id: str, owner_id: str) -> dict[str, Any]:
    """Plan a meeting of the unit's council, run it: a line of the minutes and a decision."""
    start = datetime.now(UTC) + timedelta(hours=1)
    meeting: dict[str, Any] = _api(
        base, token, "POST", "/api/meetings",
        json={"unit_id": unit_id, "title": "Residents' meeting", "mode": "in_person",
              "venue": "Community hall", "starts_at": start.isoformat(),
              "ends_at": (start + timedelta(hours=2)).isoformat(), "capacity": 30,
              "agenda": ["Lifts", "Bins"]},
    )  # fmt: skip
    mid = meeting["id"]
    _api(base, token, "POST", f"/api/meetings/{mid}/status", json={"status": "live"})
    _api(base, token, "POST", f"/api/meetings/{mid}/minutes", json={"text": "Lift B is slow"})
    _api(base, token, "POST", f"/api/meetings/{mid}/decisions",
         json={"text": "Call the contractor", "owner_account_id": owner_id,
               "owner_unit_id": unit_id, "due_on": start.date().isoformat()})  # fmt: skip
    return meeting


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve both demo sites (small) from one SQLite file, with what their pages show."""
    with served_site(tmp_path_factory.mktemp("demo"), HERE / "seed_demo_sites.py") as info:
        for site in info["sites"].values():
            _fill(info["base"], site)
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _concrete(template: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no {name} seeded for {template}: add it to _fill"
        return ids[name]

    return re.sub(r"\{(\w+)\}", value, template)


class Traffic:
    """Every request of a browser context, and every CSP violation of its pages."""

    def __init__(self, context: Any, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.seen: list[str] = []
        self.elsewhere: list[str] = []
        self.inaccessible: list[str] = []
        self.languages: set[str] = set()
        context.add_init_script(WATCH_CSP)
        context.on("request", self._record)

    def _record(self, request: Any) -> None:
        url = request.url
        self.seen.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            return  # made in the page itself: nothing is fetched
        if parts.netloc != self.host:
            self.elsewhere.append(url)

    def visit(
        self, page: Any, url: str, *, allowed: tuple[int, ...] = (200,), axe: bool = True
    ) -> int:
        res = page.goto(url)
        assert res is not None, url
        assert res.status in allowed, (url, res.status)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__csp || []") == [], url
        assert res.headers["content-type"].startswith("text/html"), url
        if axe and AXE.exists():  # nothing serious or critical for axe-core, on every page
            lang = page.get_attribute("html", "lang")
            self.inaccessible.extend(f"{url} ({lang}): {v}" for v in _axe(page, serious=True))
            self.languages.add(str(lang))
        return int(res.status)


def _use_language(page: Any, base: str, language: str) -> None:
    """Set the signed-in account's language on /preferences, as a person would."""
    page.goto(base + "/preferences")
    page.select_option("#preferences-form select[name='language']", language)
    page.click("#preferences-form button[type='submit']")
    page.wait_for_selector("#preferences-saved")


def test_no_page_loads_anything_from_outside_the_server(
    server: dict[str, Any], browser: Any
) -> None:
    base, password = server["base"], server["password"]
    templates = staff_pages()
    assert {"/", "/workbench", "/cases/{case_id}", "/incidents/{incident_id}", "/rules/new",
            "/devices/{device_id}", "/figures", "/dispatch"} <= set(templates)  # fmt: skip
    visited: list[tuple[str, str, int]] = []
    inaccessible: list[str] = []
    languages: set[tuple[str, str]] = set()
    for profile, site in server["sites"].items():
        for who, device in ((site["admin"], DESKTOP), (site["worker"], PHONE)):
            context = browser.new_context(**device)
            traffic = Traffic(context, base)
            page = context.new_page()
            try:
                sign_in(page, base, who, password)
                if profile == "town" and who == site["admin"]:
                    # Bao'an's worker reads Chinese on a phone; this admin, on a desktop.
                    _use_language(page, base, "zh_Hans")
                for template in templates:
                    path = _concrete(template, site["ids"])
                    # A worker lacks some rights and sees only their area: the refusal and
                    # the record out of reach are pages too, and as local.
                    allowed = (200,) if who == site["admin"] else (200, 403, 404)
                    status = traffic.visit(page, base + path, allowed=allowed)
                    visited.append((who, path, status))
                # Swagger UI's own markup (nested controls), vendored as it is: not our page.
                traffic.visit(page, base + "/api/docs", axe=False)
                traffic.visit(page, base + "/no-such-page", allowed=(404,))
                assert traffic.elsewhere == [], (profile, who, traffic.elsewhere)
                assert any("/static/vendor/" in url for url in traffic.seen)
                inaccessible += traffic.inaccessible
                languages |= {(lang, str(device["viewport"])) for lang in traffic.languages}
            finally:
                context.close()
        # The resident's pages and the sign-in form, signed out, on a phone.
        context = browser.new_context(**PHONE)
        traffic = Traffic(context, base)
        page = context.new_page()
        try:
            for template in ("/login", *RESIDENT_PAGES):
                for lang in ("en", "zh_Hans"):
                    traffic.visit(page, f"{base}{_concrete(template, site['ids'])}?lang={lang}")
            assert traffic.elsewhere == [], (profile, traffic.elsewhere)
            inaccessible += traffic.inaccessible
        finally:
            context.close()
    assert inaccessible == [], "\n".join(inaccessible)
    if AXE.exists():  # every staff page in both languages, on a desktop and on a phone
        assert {lang for lang, _ in languages} == {"en", "zh-Hans"}
        assert len(languages) == 4, languages
    admins = {site["admin"] for site in server["sites"].values()}
    assert all(status == 200 for who, _, status in visited if who in admins)
    assert len(visited) == 4 * len(templates)


def test_the_api_docs_render_every_operation_offline(server: dict[str, Any], browser: Any) -> None:
    base = server["base"]
    spec = httpx.get(base + "/api/openapi.json", timeout=30).json()
    methods = {"get", "put", "post", "delete", "patch"}
    operations = [
        (op.get("tags") or ["default"])[0] + "/" + op["operationId"]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in methods
    ]
    assert len(operations) > 100
    context = browser.new_context(**DESKTOP)
    traffic = Traffic(context, base)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        traffic.visit(page, base + "/api/docs")
        page.wait_for_selector(".opblock", timeout=DOCS_WAIT_MS)
        assert "/healthz" in page.inner_text("#swagger-ui")
        page.screenshot(path="/tmp/linli-api-docs.png")
        # The list is virtual (only what is on screen is in the DOM): the first, a middle and
        # the last operation of the document each open from their deep link.
        for link in (operations[0], operations[len(operations) // 2], operations[-1]):
            tag, operation_id = link.split("/")
            page.goto("about:blank")  # a load, not a hash change: the link is read at start
            page.goto(f"{base}/api/docs#/{link}")
            # A locator, not an element handle: Swagger UI re-renders the block while it opens,
            # and a locator finds the new node where a handle would point at the detached one.
            block = page.locator(f'[id="operations-{tag}-{operation_id}"].is-open')
            block.wait_for(state="attached", timeout=DOCS_WAIT_MS)
            block.scroll_into_view_if_needed(timeout=DOCS_WAIT_MS)
            expect(block).to_be_visible(timeout=DOCS_WAIT_MS)
        assert page.evaluate("window.__csp") == []
        assert page.locator(".errors-wrapper").count() == 0  # the document parsed
        assert traffic.elsewhere == [] and errors == []
    finally:
        context.close()


def _axe(page: Any, context: str = "document", *, serious: bool = False) -> list[str]:
    """Run axe-core in the page (through DevTools, which the CSP does not govern); return its
    violations (with `serious`: only the serious and critical ones)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;undefined")
    found: list[str] = page.evaluate(
        """async ([where, serious]) => {
          const scope = where === "document" ? document : document.querySelector(where);
          const result = await axe.run(scope, { resultTypes: ["violations"] });
          return result.violations
            .filter((v) => !serious || v.impact === "serious" || v.impact === "critical")
            .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target).join(" "));
        }""",
        [context, serious],
    )
    return found


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make assets)")
def test_error_pages_and_the_menu_are_accessible(server: dict[str, Any], browser: Any) -> None:
    base, password = server["base"], server["password"]
    site = server["sites"]["grid"]
    context = browser.new_context(**PHONE, locale="ta-IN")
    page = context.new_page()
    try:
        assert page.goto(base + "/no-such-page").status == 404  # signed out, in Tamil
        assert page.inner_text("h1") == "பக்கம் கிடைக்கவில்லை"
        assert _axe(page) == []
        sign_in(page, base, site["worker"], password, "/workbench")
        assert page.goto(base + "/figures").status == 403  # a worker does not read figures
        assert page.get_attribute("html", "lang") == "zh-Hans"  # the worker's own language
        assert page.locator("form[action='/logout'] button").count() == 2
        assert _axe(page) == []
        page.click(".nav-menu > summary")
        assert page.is_visible("nav.nav")
        assert _axe(page, "header.topbar") == []
        assert page.goto(base + "/cases/not-an-id").status == 422
        assert _axe(page) == []
    finally:
        context.close()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, base, site["admin"], password, "/dispatch")
        assert _axe(page, "header.topbar") == []
    finally:
        context.close()


def test_the_phone_menu_collapses_and_opens_by_keyboard_and_without_script(
    server: dict[str, Any], browser: Any
) -> None:
    base, password = server["base"], server["password"]
    site = server["sites"]["town"]
    for scripts in (True, False):
        context = browser.new_context(**PHONE, java_script_enabled=scripts)
        page = context.new_page()
        try:
            sign_in(page, base, site["admin"], password, "/dispatch")
            bar = page.locator("header.topbar").bounding_box()
            assert bar is not None and bar["height"] <= 844 / 12  # one row, not a fifth
            assert not page.is_visible("nav.nav")
            page.keyboard.press("Tab")  # the brand
            page.keyboard.press("Tab")  # the menu button
            assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
            page.keyboard.press("Enter")
            assert page.is_visible("nav.nav")
            assert page.is_visible("nav.nav a[href='/figures']")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.getAttribute('href')") == "/"
            if scripts:  # Escape closes it (an enhancement), back on the button
                page.keyboard.press("Escape")
                assert not page.is_visible("nav.nav")
                assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
            else:
                page.keyboard.press("Shift+Tab")
                page.keyboard.press("Enter")
                assert not page.is_visible("nav.nav")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            context.close()
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, base, site["admin"], password, "/dispatch")
        assert page.is_visible("nav.nav a[href='/figures']")  # inline, no button
        assert not page.is_visible(".nav-menu > summary")
        bar = page.locator("header.topbar").bounding_box()
        name = page.locator(".user").bounding_box()
        assert bar is not None and name is not None and name["y"] < bar["y"] + 24
    finally:
        context.close()
