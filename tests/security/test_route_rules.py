"""Every route declares exactly one permission rule, and every protected API route says 401."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import APIRoute, RouteContext
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from linli.web.app import create_app, iter_routes, route_rules

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
DUMMY_ID = "01a2b3c4-0000-7000-8000-000000000000"


def _describe(route: RouteContext) -> str:
    methods = ",".join(sorted(route.methods or ())) or type(route.original_route).__name__
    return f"{methods} {route.path_format}"


def _api_routes() -> list[RouteContext]:
    return [r for r in iter_routes(create_app()) if isinstance(r.original_route, APIRoute)]


def test_every_route_declares_exactly_one_rule() -> None:
    missing, several, unknown = [], [], []
    for route in iter_routes(create_app()):
        if isinstance(route.original_route, APIRoute):
            count = len(route_rules(route))
            if count == 0:
                missing.append(_describe(route))
            elif count > 1:
                several.append(_describe(route))
        elif isinstance(route.original_route, Mount) and isinstance(
            route.original_route.app, StaticFiles
        ):
            continue  # static assets: public by nature, no Python code behind them
        else:
            unknown.append(_describe(route))
    assert not missing, f"routes without a permission rule: {missing}"
    assert not several, f"routes with more than one permission rule: {several}"
    assert not unknown, f"routes that cannot declare a rule (use an APIRoute): {unknown}"


def test_the_walk_finds_the_routes_of_included_routers() -> None:
    paths = {r.path for r in _api_routes()}
    assert {"/healthz", "/api/auth/login", "/api/org/units", "/api/openapi.json"} <= paths


def test_the_rule_check_catches_a_route_without_a_rule() -> None:
    from fastapi import APIRouter, Depends

    from linli.security.deps import public, require

    app = create_app()
    stray = APIRouter(prefix="/api/stray")

    @stray.get("/naked")
    async def naked() -> None: ...

    @stray.get("/doubled", dependencies=[Depends(public)])
    async def doubled(principal: object = Depends(require("org:read"))) -> None: ...

    app.include_router(stray)
    stray_routes = [r for r in iter_routes(app) if (r.path_format or "").startswith("/api/stray")]
    counts = {r.path: len(route_rules(r)) for r in stray_routes}
    assert counts == {"/api/stray/naked": 0, "/api/stray/doubled": 2}


PROTECTED = sorted(
    (method, route.path_format)
    for route in _api_routes()
    for rule in route_rules(route)
    if rule.permission is not None and not rule.page
    for method in sorted(route.methods or ())
)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_protected_api_route_answers_401_problem_without_credentials(
    method: str, path: str, client: httpx.AsyncClient
) -> None:
    url = PARAM.sub(DUMMY_ID, path)
    response = await client.request(method, url)
    assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_there_are_protected_routes_to_check() -> None:
    assert ("GET", "/api/me") in PROTECTED and ("PUT", "/api/org/routing") in PROTECTED


async def test_openapi_and_docs_are_public(client: httpx.AsyncClient) -> None:
    spec = await client.get("/api/openapi.json")
    assert spec.status_code == 200
    document = spec.json()
    assert document["openapi"].startswith("3.1")
    assert "/api/org/units" in document["paths"] and "/api/auth/login" in document["paths"]
    docs = await client.get("/api/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert "/api/openapi.json" in docs.text
    assert (await client.get("/docs")).status_code == 404
