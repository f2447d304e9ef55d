"""The maps explain themselves, in a real browser, with nothing fetched from outside the server:
every map draws the site's own base layer (building shapes, area names, named roads), carries a
legend, colours and sizes markers by what they mean (alarms by severity, cases by priority,
devices by status), numbers them in clusters where they are dense; the resident maps show the
neighbourhood and the open public reports nearby, never an internal case.

Each map is saved as a screenshot under /tmp (linli-map-*.png) to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from test_browser import sign_in
from test_offline_browser import AXE, _axe

from browser_site import chromium, served_site
from linli.twin.sengkang import SHIPPED_ROADS

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
SENGKANG_ROADS = {
    f["properties"]["name"]
    for f in json.loads(SHIPPED_ROADS.read_text(encoding="utf-8"))["features"]
}
WAIT_MS = 15000
SHOTS = Path("/tmp")
# A reading over each demo rule's threshold: WaterLevel critical, air major, bin minor.
READINGS = {
    "WaterLevel": ("level_cm", 60.0, "critical"),
    "AirQualityObserved": ("pm25", 180.0, "major"),
    "WasteContainer": ("fill_pct", 95.0, "minor"),
}


def _api(base: str, token: str, method: str, path: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    res = httpx.request(method, base + path, headers=headers, timeout=30, **kwargs)
    assert res.status_code < 300, f"{method} {path}: {res.status_code} {res.text}"
    return res.json() if res.content else None


def _report(base: str, lon: float, lat: float, text: str) -> dict[str, Any]:
    res = httpx.post(
        base + "/api/public/reports",
        data={"text": text, "lon": str(lon), "lat": str(lat),
              "category_code": "sanitation.bin_overflow"},
        timeout=30,
    )  # fmt: skip
    assert res.status_code == 201, res.text
    body: dict[str, Any] = res.json()
    return body


def _fill(base: str, site: dict[str, Any]) -> None:
    """Alarms of three severities (and their cases), an incident, two residents' reports."""
    for kind, (metric, value, _) in READINGS.items():
        device = site["devices"][kind]
        res = httpx.post(
            base + "/api/ingest",
            headers={"X-Device-Id": device["code"], "Authorization": f"Device {device['token']}"},
            json={"readings": [{"metric": metric, "value": value}]},
            timeout=30,
        )
        assert res.status_code == 200, res.text
    air = site["devices"]["AirQualityObserved"]
    unit = _api(base, site["token"], "GET", "/api/devices", params={"limit": 1})["items"][0]
    incident = _api(
        base,
        site["token"],
        "POST",
        "/api/incidents",
        json={"kind": "flood", "severity": "major", "title": "Flooded underpass",
              "unit_id": unit["org_unit_id"], "commander_id": site["admin_id"]},
    )  # fmt: skip
    mine = _report(base, air["lon"], air["lat"], "Bin overflowing at the void deck")
    other = _report(base, air["lon"] + 0.0015, air["lat"] + 0.001, "Rubbish piled by the bins")
    case = _api(base, site["token"], "GET", "/api/cases", params={"limit": 1})["items"][0]
    site["ids"] = {
        "incident": incident["id"],
        "case": case["id"],
        "token": mine["token"],
        "other": other["ref"],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("maps"), HERE / "seed_map_site.py") as info:
        for site in info["sites"].values():
            _fill(info["base"], site)
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Outside:
    """Every request a browser context sends anywhere but the server."""

    def __init__(self, context: Any, base: str) -> None:
        self.host = urlsplit(base).netloc
        self.urls: list[str] = []
        context.on("request", self._record)

    def _record(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and parts.netloc != self.host:
            self.urls.append(request.url)


def _ready(page: Any, selector: str, *, markers: bool = True) -> None:
    """Wait until the map's base layer is drawn (and its markers placed)."""
    page.wait_for_selector(f"{selector}[data-base-layer='ready']", timeout=WAIT_MS)
    if markers:
        page.wait_for_function(
            "(s) => document.querySelector(s).dataset.markers !== undefined", arg=selector,
            timeout=WAIT_MS,
        )  # fmt: skip


IN_VIEW = """([s, what]) => {
  const map = document.querySelector(s).getBoundingClientRect();
  return Array.from(document.querySelectorAll(s + " " + what)).filter((el) => {
    const r = el.getBoundingClientRect();
    return !el.closest("[hidden]") && r.width > 0 && r.left >= map.left && r.right <= map.right
      && r.top >= map.top && r.bottom <= map.bottom;
  }).map((el) => el.textContent);
}"""


CROSSING = """([s, what]) => {
  const map = document.querySelector(s).getBoundingClientRect();
  return Array.from(document.querySelectorAll(s + " " + what)).filter((el) => {
    const r = el.getBoundingClientRect();
    return (r.width > 0 || r.height > 0) && r.left < map.right && r.right > map.left
      && r.top < map.bottom && r.bottom > map.top;
  }).length;
}"""


def _crossing(page: Any, selector: str, what: str) -> int:
    """Return how many of the elements `what` (long lines) cross the map's frame."""
    found: int = page.evaluate(CROSSING, [selector, what])
    return found


def _in_view(page: Any, selector: str, what: str) -> list[str]:
    """Return the texts of the elements `what` shown inside the map's frame."""
    found: list[str] = page.evaluate(IN_VIEW, [selector, what])
    return found


def _explains_itself(page: Any, selector: str, legend_words: tuple[str, ...]) -> None:
    """The map shows building shapes and names its areas (on them, or the ones its middle is
    in), draws no tiles, and has a legend with these words."""
    assert _in_view(page, selector, "path.base-building"), page.evaluate(
        "(s) => 'no building in view; map classes: ' + document.querySelector(s).className",
        selector,
    )
    names = _in_view(page, selector, ".unit-label") + _in_view(page, selector, ".map-where")
    assert names and all(name.strip() for name in names), names
    assert page.locator(f"{selector} .leaflet-tile").count() == 0
    legend_box = page.locator(f"{selector} .map-legend")
    folded = legend_box.get_attribute("open") is None  # folded on small maps: a tap opens it
    if AXE.exists():  # the legend, labels, markers and clusters are accessible
        assert _axe(page, selector) == [], selector
    if folded:
        legend_box.locator("summary").click()
    legend = legend_box.inner_text()
    for words in legend_words:
        assert words in legend, (words, legend)
    if AXE.exists():  # the legend, labels, markers and clusters are accessible
        assert _axe(page, selector) == [], selector
    if folded:
        legend_box.locator("summary").click()


def _fills(page: Any, selector: str) -> dict[str, str]:
    """Return each marker class's fill colour."""
    found: dict[str, str] = page.evaluate(
        """(s) => Object.fromEntries(Array.from(document.querySelectorAll(s), (p) => [
            p.getAttribute("class").split(" ").find((c) => /^(severity|priority|status)-/.test(c)),
            p.getAttribute("fill")]))""",
        selector,
    )
    return found


def test_staff_maps_explain_themselves(server: dict[str, Any], browser: Any) -> None:
    base, site = server["base"], server["sites"]["town"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    outside = Outside(context, base)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, base, site["admin"], server["password"])
        # The command centre: alarms of three severities in three colours and sizes.
        _ready(page, "#map")
        page.wait_for_function(
            "() => document.querySelectorAll('#map path.marker-alarm').length >= 3",
            timeout=WAIT_MS,
        )
        assert len(_in_view(page, "#map", ".unit-label")) >= 3  # the town's zones, by name
        # Its roads, drawn from the real bus stops and blocks, the longest named along them.
        assert _crossing(page, "#map", "path.base-road") >= 30
        roads = _in_view(page, "#map", ".road-label")
        assert len(roads) >= 3 and set(roads) <= SENGKANG_ROADS, roads
        _explains_itself(page, "#map", ("Alarms, by severity", "Critical", "Cases, by priority",
                                         "Overdue", "Building", "Road", "Area"))  # fmt: skip
        fills = _fills(page, "#map path.marker-alarm")
        assert {"severity-critical", "severity-major", "severity-minor"} <= set(fills), fills
        assert (
            len({fills["severity-critical"], fills["severity-major"], fills["severity-minor"]}) == 3
        )
        radii = page.evaluate(
            """() => Object.fromEntries(Array.from(
                document.querySelectorAll('#map path.marker-alarm'),
                (p) => [p.getAttribute('class'), p.getBoundingClientRect().width]))"""
        )
        critical = next(w for c, w in radii.items() if "severity-critical" in c)
        minor = next(w for c, w in radii.items() if "severity-minor" in c)
        assert critical > minor, radii
        # Each marker says in words what it is.
        label = page.locator("#map path.marker-alarm.severity-critical").first.get_attribute(
            "aria-label"
        )
        assert label and "Critical" in label, label
        page.screenshot(path=str(SHOTS / "linli-map-command-centre.png"))

        # The device map: dozens of devices, numbered where dense; a click zooms in.
        page.goto(base + "/devices")
        _ready(page, "#device-map")
        assert site["device_count"] >= 50
        _explains_itself(page, "#device-map", ("Devices, by status", "Offline", "Online"))
        clusters = page.locator("#device-map .map-cluster")
        assert clusters.count() >= 1
        counts = [int(n) for n in page.locator("#device-map .cluster-count").all_inner_texts()]
        assert counts and min(counts) >= 5, counts
        assert "here" in (clusters.first.get_attribute("title") or "")
        page.screenshot(path=str(SHOTS / "linli-map-devices.png"))
        zoom_before = page.evaluate("() => document.querySelector('#device-map').dataset.clusters")
        biggest = max(range(len(counts)), key=lambda i: counts[i])
        clusters.nth(biggest).click()
        page.wait_for_function(
            "(n) => document.querySelector('#device-map').dataset.clusters !== n",
            arg=zoom_before,
            timeout=WAIT_MS,
        )
        assert page.locator("#device-map path.device-marker").count() > 0

        # The incident's map: its area over the base layer, with a legend.
        page.goto(f"{base}/incidents/{site['ids']['incident']}")
        _ready(page, "#incident-map")
        _explains_itself(page, "#incident-map", ("Incident area", "Cases, by priority"))
        page.screenshot(path=str(SHOTS / "linli-map-incident.png"), full_page=True)

        # A case's page: where it is, in its neighbourhood.
        page.goto(f"{base}/cases/{site['ids']['case']}")
        _ready(page, "#case-map")
        assert page.locator("#case-map path.marker-case").count() == 1
        _explains_itself(page, "#case-map", ("Cases, by priority", "Building"))
        page.locator("#case-map").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "linli-map-case.png"))

        # The hotline intake map.
        page.goto(base + "/intake")
        _ready(page, "#intake-map", markers=False)
        _explains_itself(page, "#intake-map", ("The place you chose", "Building"))
        assert errors == [], errors
    finally:
        context.close()
    assert outside.urls == [], outside.urls


