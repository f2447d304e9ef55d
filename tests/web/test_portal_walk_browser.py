"""Every resident page, one portal, in headless Chromium on a 375 px phone: each GET page whose
rule is the residents' page rule (found in the app's routes, so a new page is walked too) and the
public resident pages, in English and in 简体中文 (the portal home also in Malay and Tamil) —
axe-core finds nothing serious, nothing scrolls sideways at 200 % text, every `/my` page has the
portal's navigation with its section marked, the resident's large-text and high-contrast
preferences, and a Chinese page keeps no English in its frame or its title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_offline_browser import AXE, RESIDENT_PAGES, _axe

from browser_site import chromium, served_site
from linli.residents.deps import RESIDENT, RESIDENT_COOKIE
from linli.web.app import create_app, iter_routes, route_rules

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
WIDTH = 375
PHONE = {"viewport": {"width": WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}
HTML_LANG = {"en": "en", "zh_Hans": "zh-Hans", "ms": "ms", "ta": "ta"}
# Parameters of the resident pages: which seeded thing fills each (per resident for their own).
VALUES = {
    "notice_id": "notice_id",
    "facility_id": "facility_id",
    "survey_id": "survey_id",
    "meeting_id": "meeting_id",
    "ref": "ref",
}
SECTIONS = ("/my/reports", "/my/notices", "/my/bookings", "/my/proposals", "/my/budgets",
            "/my/surveys", "/my/meetings", "/my/household")  # fmt: skip


def resident_pages() -> list[str]:
    """Return the path templates of every resident page: GET routes under the residents' page
    rule, and the public pages residents read."""
    paths = {
        route.path
        for route in iter_routes(create_app())
        if "GET" in (route.methods or ())
        and any(rule.page and rule.permission == RESIDENT for rule in route_rules(route))
    }
    return sorted(paths | set(RESIDENT_PAGES) - {"/report/status/{token}"})


def fill(template: str, site: dict[str, Any], locale: str) -> str:
    """Put the seeded ids into a page's path template; fail on a parameter nobody seeded."""

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name == "report_id":
            return str(site["reports"][locale])
        if name == "vote_id":
            return str(site["results_id" if template.startswith("/votes") else "budget_id"])
        assert name in VALUES, f"{template}: seed something for {{{name}}} in seed_walk_site"
        return str(site[VALUES[name]])

    return re.sub(r"\{(\w+)\}", value, template)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("walk"), HERE / "seed_walk_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Walk:
    """One resident's browser: visit a page and note what is wrong with it."""

    def __init__(self, browser: Any, base: str, cookie: str, locale: str) -> None:
        self.context = browser.new_context(
            **PHONE, locale="zh-CN" if locale == "zh_Hans" else "en-GB"
        )
        self.context.add_cookies([{"name": RESIDENT_COOKIE, "value": cookie, "url": base}])
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.titles: dict[str, str] = {}

    def visit(self, path: str, lang: str, *, template: str, preferences: bool) -> None:
        page, where = self.page, f"{path} [{lang}]"
        response = page.goto(self.base + path)
        if response is None or response.status >= 400:
            self.problems.append(f"{where}: status {response.status if response else None}")
            return
        if page.get_attribute("html", "lang") != HTML_LANG[lang]:
            self.problems.append(f"{where}: html lang {page.get_attribute('html', 'lang')}")
        if AXE.exists():
            self.problems += [f"{where}: {v}" for v in _axe(page, serious=True)]
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > WIDTH:
            self.problems.append(f"{where}: {wide}px wide at 200 % text")
        page.evaluate("document.documentElement.style.fontSize = ''")
        self.titles[template] = page.title()
        if not path.startswith("/my"):
            return
        self._portal(path, where, lang, preferences)

    def _portal(self, path: str, where: str, lang: str, preferences: bool) -> None:
        page = self.page
        nav = page.query_selector("nav.portal-nav")
        if nav is None:
            self.problems.append(f"{where}: no portal navigation")
            return
        links = [a.get_attribute("href") for a in nav.query_selector_all("a")]
        if not {"/my", "/my/preferences", *SECTIONS} <= set(links):
            self.problems.append(f"{where}: the navigation links only {links}")
        current = [a.get_attribute("href") for a in nav.query_selector_all("a[aria-current]")]
        path = path.split("?")[0]
        section = next((s for s in SECTIONS if path == s or path.startswith(s + "/")), path)
        if current != [section]:
            self.problems.append(f"{where}: the navigation marks {current}, not {section}")
        classes = (page.get_attribute("body", "class") or "").split()
        wanted = {"portal-large", "portal-contrast"}
        if preferences and not wanted <= set(classes):
            self.problems.append(f"{where}: preferences not applied, body class {classes}")
        if not preferences and wanted & set(classes):
            self.problems.append(f"{where}: preferences the resident did not ask for: {classes}")
        if lang == "zh_Hans":
            frame = nav.inner_text() + " " + page.inner_text("header")
            english = re.findall(r"[A-Za-z]{3,}", frame.replace("Linli", ""))
            if [w for w in english if w not in ("English", "Bahasa", "Melayu")]:
                self.problems.append(f"{where}: English in the portal's frame: {english}")


def test_the_walk_covers_every_resident_page() -> None:
    pages = resident_pages()
    assert {"/my", "/my/notices/{notice_id}", "/my/bookings/facilities/{facility_id}",
            "/my/budgets/{vote_id}", "/my/surveys/{survey_id}", "/my/meetings",
            "/my/proposals/{ref}", "/my/reports/{report_id}", "/votes/{vote_id}/results",
            "/meetings/{meeting_id}/live"} <= set(pages)  # fmt: skip
    assert "/my/sign-in" not in pages and "/workbench" not in pages


def test_every_resident_page_is_one_accessible_portal(server: dict[str, Any], browser: Any) -> None:
    pages = resident_pages()
    problems: list[str] = []
    titles: dict[str, dict[str, str]] = {}
    for locale in ("en", "zh_Hans"):
        walk = Walk(browser, server["base"], server["cookies"][locale], locale)
        try:
            for template in pages:
                walk.visit(
                    fill(template, server, locale), locale,
                    template=template, preferences=locale == "en",
                )  # fmt: skip
            if locale == "en":
                for other in ("ms", "ta"):
                    walk.visit(
                        f"/my?lang={other}", other, template=f"/my?lang={other}", preferences=True
                    )
        finally:
            walk.context.close()
        problems += walk.problems
        titles[locale] = walk.titles
    assert problems == [], "\n".join(problems)
    # A page's own title is in the resident's language (pages named by their content aside).
    fixed = [t for t in pages if "{" not in t]
    same = [t for t in fixed if titles["en"][t] == titles["zh_Hans"][t]]
    assert same == [], f"titles left in English on Chinese pages: {same}"
