"""The sign-in form under attack: failures hold back the attacker's address, with a growing
Retry-After, while the real user signs in from theirs; a form posted without its CSRF token (or
with somebody else's) is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from linli.core.clock import ManualClock
from linli.core.settings import get_settings
from linli.security.deps import SESSION_COOKIE
from login_form import login_token, post_login

ATTACKER = {"X-Forwarded-For": "203.0.113.66"}
USER = {"X-Forwarded-For": "198.51.100.7"}


@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The site runs behind a reverse proxy on loopback (the in-process client's address)."""
    monkeypatch.setenv("LINLI_TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


async def _attempt(client: httpx.AsyncClient, password: str, headers: dict[str, str]) -> Any:
    client.cookies.clear()
    return await post_login(client, {"username": "olivia", "password": password}, headers=headers)


async def test_the_attacker_waits_longer_and_longer_while_the_user_signs_in(
    client: httpx.AsyncClient,
    site: Any,
    staff: Any,
    password: str,
    clock: ManualClock,
    behind_proxy: None,
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    for _ in range(5):
        assert (await _attempt(client, "guess-guess", ATTACKER)).status_code == 401
    waits = []
    for _ in range(3):
        refused = await _attempt(client, "guess-again", ATTACKER)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("text/html")
        assert "Too many failed sign-ins" in refused.text
        waits.append(int(refused.headers["retry-after"]))
        # Even the right password is refused from there while it waits…
        assert (await _attempt(client, password, ATTACKER)).status_code == 429
        # …but the real user, elsewhere, signs in at once.
        ok = await _attempt(client, password, USER)
        assert ok.status_code == 303 and SESSION_COOKIE in ok.headers["set-cookie"]
        clock.advance(timedelta(seconds=waits[-1]))
        assert (await _attempt(client, "guess-more", ATTACKER)).status_code == 401
    assert waits[0] > 0 and waits[1] == 2 * waits[0] and waits[2] == 2 * waits[1]


async def test_the_json_login_answers_429_problem_with_retry_after(
    client: httpx.AsyncClient, site: Any, staff: Any, password: str, behind_proxy: None
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    body = {"username": "olivia", "password": "nope-nope"}
    for _ in range(5):
        res = await client.post("/api/auth/login", json=body, headers=ATTACKER)
        assert res.status_code == 401
    res = await client.post("/api/auth/login", json=body, headers=ATTACKER)
    assert res.status_code == 429
    assert res.headers["content-type"].startswith("application/problem+json")
    assert int(res.headers["retry-after"]) == res.json()["retry_after"] > 0
    good = {"username": "olivia", "password": password}
    assert (await client.post("/api/auth/login", json=good, headers=USER)).status_code == 200


async def test_forwarded_headers_from_an_untrusted_peer_do_not_split_the_count(
    client: httpx.AsyncClient, site: Any, staff: Any
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    for i in range(5):
        res = await _attempt(client, "guess-guess", {"X-Forwarded-For": f"203.0.113.{i}"})
        assert res.status_code == 401
    res = await _attempt(client, "guess-guess", {"X-Forwarded-For": "203.0.113.99"})
    assert res.status_code == 429  # one peer, however it rotates the header


@pytest.mark.parametrize("token", [None, "", "0" * 64, "forged"])
async def test_a_login_form_without_its_token_is_refused(
    client: httpx.AsyncClient, site: Any, staff: Any, password: str, token: str | None
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await login_token(client)  # the browser has the form's cookie
    data = {"username": "olivia", "password": password}
    if token is not None:
        data["csrf_token"] = token
    res = await client.post("/login", data=data)
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("text/html")
    assert "This sign-in form has expired" in res.text
    assert SESSION_COOKIE not in res.headers.get("set-cookie", "")


async def test_a_token_from_another_browser_is_refused(
    client: httpx.AsyncClient, site: Any, staff: Any, password: str
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    attackers = await login_token(client)  # the attacker's own form and cookie…
    client.cookies.clear()
    await login_token(client)  # …then the victim's browser opens the form
    data = {"username": "olivia", "password": password, "csrf_token": attackers}
    assert (await client.post("/login", data=data)).status_code == 403
    client.cookies.clear()  # no cookie at all
    assert (await client.post("/login", data=data)).status_code == 403