def test_resident_maps_show_the_neighbourhood_and_public_reports_nearby(
    server: dict[str, Any], browser: Any
) -> None:
    base, site = server["base"], server["sites"]["town"]
    air = site["devices"]["AirQualityObserved"]
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        geolocation={"longitude": air["lon"], "latitude": air["lat"]},
        permissions=["geolocation"],
    )
    outside = Outside(context, base)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # The status page: the report's place, the neighbourhood, the other report nearby —
        # and none of the cases the alarms opened there (internal channel).
        page.goto(f"{base}/report/status/{site['ids']['token']}")
        _ready(page, "#status-map")
        page.wait_for_selector("#status-map path.marker-public-case", timeout=WAIT_MS)
        _explains_itself(page, "#status-map", ("Your report", "Open reports nearby", "Received"))
        assert "Sengkang" in page.inner_text("#status-map .map-where")  # the area it is in
        assert page.locator("#status-map path.own-report").count() == 1
        shown = page.locator("#status-map path.marker-public-case")
        assert shown.count() == 1  # the neighbour's report; the alarms' cases are not public
        assert site["ids"]["other"] not in (shown.first.get_attribute("aria-label") or "")
        page.locator("#status-map").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "linli-map-report-status.png"), full_page=True)

        # The report form: located by the phone, the map shows the neighbourhood and reports.
        # As on a big site, the whole layer is cut short (20 buildings here): the map then asks
        # for the buildings of its view once zoomed in.
        asked: list[str] = []

        def small_layer(route: Any) -> None:
            asked.append(route.request.url)
            route.continue_(url=route.request.url + "&limit=20")

        page.route("**/api/public/map/base?*", small_layer)
        page.goto(base + "/report")
        _ready(page, "#report-map", markers=False)
        page.click("#locate-me")
        page.wait_for_selector("#report-map path.pin", timeout=WAIT_MS)
        page.wait_for_function(
            "() => document.querySelectorAll('#report-map path.marker-public-case').length >= 2",
            timeout=WAIT_MS,
        )
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#report-map path.base-building'))"
            ".some((p) => p.getAttribute('d') !== 'M0 0')",
            timeout=WAIT_MS,
        )
        assert any("bbox=" in url for url in asked), asked
        _explains_itself(page, "#report-map", ("The place you chose", "Open reports nearby"))
        page.locator("#report-map").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "linli-map-report.png"))
        assert errors == [], errors
    finally:
        context.close()
    assert outside.urls == [], outside.urls


