"""The resident's category picker in a real browser: about 300 kinds grouped under their ~20
major groups, narrowed as the resident types, in their language; without the script it is a
plain grouped select."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_site import chromium, served_site

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
WAIT_MS = 5000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with served_site(tmp_path_factory.mktemp("picker"), HERE / "seed_catalogue_site.py") as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _options(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("#category-select option[value]:not([value=''])",
                                          "els => els.map(e => e.value)"))  # fmt: skip


def _groups(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all("#category-select optgroup", "els => els.map(e => e.label)")
    )


def test_the_picker_is_grouped_and_search_narrows_it(server: dict[str, Any], browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ms-MY")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{server['base']}/report?lang=ms")
        groups = _groups(page)
        assert 15 <= len(groups) <= 25 and "Perumahan dan estet" in groups, groups
        everything = _options(page)
        assert len(everything) >= 300
        assert page.is_visible("#category-search"), "the search box shows once the script runs"

        page.fill("#category-search", "lif")
        page.wait_for_function(
            "document.querySelectorAll('#category-select option[value]').length < 40",
            timeout=WAIT_MS,
        )
        narrowed = _options(page)
        assert "housing.lift_breakdown" in narrowed and "roads.pothole" not in narrowed
        assert 0 < len(narrowed) < len(everything)
        assert all(g in groups for g in _groups(page)), "only groups with a match stay"
        assert page.inner_text("#category-count").startswith(str(len(narrowed)))

        page.fill("#category-search", "lif rosak")  # every word must match
        page.wait_for_function(
            "document.querySelectorAll('#category-select option[value]').length"
            f" < {len(narrowed) + 1}",
            timeout=WAIT_MS,
        )
        assert "housing.lift_breakdown" in _options(page)

        page.fill("#category-search", "")
        page.wait_for_function(
            "document.querySelectorAll('#category-select option[value]').length"
            f" > {len(everything)}",
            timeout=WAIT_MS,
        )
        assert _options(page) == everything and _groups(page) == groups
        assert errors == []
    finally:
        context.close()


def test_without_the_script_it_is_a_plain_grouped_select(
    server: dict[str, Any], browser: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server['base']}/report?lang=ta")
        assert not page.is_visible("#category-search"), "no search box that cannot work"
        groups = _groups(page)
        assert 15 <= len(groups) <= 25 and "வீட்டுவசதி மற்றும் குடியிருப்பு" in groups
        assert len(_options(page)) >= 300
        page.select_option("#category-select", "housing.lift_breakdown")
        assert page.eval_on_selector("#category-select", "s => s.value") == "housing.lift_breakdown"
    finally:
        context.close()
