"""Pages speak the staff member's language; every catalogue is present and well formed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po

from linli.core import i18n
from login_form import post_login

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]


async def test_login_page_in_simplified_chinese(client: httpx.AsyncClient) -> None:
    res = await client.get("/login", params={"lang": "zh_Hans"})
    assert res.status_code == 200
    assert '<html lang="zh-Hans">' in res.text
    assert "登录" in res.text
    assert "用户名" in res.text and "密码" in res.text
    assert res.headers["content-language"] == "zh-Hans"


async def test_browser_language_is_used_when_nothing_else_says(
    client: httpx.AsyncClient,
) -> None:
    res = await client.get("/login", headers={"Accept-Language": "fr-FR, zh-CN;q=0.8, en;q=0.5"})
    assert '<html lang="zh-Hans">' in res.text
    assert "登录" in res.text
    res = await client.get("/login", headers={"Accept-Language": "ms-MY,ms;q=0.9"})
    assert '<html lang="ms">' in res.text


async def test_query_parameter_beats_the_browser(client: httpx.AsyncClient) -> None:
    res = await client.get("/login?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in res.text
    assert "Sign in" in res.text and "登录" not in res.text


async def test_failed_login_stays_in_the_chosen_language(client: httpx.AsyncClient) -> None:
    res = await post_login(
        client, {"username": "nobody", "password": "whatever-it-is"}, url="/login?lang=zh_Hans"
    )
    assert res.status_code == 401
    assert "用户名或密码错误" in res.text


async def test_staff_members_own_language_wins(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("wang", role="operator", unit=site.street, locale="zh_Hans")
    await signed_in("wang")
    res = await client.get("/?lang=en", headers={"Accept-Language": "en"})
    assert res.status_code == 200
    assert '<html lang="zh-Hans">' in res.text
    assert "指挥中心" in res.text and "退出登录" in res.text


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"account_locale": "ms", "requested": "zh", "accept_language": "ta"}, "ms"),
        ({"account_locale": None, "requested": "zh-Hans", "accept_language": "ta"}, "zh_Hans"),
        ({"requested": "xx", "accept_language": "de, ta;q=0.5, en;q=0.4"}, "ta"),
        ({"accept_language": "en;q=0.1, zh-SG;q=0.9"}, "zh_Hans"),
        ({"accept_language": "de, fr;q=0.5"}, "en"),
        ({"accept_language": "zh;q=0, ms"}, "ms"),
        ({"default": "zh_Hans"}, "zh_Hans"),
    ],
)
def test_choose_locale_order(kwargs: dict[str, Any], expected: str) -> None:
    assert i18n.choose_locale(**kwargs) == expected


@pytest.mark.parametrize("locale", i18n.SUPPORTED)
def test_catalogue_is_present_with_its_header(locale: str) -> None:
    path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "linli.po"
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    assert str(catalog.locale) == locale
    header = dict(catalog.mime_headers)
    assert header["Language"] == locale
    assert header["Content-Type"] == "text/plain; charset=utf-8"
    assert "nplurals=" in header["Plural-Forms"]
    template = i18n.LOCALE_DIR / "linli.pot"
    with template.open("rb") as fp:
        expected = {m.id for m in read_po(fp) if m.id}
    assert {m.id for m in catalog if m.id} == expected  # the catalogue follows the template


def test_english_is_complete_and_chinese_covers_navigation_and_login() -> None:
    def untranslated(locale: str) -> set[str]:
        path = i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "linli.po"
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=locale)
        return {str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)}

    assert untranslated("en") == set()
    essential = {
        "Sign in",
        "Sign out",
        "Username",
        "Password",
        "Wrong username or password.",
        "Command centre",
        "Workbench",
        "Main navigation",
    }
    assert not essential & untranslated("zh_Hans")
    zh = i18n.translations("zh_Hans")
    assert zh.gettext("Sign in") == "登录"
