"""Every page carries the Content-Security-Policy and the other browser-security headers; HSTS
only when the session cookie is Secure; CSP violation reports are counted, junk refused."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from linli.core.settings import get_settings
from linli.security import csp, csp_api
from linli.web.app import create_app, iter_routes

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
REPORT = {
    "csp-report": {
        "document-uri": "http://linli.test/",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
    }
}


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    csp.reset()
    csp_api.throttle.reset()
    yield
    csp.reset()
    csp_api.throttle.reset()


def _page_paths() -> list[str]:
    """The web UI's GET pages that need no path parameter."""
    paths = []
    for route in iter_routes(create_app()):
        original = route.original_route
        if not isinstance(original, APIRoute) or "GET" not in (route.methods or ()):
            continue
        module = original.endpoint.__module__
        if (
            module.startswith("linli.web.")
            and "{" not in route.path_format
            and "/api/" not in route.path_format
        ):
            paths.append(route.path_format)
    return sorted(set(paths))


def _assert_page_headers(res: httpx.Response, path: str) -> None:
    policy = res.headers.get("content-security-policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in policy.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'", (path, policy)
    assert directives.get("style-src") == "style-src 'self'", (path, policy)
    assert directives.get("default-src") == "default-src 'self'", (path, policy)
    for name in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert name in directives.values(), (path, policy)
    assert directives.get("img-src") == "img-src 'self' data: blob:", (path, policy)
    assert directives.get("form-action") == "form-action 'self'"
    assert directives.get("report-uri") == f"report-uri {csp.REPORT_PATH}"
    for name, value in HEADERS.items():
        assert res.headers.get(name) == value, (path, name)
    assert "geolocation=(self)" in res.headers["permissions-policy"]
    assert "camera=(self)" in res.headers["permissions-policy"]
    assert "strict-transport-security" not in res.headers  # cookies are not Secure here


async def test_every_page_carries_the_policy_and_headers(
    client: httpx.AsyncClient, site: Any, staff: Any, signed_in: Any
) -> None:
    await staff("ada", role="admin", unit=site.district)
    html_pages = 0
    for path in ["/login", "/report", "SIGN IN", *_page_paths()]:
        if path == "SIGN IN":
            await signed_in("ada")
            continue
        res = await client.get(path)
        assert res.status_code < 500, path
        if res.headers.get("content-type", "").startswith("text/html"):
            _assert_page_headers(res, path)
            html_pages += 1
    assert html_pages >= 12
    # Anything else still gets the sniffing and framing protection, without a page policy.
    res = await client.get("/static/linli.js")
    assert res.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in res.headers
    assert (await client.get("/api/me")).headers["x-frame-options"] == "DENY"


async def test_the_api_docs_page_has_the_page_policy_and_loads_from_this_server(
    client: httpx.AsyncClient,
) -> None:
    res = await client.get("/api/docs")
    _assert_page_headers(res, "/api/docs")
    assert "<script>" not in res.text and "<style" not in res.text and "style=" not in res.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', res.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/api-docs.js" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources


async def test_error_pages_and_refused_bodies_carry_the_headers(client: httpx.AsyncClient) -> None:
    res = await client.get("/no-such-page")
    assert res.status_code == 404 and res.headers["x-content-type-options"] == "nosniff"
    big = "x" * (get_settings().max_request_bytes + 1)
    res = await client.post("/api/csp-reports", content=big)
    assert res.status_code == 413 and res.headers["x-frame-options"] == "DENY"


@pytest.fixture
async def secure_client(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("LINLI_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    try:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="https://linli.test") as c:
            yield c
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


async def test_hsts_when_cookies_are_secure(secure_client: httpx.AsyncClient) -> None:
    # Without Secure cookies there is none: see test_every_page_carries_the_policy_and_headers.
    res = await secure_client.get("/login")
    assert res.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "Secure" in res.headers["set-cookie"]
    res = await secure_client.get("/api/me")
    assert res.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_a_violation_report_is_counted_and_answered_204(client: httpx.AsyncClient) -> None:
    res = await client.post(
        "/api/csp-reports",
        content=json.dumps(REPORT),
        headers={"Content-Type": "application/csp-report"},
    )
    assert res.status_code == 204 and res.content == b""
    batch = [{"type": "csp-violation", "body": {"effectiveDirective": "style-src-attr"}}]
    res = await client.post(
        "/api/csp-reports",
        content=json.dumps(batch),
        headers={"Content-Type": "application/reports+json"},
    )
    assert res.status_code == 204
    assert csp.violations() == {"script-src-elem": 1, "style-src-attr": 1}


async def test_the_metrics_show_the_violations(
    client: httpx.AsyncClient, site: Any, staff: Any, token_for: Any
) -> None:
    account = await staff("ada", role="admin", unit=site.district)
    await client.post(
        "/api/csp-reports", json=REPORT, headers={"Content-Type": "application/csp-report"}
    )
    auth = {"Authorization": f"Bearer {await token_for(account)}"}
    text = (await client.get("/metrics", headers=auth)).text
    assert 'linli_csp_violations_total{directive="script-src-elem"} 1' in text


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"not json", "application/csp-report", 422),
        (b"{}", "application/csp-report", 422),
        (b'{"csp-report": "x"}', "application/csp-report", 422),
        (b"[]", "application/reports+json", 422),
        (b'[{"type": "intervention", "body": {}}]', "application/reports+json", 422),
        (b"[" * 5000 + b"]" * 5000, "application/json", 422),
        (b"\xff\xfe\x00", "application/csp-report", 422),
        (json.dumps(REPORT).encode(), "text/plain", 415),
        (b'{"csp-report": {"x": "' + b"a" * 17000 + b'"}}', "application/csp-report", 413),
    ],
)
async def test_junk_reports_get_a_4xx_never_a_5xx(
    client: httpx.AsyncClient, body: bytes, content_type: str, status: int
) -> None:
    res = await client.post(
        "/api/csp-reports", content=body, headers={"Content-Type": content_type}
    )
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert csp.violations() == {}


async def test_reports_are_throttled_per_address(client: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "application/csp-report"}
    codes = [
        (await client.post("/api/csp-reports", json=REPORT, headers=headers)).status_code
        for _ in range(csp_api.throttle.burst + 1)
    ]
    assert codes[:-1] == [204] * csp_api.throttle.burst
    assert codes[-1] == 429
    res = await client.post("/api/csp-reports", json=REPORT, headers=headers)
    assert int(res.headers["retry-after"]) >= 1
