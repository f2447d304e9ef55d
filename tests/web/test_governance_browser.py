"""The governance pages in a real browser (Debian's Chromium driven by Playwright).

An operator files a hotline report with the intake form (building search, triage hints, photo),
finds it in the triage queue, registers it and dispatches it from the dispatch board; a resident
reports from a 375 px phone with a photo and the phone's location, tapping twice, and lands on
the status page; a Chinese-speaking operator sees the dispatch board in Chinese.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import WAIT_MS, sign_in

from browser_site import chromium, served_site
from browser_wait import wait_until
from factories import tiny_png

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
FAR_FROM_ANY_CASE = (113.84, 22.54)  # in Xixiang street, outside its community
BESIDE_THE_SCHOOL = (113.806, 22.507)  # in Haibin grid 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Seed a fresh SQLite file and serve it with uvicorn in a subprocess."""
    with served_site(
        tmp_path_factory.mktemp("governance"), HERE / "seed_governance_site.py"
    ) as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def case_count(server: dict[str, Any]) -> int:
    with sqlite3.connect(server["db_file"]) as conn:
        (n,) = conn.execute("SELECT count(*) FROM case_record").fetchone()
    return int(n)


def test_operator_files_a_hotline_report_triages_and_dispatches_it(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    base = server["base"]
    photo = tmp_path / "bin.png"
    photo.write_bytes(tiny_png())
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        sign_in(page, base, server["operator"], server["password"], "/intake")
        assert page.is_checked('input[name="source"][value="hotline"]')
        page.fill(
            "#intake-text", "Rubbish bin overflowing next to block 12\nCaller says it smells."
        )
        # Triage's hints arrive while typing; one click takes the suggested category.
        page.click('#suggestions [data-pick-category="env.waste"]', timeout=WAIT_MS)
        assert page.input_value("#intake-category") == "env.waste"

        page.fill("#building-q", "haibin")
        page.click("#building-results button[data-pick-point]", timeout=WAIT_MS)
        assert page.input_value("#intake-lon") == "113.804000"
        assert page.input_value("#intake-lat") == "22.504000"
        assert page.locator("#intake-map path.pin").count() == 1
        page.wait_for_selector(".suggested-unit:text('Haibin grid 1')", timeout=WAIT_MS)

        page.fill('input[name="caller_name"]', "Mr Chen")
        page.fill('input[name="caller_phone"]', "+86 138 0000 1234")
        page.set_input_files('input[name="photo"]', str(photo))
        page.screenshot(path="/tmp/linli-intake.png", full_page=True)
        page.click('#intake-form button[type="submit"]')
        page.wait_for_url(f"{base}/cases/*")
        case_url = page.url
        assert page.inner_text(".case-status") == "Reported"
        assert "Hotline" in page.inner_text(".facts")
        assert page.locator(".thumbs img").count() == 1

        page.click('nav a[href="/triage"]')
        page.wait_for_url(f"{base}/triage")
        case_id = case_url.rsplit("/", 1)[1]
        card = f'.triage-card[data-case-id="{case_id}"]'
        assert "Rubbish bin overflowing next to block 12" in page.inner_text(card)
        assert page.inner_text(f"{card} .suggested-unit") == "Haibin grid 1"
        page.click(f'{card} form[data-action="register"] button')
        page.wait_for_selector(card, state="detached", timeout=WAIT_MS)

        page.click('nav a[href="/dispatch"]')
        page.wait_for_url(f"{base}/dispatch")
        board_card = f'.board-card[data-case-id="{case_id}"]'
        assert page.locator(f'[data-column="to_dispatch"] {board_card}').count() == 1
        page.select_option(f"{board_card} select[name=unit_id]", label="Haibin grid 1")
        page.fill(f"{board_card} input[name=note]", "Please empty it today")
        page.click(f"{board_card} .dispatch-form button")
        page.wait_for_selector(f'[data-column="dispatched"] {board_card}', timeout=WAIT_MS)
        assert page.inner_text(f"{board_card} .assigned-unit") == "Haibin grid 1"
        page.screenshot(path="/tmp/linli-dispatch-board.png", full_page=True)
        assert errors == []
    finally:
        context.close()


def test_resident_reports_from_a_phone_and_gets_the_status_page(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    base = server["base"]
    photo = tmp_path / "pile.png"
    photo.write_bytes(tiny_png())
    lon, lat = FAR_FROM_ANY_CASE
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    before = case_count(server)
    try:
        for lang, heading in (("ta", "சிக்கலைப் புகாரளிக்கவும்"), ("zh_Hans", "报告问题")):
            page.goto(f"{base}/report?lang={lang}")
            assert page.inner_text("h1") == heading
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.goto(f"{base}/report?lang=ms")
        assert page.inner_text("h1") == "Laporkan masalah"
        page.click('.languages a[hreflang="en"]')
        page.wait_for_url(f"{base}/report?lang=en")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.fill('textarea[name="text"]', "Rubbish bags piled up at the void deck")
        page.select_option('select[name="category_code"]', "env.waste")
        page.set_input_files('input[name="photo"]', str(photo))
        page.tap("#locate-me")
        wait_until(
            page, "() => document.getElementById('report-lon').value !== ''", timeout=WAIT_MS
        )
        assert float(page.input_value("#report-lat")) == pytest.approx(lat)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path="/tmp/linli-report.png", full_page=True)
        # Two quick taps on the button: one report.
        page.dblclick('#report-form button[type="submit"]')
        page.wait_for_url(f"{base}/report/status/*", timeout=WAIT_MS)
        assert "We received your report" in page.inner_text("#journey")
        assert page.inner_text(".status-now") == "Received"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path="/tmp/linli-report-status.png", full_page=True)
        assert case_count(server) == before + 1
        assert errors == []
    finally:
        context.close()


