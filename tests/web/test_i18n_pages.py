"""Every staff page speaks Chinese; the resident pages speak all four languages.

The catalogue check reads the templates themselves, so a new English string in any template
fails here until it has its 简体中文 translation (and, on the resident pages, Malay and Tamil).
The rendering check opens every signed-in page with `?lang=zh_Hans` and fails if any piece of
text on it is still an English phrase of the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from linli.cases import service as cases_service
from linli.core import i18n
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.org import service as org_service
from linli.residents.deps import ResidentRule
from linli.security.deps import Rule
from linli.web.app import create_app, iter_routes, route_rules

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]
WEB = Path(i18n.LOCALE_DIR).parent / "web"
RESIDENT_TEMPLATES = {
    "report.html",
    "report_status.html",
    "report_missing.html",
    "_resident_header.html",
    "error.html",  # a resident may meet it too
}
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def catalogue(locale: str) -> Catalog:
    path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "linli.po"
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def template_messages() -> dict[str, set[str]]:
    """Return, per template file name, the msgids its `_()`/`ngettext()` calls use."""
    found: dict[str, set[str]] = {}
    for filename, _, message, _, _ in extract_from_dir(
        str(WEB),
        method_map=[("templates/**.html", "jinja2")],
        options_map={"templates/**.html": JINJA},
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(Path(filename).name, set()).add(msgid)
    return found


def untranslated(locale: str) -> set[str]:
    return {
        str(m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue(locale)
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    }


def test_every_template_string_has_its_chinese_translation() -> None:
    used = template_messages()
    assert {"dispatch_board.html", "triage_queue.html", "intake.html", "base.html"} <= set(used)
    missing = {name: sorted(ids & untranslated("zh_Hans")) for name, ids in used.items()}
    assert {name: ids for name, ids in missing.items() if ids} == {}


@pytest.mark.parametrize("locale", ["ms", "ta"])
def test_resident_pages_are_complete_in_malay_and_tamil(locale: str) -> None:
    used = template_messages()
    resident = set().union(*(used[name] for name in RESIDENT_TEMPLATES))
    assert "Report a problem" in resident
    assert sorted(resident & untranslated(locale)) == []


def test_governance_words_are_the_grid_governance_ones() -> None:
    zh = i18n.translations("zh_Hans")
    expected = {
        "Register": "立案",
        "Dispatch": "派遣",
        "Handle": "处置",
        "Verify": "核查",
        "Close": "结案",
        "Supervision": "督办",
        "Overdue": "超期",
        "Arbitrate": "仲裁",
    }
    assert {en: zh.gettext(en) for en in expected} == expected


class _Text(HTMLParser):
    """Collect the visible text pieces and the labels (placeholder, aria-label) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title") and value:
                self.pieces.add(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.pieces.add(re.sub(r"\s+", " ", data.strip()))


def english_phrases() -> set[str]:
    """Return the catalogue's English phrases that would show as a whole piece of text."""
    return {
        str(m.id)
        for m in catalogue("en")
        if m.id and isinstance(m.id, str) and "%" not in m.id and re.search("[A-Za-z]{2}", m.id)
    }


def page_routes() -> list[str]:
    """Return the paths of every staff page without path parameters (residents' pages have
    their own rule, which staff credentials do not open)."""
    paths = []
    for route in iter_routes(create_app()):
        rules = route_rules(route)
        methods = getattr(route.route, "methods", set()) or set()
        path = getattr(route.route, "path", "")
        # Staff pages only: resident pages (`ResidentRule`) open with a resident's session.
        if (
            "GET" in methods
            and "{" not in path
            and any(isinstance(r, Rule) and r.page for r in rules)
        ):
            paths.append(path)
    # Staff pages here; the resident portal's pages are read in Chinese by tests/web/test_portal*.
    assert all(
        isinstance(r, Rule | ResidentRule)
        for route in iter_routes(create_app())
        for r in route_rules(route)
    )
    return sorted(set(paths))


async def test_every_staff_page_renders_in_chinese(
    client: httpx.AsyncClient,
    site: Any,
    staff: MakeStaff,
    signed_in: SignIn,
    clock: ManualClock,
) -> None:
    async with session_scope() as session:
        await cases_service.upsert_category(
            session, code="env.waste", name="Waste", name_zh="垃圾", step_limits={"register": 60}
        )
        await org_service.set_route(
            session, category_code="env.waste", scope=site.district, target=site.grid_a
        )
        late = await cases_service.report_case(
            session,
            actor="hotline",
            category_code="env.waste",
            title="满溢的垃圾桶",
            lon=113.81,
            lat=22.51,
            source="hotline",
        )
        await cases_service.report_case(
            session,
            actor="hotline",
            category_code="env.waste",
            title="垃圾堆放",
            lon=113.811,
            lat=22.511,
            source="hotline",
        )
    async with session_scope() as session:
        clock.advance(timedelta(hours=2))
        await cases_service.escalate_overdue(session)
    await staff("zhang", role="admin", unit=site.district, locale="zh_Hans")
    await signed_in("zhang")
    english = english_phrases()
    paths = page_routes()
    assert {"/", "/intake", "/triage", "/dispatch", "/supervision"} <= set(paths)
    checked: dict[str, set[str]] = {}
    for path in [*paths, f"/cases/{late.id}"]:
        res = await client.get(path, params={"lang": "zh_Hans"})
        if res.status_code != 200:
            continue  # a page that needs a query (covered by its own tests)
        parser = _Text()
        parser.feed(res.text)
        checked[path] = parser.pieces & english
    assert {"/dispatch", "/triage", "/supervision", "/intake", f"/cases/{late.id}"} <= set(checked)
    assert {path: sorted(left) for path, left in checked.items() if left} == {}
