"""No script from data, in a real browser: script payloads entered through every input that a
page shows (report text, device, building, unit, rule, incident names, notes) never run, and no
page breaks its Content-Security-Policy while showing them, markers hovered and clicked.

A payload that became HTML would either run (setting `window.__xss`) or be stopped by the CSP,
which fires `securitypolicyviolation` and reports to `/api/csp-reports`; all three are watched.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import sign_in

from browser_site import chromium, served_site
from browser_wait import wait_until

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
WAIT_MS = 5000
INSIDE = (113.806, 22.507)  # inside the payload-named grid, community and incident area
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""


def _api(site: dict[str, Any], method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {site['token']}", "Accept": "application/json"}
    res = httpx.request(method, site["base"] + path, headers=headers, timeout=20, **kwargs)
    assert res.status_code < 300, f"{method} {path}: {res.status_code} {res.text}"
    return res.json() if res.content else None


def _violations_counted(site: dict[str, Any]) -> int:
    text = httpx.get(
        site["base"] + "/metrics", headers={"Authorization": f"Bearer {site['token']}"}
    ).text
    return sum(
        int(float(v))
        for v in re.findall(r"^linli_csp_violations_total\{[^}]*\} (\S+)$", text, re.M)
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve the payload-named site and enter the other payloads through the API."""
    with served_site(tmp_path_factory.mktemp("xss"), HERE / "seed_xss_site.py") as info:
        payload, lon, lat = info["payload"], *INSIDE
        made = _api(
            info,
            "POST",
            "/api/devices",
            json={"code": "AQ-X1", "type": "AirQualityObserved", "name": f"Dev {payload}",
                  "lon": lon, "lat": lat},
        )  # fmt: skip
        info["device_id"], device_token = made["device"]["id"], made["token"]
        _api(
            info,
            "POST",
            "/api/buildings",
            json={"code": "B-X1", "name": f"Block {payload}", "address": info["js_url"],
                  "lon": lon + 0.001, "lat": lat},
        )  # fmt: skip
        rule = _api(
            info,
            "POST",
            "/api/rules",
            json={"name": f"Rule {payload}", "device_type": "AirQualityObserved",
                  "metric": "pm25", "params": {"op": ">", "threshold": 75},
                  "scope_unit_id": info["district_id"], "severity": "major",
                  "case_category": "env.air"},
        )  # fmt: skip
        info["rule_id"] = rule["id"]
        incident = _api(
            info,
            "POST",
            "/api/incidents",
            json={"kind": "other", "severity": "major", "title": f"Inc {payload}",
                  "description": payload, "unit_id": info["community_id"],
                  "commander_id": info["admin_id"]},
        )  # fmt: skip
        info["incident_id"] = incident["id"]
        # A resident's report inside the incident's area: its first line is the case title.
        report = httpx.post(
            info["base"] + "/api/public/reports",
            data={"text": f"{payload}\n{info['js_url']}", "lon": str(lon), "lat": str(lat),
                  "category_code": "env.air"},
            timeout=20,
        )  # fmt: skip
        assert report.status_code == 201, report.text
        info["report_token"] = report.json()["token"]
        # Published, so the public status page shows the resident's own words (the payload).
        found = _api(info, "GET", "/api/cases", params={"q": report.json()["ref"]})
        _api(info, "PUT", f"/api/cases/{found['items'][0]['id']}/published",
             json={"published": True})  # fmt: skip
        staff_case = _api(
            info,
            "POST",
            "/api/cases",
            json={"category_code": "env.air", "title": f"Staff {payload}",
                  "description": payload, "lon": lon + 0.002, "lat": lat, "source": "hotline"},
        )  # fmt: skip
        _api(info, "POST", f"/api/cases/{staff_case['id']}/register", json={"note": payload})
        _api(info, "POST", f"/api/incidents/{info['incident_id']}/log", json={"text": payload})
        _api(
            info,
            "POST",
            f"/api/incidents/{info['incident_id']}/resources",
            json={"kind": "equipment", "name": f"Pump {payload}", "lon": lon, "lat": lat + 0.001},
        )
        # A reading over the rule's threshold: an alarm and a case named after the rule.
        res = httpx.post(
            info["base"] + "/api/ingest",
            headers={"X-Device-Id": "AQ-X1", "Authorization": f"Device {device_token}"},
            json={"readings": [{"metric": "pm25", "value": 180.0}]},
            timeout=10,
        )
        assert res.status_code == 200, res.text
        cases = _api(info, "GET", "/api/cases?limit=50")
        info["case_ids"] = [c["id"] for c in cases["items"]]
        assert len(info["case_ids"]) >= 3, cases
        yield info


@pytest.fixture(scope="module")
def browser(site: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Watch:
    """What a page must never show: a payload that ran, a CSP violation, a script error."""

    def __init__(self, page: Any) -> None:
        self.page, self.console, self.errors = page, [], []
        page.add_init_script(WATCH_CSP)
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self, where: str) -> None:
        ran = self.page.evaluate("window.__xss")
        assert ran is None, f"payload {ran} ran on {where}"
        blocked = self.page.evaluate("window.__csp || []")
        assert blocked == [], f"CSP violations on {where}: {blocked}"
        csp = [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]
        assert csp == [], f"CSP console messages on {where}: {csp}"
        assert self.errors == [], f"script errors on {where}: {self.errors}"