def test_the_dispatch_board_in_chinese(server: dict[str, Any], browser: Any) -> None:
    base = server["base"]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, base, server["chinese_operator"], server["password"], "/dispatch")
        assert page.get_attribute("html", "lang") == "zh-Hans"
        assert page.inner_text("h1") == "派遣看板"
        titles = page.locator(".board-column h2").all_inner_texts()
        assert [t.split()[0] for t in titles] == ["待派遣", "已派遣", "已签收", "处置中", "已处置"]
        nav = page.inner_text("nav.nav")
        assert "督办" in nav and "案件上报" in nav and "分拨" in nav
        page.screenshot(path="/tmp/linli-dispatch-zh.png", full_page=True)
    finally:
        context.close()


def test_a_resident_joins_the_same_problem_instead_of_a_new_case(
    server: dict[str, Any], browser: Any
) -> None:
    base = server["base"]
    lon, lat = BESIDE_THE_SCHOOL
    first = httpx.post(
        f"{base}/api/public/reports",
        data={
            "text": "Rubbish bags dumped beside the school gate",
            "category_code": "env.waste",
            "lon": str(lon),
            "lat": str(lat),
        },
        headers={"Idempotency-Key": "browser-first-report"},
        timeout=10,
    )
    assert first.status_code == 201, first.text
    ref = first.json()["ref"]
    before = case_count(server)
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{base}/report?lang=en")
        page.fill('textarea[name="text"]', "Rubbish bags dumped at the school gate")
        page.select_option('select[name="category_code"]', "env.waste")
        page.tap("#locate-me")
        wait_until(page, "() => document.getElementById('report-lon').value !== ''")
        page.tap('#report-form button[type="submit"]')
        join = page.wait_for_selector(f'#similar button.me-too[data-ref="{ref}"]', timeout=WAIT_MS)
        assert ref in page.inner_text("#similar-list")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        join.tap()
        page.wait_for_url(f"{base}/report/status/*", timeout=WAIT_MS)
        assert ref in page.inner_text("h1")
        assert case_count(server) == before  # joined, not a new case
        assert errors == []
    finally:
        context.close()


def test_a_grid_worker_files_a_patrol_report_on_a_phone(
    server: dict[str, Any], browser: Any
) -> None:
    base = server["base"]
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        sign_in(page, base, server["worker"], server["password"], "/intake")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.check('input[name="source"][value="patrol"]')
        page.fill("#intake-text", "Litter piled up behind block 12")
        page.select_option("#intake-category", "env.waste")
        page.fill("#intake-lon", "113.805")
        page.fill("#intake-lat", "22.505")
        page.tap('#intake-form button[type="submit"]')
        page.wait_for_url(f"{base}/cases/*")
        assert "Patrol" in page.inner_text(".facts")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
