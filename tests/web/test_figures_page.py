"""The figures page: child units side by side with bars, drill-down, scope; in a real browser too.

The histories are those of `seed_figures_site.py` (see there for the hand-computed figures).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from seed_figures_site import START, _principal, build_site

from browser_site import CHROMIUM, CHROMIUM_ARGS, served_site
from linli.cases import service as cases_service
from linli.cases.sla import tasks as sla_tasks
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from login_form import post_login

HERE = Path(__file__).resolve().parent
PERIOD = "from=2026-03-01&to=2026-03-31"
WAIT_MS = 5000


def cell(html: str, unit: str, key: str) -> str:
    """Return the text of one table cell (row of unit code `unit`, column `key`)."""
    row = re.search(rf'<tr data-unit="{re.escape(unit)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {unit}"
    found = re.search(rf'<td data-key="{key}">(.*?)</td>', row.group(1), re.S)
    assert found, f"no cell {key} for {unit}"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


@pytest.fixture
async def seeded(db: str, clock: ManualClock) -> dict[str, Any]:
    return await build_site(clock)


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> None:
    res = await post_login(client, {"username": username, "password": password})
    assert res.status_code == 303, res.text


async def test_the_page_compares_the_communities_of_a_street(
    seeded: dict[str, Any], client: httpx.AsyncClient
) -> None:
    await sign_in(client, seeded["operator"], seeded["password"])
    page = await client.get(f"/figures?unit={seeded['units']['street']}&{PERIOD}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Figures of Xixiang" in html
    expected = {
        "FX-XX-C1": {"cases_closed": "2", "on_time_rate": "91.7%", "first_time_fix_rate": "50.0%",
                     "satisfaction": "3.5 (2)", "mean_handle_minutes": "60 min", "overdue": "1"},
        "FX-XX-C2": {"cases_closed": "1", "on_time_rate": "100.0%",
                     "first_time_fix_rate": "100.0%", "satisfaction": "4.0 (1)",
                     "mean_handle_minutes": "30 min", "overdue": "0"},
        "FX-XX": {"cases_closed": "3", "on_time_rate": "94.1%", "first_time_fix_rate": "66.7%",
                  "satisfaction": "3.7 (3)"},
    }  # fmt: skip
    for unit, cells in expected.items():
        for key, text in cells.items():
            assert cell(html, unit, key) == text, (unit, key)
    # Bars: on time out of 100 %, satisfaction out of 5, handling time against the longest.
    assert re.search(r'data-unit="FX-XX-C1">.*?width="183\.3"', html, re.S)
    assert 'data-chart="satisfaction"' in html and 'width="140.0"' in html  # 3.5 / 5 of 200
    assert 'data-chart="mean_handle_minutes"' in html and 'width="100.0"' in html  # 30 of 60

    by_on_time = await client.get(
        f"/figures?unit={seeded['units']['street']}&{PERIOD}&sort=on_time_rate&order=desc"
    )
    rows = re.findall(r'<tr data-unit="(FX-XX-C\d)">', by_on_time.text)
    assert rows == ["FX-XX-C2", "FX-XX-C1"]

    drill = await client.get(f"/figures?unit={seeded['units']['Haibin']}&{PERIOD}")
    assert cell(drill.text, "FX-XX-C1-G1", "on_time_rate") == "91.7%"
    assert (
        f'href="/figures?unit={seeded["units"]["street"]}&amp;{PERIOD.replace("&", "&amp;")}"'
        in (drill.text)
    )  # the trail leads back up

    grid = await client.get(f"/figures?unit={seeded['units']['Haibin grid']}&{PERIOD}")
    assert "No units below this one." in grid.text
    assert cell(grid.text, "FX-XX-C1-G1", "satisfaction") == "3.5 (2)"

    later = await client.get(
        f"/figures?unit={seeded['units']['street']}&from=2026-04-01&to=2026-04-30"
    )
    assert cell(later.text, "FX-XX-C1", "cases_closed") == "0"
    assert cell(later.text, "FX-XX-C1", "on_time_rate") == "—"


async def test_the_page_is_for_staff_with_figures_in_their_area(
    seeded: dict[str, Any], client: httpx.AsyncClient
) -> None:
    signed_out = await client.get("/figures")
    assert signed_out.status_code == 303 and "/login" in signed_out.headers["location"]
    await sign_in(client, seeded["worker"], seeded["password"])
    assert (await client.get("/figures")).status_code == 403  # grid workers do not read figures

    client.cookies.clear()
    await sign_in(client, seeded["operator"], seeded["password"])
    default = await client.get("/figures")
    assert default.status_code == 200 and "Figures of Bao&#39;an" in default.text
    unknown = await client.get("/figures?unit=01a2b3c4-0000-7000-8000-000000000000")
    assert unknown.status_code == 404
    garbled = await client.get(f"/figures?unit={seeded['units']['street']}&from=last+week")
    assert garbled.status_code == 200 and "could not be read" in garbled.text


async def test_the_series_behind_the_charts_match_the_cases(
    seeded: dict[str, Any], client: httpx.AsyncClient
) -> None:
    await sign_in(client, seeded["operator"], seeded["password"])
    res = await client.get(f"/api/figures/series?unit={seeded['units']['street']}&{PERIOD}")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["timezone"] == "Asia/Shanghai"
    assert body["days"][0] == "2026-03-01" and len(body["days"]) == 31
    # Haibin's two cases were opened on Monday 2 March (09:00, 11:30), Bihai's on Tuesday.
    assert body["opened"][:4] == [0, 2, 1, 0] and sum(body["opened"]) == 3
    staff = next(s for s in body["by_source"] if s["source"] == "staff")
    assert staff["counts"][1:3] == [2, 1]
    rates = {r["unit"]["code"]: r for r in body["on_time_by_unit"]}
    assert (rates["FX-XX-C1"]["due"][1], rates["FX-XX-C1"]["on_time"][1]) == (12, 11)
    assert rates["FX-XX-C1"]["rates"][1] == pytest.approx(11 / 12)
    assert rates["FX-XX-C1"]["rates"][2] is None
    assert (rates["FX-XX-C2"]["due"][2], rates["FX-XX-C2"]["rates"][2]) == (5, 1.0)
    # Report to close: 120 and 90 minutes (under 4 h), 380 minutes (under a day).
    bins = {b["bin"]: b["cases"] for b in body["resolution"]}
    assert bins == {"1h": 0, "4h": 2, "1d": 1, "3d": 0, "7d": 0, "more": 0}

    # The drill-down narrows to a child: Bihai alone.
    child = await client.get(f"/api/figures/series?unit={seeded['units']['Bihai']}&{PERIOD}")
    assert child.json()["opened"][:4] == [0, 0, 1, 0]
    assert {b["bin"]: b["cases"] for b in child.json()["resolution"]}["4h"] == 1

    for bad in ("from=2026-03-31&to=2026-03-01", "from=2024-01-01&to=2026-03-01", "from=soon"):
        refused = await client.get(f"/api/figures/series?unit={seeded['units']['street']}&{bad}")
        assert refused.status_code == 422, bad
        assert refused.headers["content-type"].startswith("application/problem+json")


def tile(html: str, key: str) -> str:
    """Return the text of one command-centre tile, tags stripped, spaces collapsed."""
    found = re.search(
        rf'<div class="tile[^"]*" data-tile="{key}">(.*?)</div>\s*(?=<div class="tile|</section)',
        html,
        re.S,
    )
    assert found, f"no tile {key}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


async def test_the_command_centre_tiles_count_the_cases(
    seeded: dict[str, Any], client: httpx.AsyncClient, clock: ManualClock
) -> None:
    haibin = uuid.UUID(seeded["units"]["Haibin"])
    hana = await _principal("hana", "Hana Ong", "grid_worker", haibin)
    opened = []
    # Wednesday 4 March, 09:00 and 10:05 in Shenzhen; 60 working minutes to register each.
    for at in (START + timedelta(days=2), START + timedelta(days=2, minutes=65)):
        clock.set(at)
        async with session_scope() as session:
            case = await cases_service.report_case(
                session, actor=hana, category_code="public.order.noise",
                title="Drilling at night", lon=113.81, lat=22.51,
            )  # fmt: skip
            opened.append(case.ref)
    clock.set(START + timedelta(days=2, minutes=70))
    assert await sla_tasks.sweep_overdue() == 1  # the first is past its deadline, not the second

    await sign_in(client, seeded["operator"], seeded["password"])
    page = await client.get("/")
    assert page.status_code == 200, page.text
    assert tile(page.text, "open_cases") == "Open cases 2"
    assert tile(page.text, "overdue_cases").startswith("Overdue cases 1")
    assert tile(page.text, "alarms") == "Active alarms Critical 0 Major 0 Minor 0 Warning 0"
    # No step ended today; this month 16 of the seeded histories' 17 steps met their deadline.
    assert tile(page.text, "on_time") == "Steps on time Today — This month 94% Figures"
    assert f'href="/figures?unit={seeded["units"]["district"]}"' in page.text


# ---------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a fresh SQLite file and serve it with uvicorn in a subprocess."""
    with served_site(tmp_path_factory.mktemp("figures"), HERE / "seed_figures_site.py") as info:
        yield info