def _poke_markers(page: Any, selector: str, watch: Watch, where: str) -> int:
    """Hover and click every marker of a map; popups and tooltips must show payloads as text."""
    markers = page.locator(selector)
    count = markers.count()
    for i in range(count):
        marker = markers.nth(i)
        marker.dispatch_event("mouseover")
        marker.dispatch_event("click")
        shown = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                '.leaflet-popup-content, .leaflet-tooltip'), (box) => box.innerHTML)"""
        )
        for markup in shown:
            assert "<img" not in markup and "<svg" not in markup, markup  # text, not tags
        marker.dispatch_event("mouseout")
        watch.check(f"{where} marker {i}")
    return count


def test_payloads_never_run_and_no_page_breaks_its_policy(
    site: dict[str, Any], browser: Any
) -> None:
    base, payload = site["base"], site["payload"]
    before = _violations_counted(site)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    watch = Watch(page)
    try:
        sign_in(page, base, site["admin"], site["password"])
        # The command centre: unit polygons, incident areas, alarm and case markers.
        page.wait_for_selector("#map path.marker-case", timeout=WAIT_MS)
        page.wait_for_selector("#map path.incident-area", timeout=WAIT_MS)
        assert payload in page.inner_text("#case-list")
        assert _poke_markers(page, "#map path.leaflet-interactive", watch, "/") >= 4
        popup_texts = page.locator(".leaflet-popup-content").all_inner_texts()
        assert any("<img src=x" in t for t in popup_texts), popup_texts

        incident = f"/incidents/{site['incident_id']}"
        page.goto(base + incident)
        page.wait_for_selector("#incident-map path.marker-case", timeout=WAIT_MS)
        assert f"Inc {payload}" in page.inner_text("h1")
        assert _poke_markers(page, "#incident-map path.leaflet-interactive", watch, incident) >= 3
        assert any(
            "<img src=x" in t for t in page.locator(".leaflet-popup-content").all_inner_texts()
        )

        page.goto(base + "/devices")
        page.wait_for_selector("#device-map path.device-marker", timeout=WAIT_MS)
        marker = page.locator("#device-map path.device-marker").first
        marker.dispatch_event("mouseover")
        assert f"Dev {payload}" in page.inner_text(".leaflet-tooltip")
        watch.check("/devices")
        marker.dispatch_event("click")
        page.wait_for_url(f"{base}/devices/{site['device_id']}", timeout=WAIT_MS)
        watch.check("/devices/{id} (from its marker)")

        pages = [
            "/workbench",
            "/triage",
            "/dispatch",
            "/supervision",
            "/incidents",
            f"{incident}/report",
            "/rules",
            f"/rules/{site['rule_id']}/edit",
            "/figures",
            "/inbox",
            "/preferences",
            *(f"/cases/{case_id}" for case_id in site["case_ids"]),
        ]
        for path in pages:
            res = page.goto(base + path)
            assert res is not None and res.status == 200, path
            assert res.headers["content-security-policy"].startswith("default-src 'self'")
            watch.check(path)

        # The push service worker still registers under the policy (worker-src 'self').
        page.goto(base + "/preferences")
        scope = page.evaluate(
            "() => navigator.serviceWorker.register('/static/sw.js').then((r) => r.scope)"
        )
        assert scope == f"{base}/static/"
        watch.check("service worker")

        # The intake form's building finder lists the payload-named building (htmx swap).
        page.goto(base + "/intake")
        page.fill("#building-q", "Block")
        pick = page.wait_for_selector("#building-results [data-pick-point]", timeout=WAIT_MS)
        pick.click()
        assert "javascript:" in page.inner_text("#place-label")
        watch.check("/intake")

    finally:
        context.close()
    # The resident's status page and report form, signed out.
    public = browser.new_context(locale="en-GB")
    try:
        other = public.new_page()
        watch_public = Watch(other)
        other.goto(f"{base}/report/status/{site['report_token']}")
        watch_public.check("/report/status")
        other.goto(f"{base}/report")
        watch_public.check("/report")
    finally:
        public.close()
    assert _violations_counted(site) == before


def test_the_policy_blocks_and_reports_injected_markup(site: dict[str, Any], browser: Any) -> None:
    """The watch above is not blind: markup forced into a page is blocked, seen and counted."""
    before = _violations_counted(site)
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    try:
        sign_in(page, site["base"], site["admin"], site["password"], path="/workbench")
        page.evaluate(
            """() => document.body.insertAdjacentHTML(
                'beforeend', '<img src=x onerror="window.__xss=9">')"""
        )
        wait_until(page, "() => window.__csp.length > 0", timeout=WAIT_MS)
        assert page.evaluate("window.__xss") is None
        assert "script-src" in page.evaluate("window.__csp[0]")
        deadline = time.monotonic() + WAIT_MS / 1000
        while _violations_counted(site) == before:  # the browser reports on its own schedule
            assert time.monotonic() < deadline, "the violation was never reported"
            page.wait_for_timeout(50)
    finally:
        context.close()
