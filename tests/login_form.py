"""Signing in through the login form as a browser does: its cookie and CSRF token first."""

from __future__ import annotations

import re
from typing import Any

import httpx

from linli.security.deps import SESSION_COOKIE

LOGIN_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def login_token(client: httpx.AsyncClient, url: str = "/login") -> str:
    """Open the login form (which sets its cookie) and return its CSRF token; a browser that
    is signed in already forgets its session first (the form would send it straight on)."""
    form = await client.get(url)
    if form.status_code in (302, 303):
        client.cookies.delete(SESSION_COOKIE)
        form = await client.get(url)
    found = LOGIN_TOKEN.search(form.text)
    assert found, form.text[:500]
    return found.group(1)


async def post_login(
    client: httpx.AsyncClient, data: dict[str, str], url: str = "/login", **kwargs: Any
) -> httpx.Response:
    """Post `data` to the login form with the form's CSRF token."""
    token = await login_token(client, url)
    return await client.post(url, data={"csrf_token": token, **data}, **kwargs)
