"""A browser that opens a page and meets an error gets a page in its language with a way on;
JSON clients (the API, scripts, the pages' own fetch and HTMX calls) keep problem+json."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from linli.core.clock import ManualClock
from linli.core.settings import get_settings
from linli.web.app import create_app
from login_form import login_token

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]
# What Chromium sends when it navigates or posts a form.
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
}


def is_page(res: httpx.Response) -> bool:
    return res.headers["content-type"].startswith("text/html")


def is_problem(res: httpx.Response) -> bool:
    return res.headers["content-type"].startswith("application/problem+json")


async def test_staff_without_the_right_get_a_page_with_ways_on(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street, display_name="Olivia Tan")
    token = await signed_in("olivia")
    for path in ("/workbench", "/rules/new"):
        res = await client.get(path, headers=BROWSER)
        assert res.status_code == 403 and is_page(res), path
        html = res.text
        assert "<h1>You cannot open this page</h1>" in html
        assert "ask your administrator" in html
        # Still signed in: the staff navigation, the way back and a way to switch account.
        assert "Olivia Tan" in html and 'class="nav"' in html
        assert '<a href="/">Back to the command centre</a>' in html
        assert f'name="csrf_token" value="{token}"' in html
        assert f'<input type="hidden" name="next" value="{path}">' in html
        assert "Sign in as someone else" in html
        assert "you lack" not in html  # the internal reason stays out of the page
    # A program asking the same gets the problem, as before.
    api = await client.get("/workbench", headers={"Accept": "application/json"})
    assert api.status_code == 403 and is_problem(api) and api.json()["code"] == "forbidden"


async def test_sign_in_as_someone_else_comes_back_to_the_page(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    token = await signed_in("olivia")
    res = await client.post("/logout", data={"csrf_token": token, "next": "/workbench"})
    assert res.status_code == 303
    assert res.headers["location"] == "/login?next=/workbench"
    assert (await client.get("/")).status_code == 303  # signed out
    foreign = await client.post("/logout", data={"next": "//elsewhere.example/x"})
    assert foreign.headers["location"] == "/login?next=/"


async def test_the_error_page_speaks_the_staff_members_language(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("zhang", role="grid_worker", unit=site.community_a, locale="zh_Hans")
    await signed_in("zhang", next_page="/workbench")
    res = await client.get("/rules/new", headers={**BROWSER, "Accept-Language": "en"})
    assert res.status_code == 403 and is_page(res)
    assert res.headers["content-language"] == "zh-Hans"
    assert "<h1>您无权打开此页面</h1>" in res.text and "返回指挥中心" in res.text


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("ms", "Halaman tidak dijumpai"),
        ("ta", "பக்கம் கிடைக்கவில்லை"),
        ("zh-CN", "找不到页面"),
        ("en", "Page not found"),
    ],
)
async def test_unknown_paths_get_the_not_found_page_in_the_browsers_language(
    client: httpx.AsyncClient, language: str, heading: str
) -> None:
    res = await client.get("/no-such-page", headers={**BROWSER, "Accept-Language": language})
    assert res.status_code == 404 and is_page(res)
    assert f"<h1>{heading}</h1>" in res.text
    # Signed out: the start page and the resident's report form are the ways on.
    assert 'href="/"' in res.text and 'href="/report?lang=' in res.text
    assert 'href="/no-such-page?lang=ta"' in res.text  # the language switch
    assert "content-security-policy" in res.headers


async def test_signed_in_staff_keep_their_language_and_menu_on_an_unknown_path(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("zhang", role="operator", unit=site.street, locale="zh_Hans")
    await signed_in("zhang")
    res = await client.get("/dispach", headers=BROWSER)  # a typo
    assert res.status_code == 404 and is_page(res)
    assert "<h1>找不到页面</h1>" in res.text
    assert 'href="/dispatch"' in res.text  # the staff menu
    assert '<a href="/">返回指挥中心</a>' in res.text
    assert "/report?lang=" not in res.text  # the residents' way on is not theirs


async def test_programs_keep_problem_json(client: httpx.AsyncClient) -> None:
    for path, headers in (
        ("/no-such-page", {}),  # no Accept at all: a script, not a browser
        ("/no-such-page", {"Accept": "application/json"}),
        ("/api/no-such-thing", BROWSER),  # the API never answers pages
        ("/open311/v2/nothing", BROWSER),
        ("/static/nothing.js", BROWSER),
        ("/no-such-page", {**BROWSER, "HX-Request": "true"}),  # an HTMX fragment request
    ):
        res = await client.get(path, headers=headers)
        assert res.status_code == 404 and is_problem(res), (path, headers)
    ingest = await client.post("/api/ingest", json={}, headers=BROWSER)
    assert 400 <= ingest.status_code < 500 and is_problem(ingest)


async def test_a_malformed_address_gets_the_invalid_page(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia")
    res = await client.get("/cases/not-a-case-id", headers=BROWSER)
    assert res.status_code == 422 and is_page(res)
    assert "Something in this request is not valid" in res.text
    assert "uuid" not in res.text.lower()


async def test_a_missing_case_gets_the_not_found_page(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia")
    res = await client.get("/cases/0190a5a0-0000-7000-8000-000000000000", headers=BROWSER)
    assert res.status_code == 404 and is_page(res)
    assert "<h1>Page not found</h1>" in res.text
    assert '<a href="/">Back to the command centre</a>' in res.text


async def test_a_form_posted_without_its_token_says_it_has_expired(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia")
    res = await client.post("/inbox/read-all", data={"csrf_token": "stale"}, headers=BROWSER)
    assert res.status_code == 403 and is_page(res)
    assert "This form has expired" in res.text


@pytest.fixture
def tight_backstop(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LINLI_PUBLIC_WRITE_BURST", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def test_too_many_sign_in_posts_get_a_page_with_the_wait(
    db: str, tight_backstop: None, clock: ManualClock
) -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as browser:
        token = await login_token(browser)
        form = {"username": "nobody", "password": "wrong", "csrf_token": token}
        first = await browser.post("/login", data=form, headers=BROWSER)
        refused = await browser.post("/login", data=form, headers=BROWSER)
    assert first.status_code == 401 and is_page(first)  # the form, saying what was wrong
    assert refused.status_code == 429 and is_page(refused)
    assert int(refused.headers["retry-after"]) >= 1
    assert "<h1>Too many requests</h1>" in refused.text and "Please wait 1 min" in refused.text


@pytest.fixture
async def failing_app(db: str) -> AsyncIterator[FastAPI]:
    app = create_app()

    @app.get("/broken-page", include_in_schema=False)
    async def broken_page() -> None:
        raise RuntimeError("secret: connection string postgres://admin:hunter2@db")

    @app.get("/api/broken", include_in_schema=False)
    async def broken_api() -> None:
        raise RuntimeError("secret: connection string postgres://admin:hunter2@db")

    yield app


async def test_a_server_failure_never_shows_its_traceback(failing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as c:
        page = await c.get("/broken-page", headers={**BROWSER, "Accept-Language": "ms"})
        api = await c.get("/api/broken", headers=BROWSER)
    assert page.status_code == 500 and is_page(page)
    assert "Ada masalah di pihak kami" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert api.status_code == 500 and is_problem(api)
    assert api.json()["code"] == "internal_error"
    for res in (page, api):
        assert "hunter2" not in res.text and "Traceback" not in res.text
        assert "RuntimeError" not in res.text


async def test_the_favicon_is_served_and_linked(client: httpx.AsyncClient) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    assert (await client.get("/static/favicon.svg")).content == icon.content
    for path in ("/login", "/report", "/api/docs"):
        html = (await client.get(path)).text
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html, path
