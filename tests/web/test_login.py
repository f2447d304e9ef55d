"""Signing in and out through the login page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from linli.core.clock import ManualClock
from linli.security.deps import SESSION_COOKIE
from login_form import post_login

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]


async def test_login_form_is_public_and_carries_next(
    client: httpx.AsyncClient, password: str
) -> None:
    res = await client.get("/login", params={"next": "/workbench"})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in res.text
    assert 'name="username"' in res.text and 'type="password"' in res.text
    assert 'name="next" value="/workbench"' in res.text


async def test_good_password_sets_a_safe_cookie_and_goes_to_next(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, password: str
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    res = await post_login(
        client, {"username": "olivia", "password": password, "next": "/workbench"}
    )
    assert res.status_code == 303
    assert res.headers["location"] == "/workbench"
    cookie = res.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    page = await client.get("/")
    assert page.status_code == 200
    assert "Olivia" in page.text


async def test_wrong_password_shows_the_form_again(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, password: str
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    res = await post_login(client, {"username": "olivia", "password": "not it at all", "next": "/"})
    assert res.status_code == 401
    assert "Wrong username or password." in res.text
    assert 'value="olivia"' in res.text  # the username is kept
    assert SESSION_COOKIE not in res.headers.get("set-cookie", "")
    assert (await client.get("/")).status_code == 303


async def test_unknown_user_gets_the_same_answer(
    client: httpx.AsyncClient, site: Any, password: str
) -> None:
    res = await post_login(client, {"username": "nobody", "password": password})
    assert res.status_code == 401
    assert "Wrong username or password." in res.text


async def test_repeated_failures_hold_this_address_back(
    client: httpx.AsyncClient, site: Any, clock: ManualClock, staff: MakeStaff, password: str
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    for _ in range(5):
        res = await post_login(client, {"username": "olivia", "password": "guess-guess"})
        assert res.status_code == 401
    res = await post_login(client, {"username": "olivia", "password": password})
    assert res.status_code == 429
    assert "Too many failed sign-ins" in res.text
    clock.advance(timedelta(seconds=int(res.headers["retry-after"])))
    res = await post_login(client, {"username": "olivia", "password": password})
    assert res.status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=1",
    ],
)
async def test_open_redirects_are_refused(
    client: httpx.AsyncClient, site: Any, target: str, staff: MakeStaff, password: str
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    res = await post_login(client, {"username": "olivia", "password": password, "next": target})
    assert res.status_code == 303
    assert res.headers["location"] == "/"


async def test_signed_in_browser_skips_the_form(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia")
    res = await client.get("/login", params={"next": "/cases"})
    assert res.status_code == 303
    assert res.headers["location"] == "/cases"


async def test_logout_without_csrf_token_is_refused(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia")
    res = await client.post("/logout")
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == "csrf_failed"
    assert (await client.get("/")).status_code == 200  # still signed in


async def test_api_post_with_cookie_but_no_csrf_token_is_refused(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    token = await signed_in("olivia")
    res = await client.post("/api/auth/logout")
    assert res.status_code == 403
    assert res.json()["code"] == "csrf_failed"
    res = await client.post("/api/auth/logout", headers={"X-CSRF-Token": token})
    assert res.status_code == 204


async def test_logout_with_token_ends_the_session(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    token = await signed_in("olivia")
    cookie = client.cookies.get(SESSION_COOKIE)
    res = await client.post("/logout", data={"csrf_token": token})
    assert res.status_code == 303
    assert res.headers["location"] == "/login"
    # The old cookie no longer opens anything, even if a browser kept it.
    client.cookies.set(SESSION_COOKIE, cookie or "")
    res = await client.get("/")
    assert res.status_code == 303
    assert res.headers["location"].startswith("/login")