@pytest.mark.browser
def test_the_figures_page_in_chromium_shows_the_seeded_numbers(server: dict[str, Any]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base = server["base"]
    street = server["units"]["street"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            path = f"/figures?unit={street}&{PERIOD}"
            page.goto(f"{base}{path}")
            assert "/login" in page.url
            page.fill('input[name="username"]', server["operator"])
            page.fill('input[name="password"]', server["password"])
            page.click('button[type="submit"]')
            page.wait_for_selector("#figures-table", timeout=WAIT_MS)

            def text(unit: str, key: str) -> str:
                return str(
                    page.inner_text(f'#figures-table tr[data-unit="{unit}"] td[data-key="{key}"]')
                )

            assert text("FX-XX-C1", "name") == "Haibin"
            assert text("FX-XX-C1", "on_time_rate") == "91.7%"
            assert text("FX-XX-C1", "satisfaction") == "3.5 (2)"
            assert text("FX-XX-C1", "mean_handle_minutes") == "60 min"
            assert text("FX-XX-C2", "on_time_rate") == "100.0%"
            assert text("FX-XX-C2", "satisfaction") == "4.0 (1)"
            assert text("FX-XX-C2", "mean_handle_minutes") == "30 min"

            def bar(chart: str, unit: str) -> float:
                box = page.locator(
                    f'figure[data-chart="{chart}"] g[data-unit="{unit}"] rect'
                ).bounding_box()
                assert box is not None
                return float(box["width"])

            # The bars are drawn, in proportion to the figures.
            assert bar("on_time_rate", "FX-XX-C1") / bar("on_time_rate", "FX-XX-C2") == (
                pytest.approx(11 / 12, rel=0.01)
            )
            assert bar("satisfaction", "FX-XX-C1") / bar("satisfaction", "FX-XX-C2") == (
                pytest.approx(3.5 / 4.0, rel=0.01)
            )
            assert bar("mean_handle_minutes", "FX-XX-C2") / bar(
                "mean_handle_minutes", "FX-XX-C1"
            ) == pytest.approx(0.5, rel=0.01)
            # The charts over time are drawn from the series API, their numbers beside them.
            for chart in ("opened", "on_time", "resolution"):
                page.wait_for_selector(
                    f'#over-time figure[data-chart="{chart}"][data-drawn="1"] canvas',
                    timeout=WAIT_MS,
                )
            assert page.inner_text('#resolution-table tr[data-bin="4h"] td') == "2"
            assert "3 cases opened in the period." in page.inner_text("#opened-summary")
            page.screenshot(path="/tmp/linli-figures.png", full_page=True)

            # Sort by the on-time rate (highest first), then drill down into Haibin.
            page.click('#figures-table th[data-key="on_time_rate"] a')
            page.wait_for_selector('#figures-table th[aria-sort="descending"]', timeout=WAIT_MS)
            codes = page.eval_on_selector_all(
                "#figures-table tbody tr", "rows => rows.map(r => r.dataset.unit)"
            )
            assert codes == ["FX-XX-C2", "FX-XX-C1"]
            page.click('#figures-table tr[data-unit="FX-XX-C1"] td[data-key="name"] a')
            page.wait_for_selector('#figures-table tr[data-unit="FX-XX-C1-G1"]', timeout=WAIT_MS)
            assert "Figures of Haibin" in page.inner_text("h1")
            assert text("FX-XX-C1-G1", "on_time_rate") == "91.7%"
            assert text("FX-XX-C1-G1", "first_time_fix_rate") == "50.0%"
            assert errors == []
        finally:
            browser.close()
