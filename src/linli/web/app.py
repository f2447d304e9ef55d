"""The ASGI application: every extension's routers, problem+json errors, request limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import RouteContext, iter_route_contexts
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from linli.core.database import is_busy, is_unstorable_text
from linli.core.errors import LinliError
from linli.core.settings import get_settings
from linli.runtime import roles
from linli.runtime.extensions import extensions, load_extensions
from linli.runtime.roles import Role
from linli.security.deps import LoginRequired, RouteRule
from linli.web import openapi
from linli.web.admission import Admission, Saturated
from linli.web.bodies import BodyLimit, unstorable_text
from linli.web.error_pages import error_page, server_error_page, wants_page
from linli.web.headers import ClientAddress, SecurityHeaders
from linli.web.limits import PublicWriteLimit, public_write_routes

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem_response(err: LinliError, request: Request) -> JSONResponse:
    """Render a domain error as RFC 9457 problem+json."""
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else {}
    if "retry_after" in err.extra:
        headers["Retry-After"] = str(err.extra["retry_after"])
    return JSONResponse(
        err.problem(str(request.url.path)),
        status_code=err.status,
        media_type=PROBLEM,
        headers=headers,
    )


async def error_response(err: LinliError, request: Request) -> Response:
    """Answer an error as a page to a browser opening a page, else as problem+json."""
    if wants_page(request):
        return await error_page(request, err)
    return problem_response(err, request)


def iter_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Yield every route of `app` as mounted, walking into included routers."""
    yield from iter_route_contexts(app.routes)


def route_rules(route: RouteContext) -> list[RouteRule]:
    """Return the distinct permission rules found in a route's dependency tree."""
    found: dict[int, RouteRule] = {}
    pending = [route.dependant] if route.dependant is not None else []
    while pending:
        for dep in pending.pop().dependencies:
            if isinstance(dep.call, RouteRule):
                found[id(dep.call)] = dep.call
            pending.append(dep)
    return list(found.values())


def _allowed(request: Request) -> list[str]:
    """Return the methods of the resource at the request's path: of every route whose pattern
    matches it, those of the most specific path (fewest parameters; Starlette's 405 names only
    the first route that matched, though others may take other methods)."""
    path = request.scope["path"]
    by_path: dict[str, set[str]] = {}
    for route in iter_routes(request.app):
        if route.methods and route.path_regex.match(path):
            by_path.setdefault(route.path_format or "", set()).update(route.methods)
    if not by_path:
        return []
    return sorted(by_path[min(by_path, key=lambda p: p.count("{"))])


def _is_public(route: RouteContext) -> bool:
    return any(rule.permission is None for rule in route_rules(route))


def create_app(role: Role | None = None) -> FastAPI:
    """Build the application of a process `role` (default `LINLI_ROLE`) from the extensions."""
    settings = get_settings()
    role = Role(role or settings.role)
    load_extensions()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The role's bus, periodic tasks (SLA sweep…) and workers run while the server is up.
        async with roles.running(role):
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="Linli",
        version="0.1.0",
        # Served by security's API with an explicit `public` rule, like every other route.
        docs_url=None,
        openapi_url=None,
        redoc_url=None,
        # First of every route's dependencies: the request's workload class and its slot.
        dependencies=[Depends(Admission(role), scope="function")],
    )

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"{exc.sign_in_path}?next={quote(target, safe='/')}", status_code=303
        )

    @app.exception_handler(LinliError)
    async def _domain(request: Request, exc: LinliError) -> Response:
        return await error_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors: list[dict[str, Any]] = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        err = LinliError(
            "the request does not match the schema", code="validation_failed", errors=errors
        )
        err.status, err.title = 422, "Invalid input"
        return await error_response(err, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {400: "malformed_body", 404: "not_found", 405: "method_not_allowed"}
        err = LinliError(str(exc.detail), code=codes.get(exc.status_code, "http_error"))
        err.status, err.title = exc.status_code, str(exc.detail)
        response = await error_response(err, request)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(_allowed(request))
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette logs the exception after sending this; nothing of it reaches the client.
        if wants_page(request):
            return await server_error_page(request)
        err = LinliError("the server failed to answer this request", code="internal_error")
        err.status, err.title = 500, "Internal error"
        response = problem_response(err, request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.exception_handler(PoolTimeout)
    @app.exception_handler(DBAPIError)
    async def _busy(request: Request, exc: Exception) -> Response:
        if is_unstorable_text(exc):  # SQLite keeps a NUL character; PostgreSQL refuses it
            return await error_response(unstorable_text(), request)
        # A backstop under admission: a lock or a connection not granted in time.
        if not is_busy(exc):
            raise exc
        log.info("database busy for %s: %s", request.url.path, exc)
        err = Saturated("the database is busy; try again shortly", retry_after=1)
        err.code = "database_busy"
        return await error_response(err, request)

    for ext in extensions():
        for router in ext.routers():
            app.include_router(roles.routes_of(role, router))
    rules = {
        (method, route.path_format or ""): next(iter(route_rules(route)), None)
        for route in iter_routes(app)
        for method in route.methods or ()
    }
    app.openapi = lambda: openapi.document(  # type: ignore[method-assign]
        app, rules, body_limit=settings.max_request_bytes
    )
    app.add_middleware(
        BodyLimit,
        limit=settings.max_request_bytes,
        json_depth=settings.max_json_depth,
        on_refused=_quarantine_refused_ingest,
    )
    app.add_middleware(
        PublicWriteLimit,
        routes=public_write_routes(
            (route.path_format or "", route.methods or (), _is_public(route))
            for route in iter_routes(app)
        ),
        burst=settings.public_write_burst,
        rate=settings.public_write_rate,
    )
    # Added last, run first: every response (a refused body too) gets the headers, and
    # everything below sees the client address resolved behind trusted proxies.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ClientAddress)
    return app


async def _quarantine_refused_ingest(scope: Scope, err: LinliError) -> None:
    """Count and keep a device batch refused before it was read (too large, nested too deep)."""
    if scope.get("path") != "/api/ingest":
        return
    from linli.core.database import session_scope
    from linli.iot import quarantine

    code = dict(scope["headers"]).get(b"x-device-id", b"").decode("latin-1").strip()[:64]
    async with session_scope() as session:
        quarantine.record(
            session,
            channel="http",
            reason="payload_too_large" if err.status == 413 else err.code,
            detail=err.detail,
            device_code=code or None,
        )
