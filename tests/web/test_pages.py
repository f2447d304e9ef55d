"""Who may open which page, and what the command centre's frame carries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from linli.web.pages import STATIC_DIR
from login_form import post_login

MakeStaff = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[str]]


@pytest.mark.parametrize("path", ["/", "/workbench", "/cases/0190a5a0-0000-7000-8000-000000000000"])
async def test_signed_out_browser_is_sent_to_login(client: httpx.AsyncClient, path: str) -> None:
    res = await client.get(path)
    assert res.status_code == 303
    assert res.headers["location"] == f"/login?next={path}"


async def test_operator_sees_the_command_centre(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street, display_name="Olivia Tan")
    token = await signed_in("olivia")
    res = await client.get("/")
    assert res.status_code == 200
    html = res.text
    assert "Olivia Tan" in html
    assert f'<meta name="csrf-token" content="{token}">' in html
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in html
    assert 'id="map"' in html and "/static/vendor/leaflet/leaflet.js" in html
    assert 'data-base-url="/api/map/base"' in html and "/static/maps.js" in html
    assert 'data-stream-url="/api/events/stream"' in html
    assert 'data-tile-url=""' in html  # no tile source configured: no network at all
    assert 'id="alarm-list"' in html and 'id="case-list"' in html
    assert 'action="/logout"' in html and f'name="csrf_token" value="{token}"' in html
    # An operator does not handle cases, so the workbench is not offered.
    assert 'href="/workbench"' not in html


async def test_staff_without_the_permission_get_403(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn
) -> None:
    await staff("olivia", role="operator", unit=site.street)
    await signed_in("olivia")
    res = await client.get("/workbench")
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == "forbidden"


async def test_account_without_any_role_cannot_watch(
    client: httpx.AsyncClient, site: Any, staff: MakeStaff, signed_in: SignIn, password: str
) -> None:
    await staff("newbie", role=None, unit=None)
    res = await post_login(client, {"username": "newbie", "password": password})
    assert res.status_code == 303
    res = await client.get("/")
    assert res.status_code == 403
    assert res.json()["detail"] == "you lack 'alarms:read'"


async def test_static_files_are_served_and_confined(client: httpx.AsyncClient) -> None:
    css = await client.get("/static/linli.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    js = await client.get("/static/linli.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    for bad in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/nothing.css"):
        res = await client.get(bad)
        assert res.status_code == 404, bad


@pytest.mark.skipif(
    not (STATIC_DIR / "vendor" / "htmx.min.js").exists(), reason="run `make assets` first"
)
async def test_vendored_libraries_are_served(client: httpx.AsyncClient) -> None:
    for path in (
        "/static/vendor/htmx.min.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
    ):
        res = await client.get(path)
        assert res.status_code == 200, path