def test_the_grid_district_names_its_areas_in_the_readers_language(
    server: dict[str, Any], browser: Any
) -> None:
    base, site = server["base"], server["sites"]["grid"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    outside = Outside(context, base)
    page = context.new_page()
    try:
        # The resident's page in Chinese: the streets and communities by their Chinese names.
        page.goto(f"{base}/report/status/{site['ids']['token']}?lang=zh_Hans")
        _ready(page, "#status-map")
        where = page.inner_text("#status-map .map-where")
        assert "宝安区" in where and "街道" in where, where
        _explains_itself(
            page, "#status-map", ("图例", "您的报告", "附近未结的报告", "楼栋", "道路")
        )
        assert _crossing(page, "#status-map", "path.base-road")  # the roads its layout implies
        page.locator("#status-map").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "linli-map-report-status-zh.png"))
        # The district's command centre: its streets named on the map.
        sign_in(page, base, site["admin"], server["password"])
        _ready(page, "#map")
        page.screenshot(path=str(SHOTS / "linli-map-command-centre-grid.png"))
        assert len(_in_view(page, "#map", ".unit-label")) >= 2
        _explains_itself(page, "#map", ("Alarms, by severity", "Cases, by priority"))
    finally:
        context.close()
    assert outside.urls == [], outside.urls
