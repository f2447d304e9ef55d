"""Error pages: a browser that opens a page and meets an error gets a page in its language.

JSON clients (the API under `/api/`, Open311, device ingest, scripts and the pages' own `fetch`
and HTMX calls) keep RFC 9457 problem+json; a browser's navigation or form post (its `Accept`
names `text/html`) to anything else gets an HTML page that says what happened in plain words and
offers a way on. The page never shows a traceback or an internal message of a server error.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.security import csp
from linli.security import service as security_service
from linli.security.deps import SESSION_COOKIE
from linli.security.permissions import Principal
from linli.web.frame import page_context
from linli.web.pages import safe_next
from linli.web.templating import page_locale, render

log = logging.getLogger(__name__)
# Paths whose clients are programs: they always get problem+json.
MACHINE_PREFIXES = ("/api/", "/open311/", "/ngsi-ld/", "/static/")
MACHINE_PATHS = frozenset({"/api", "/open311", "/ngsi-ld", "/healthz", "/metrics"})
# What a page may say about each status; anything else is a generic failure.
KINDS = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "not_found"}
KINDS |= {413: "too_large", 422: "invalid", 429: "too_many", 500: "server"}
# Served when even the error page cannot be rendered: plain, fixed and in English.
FALLBACK = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error · Linli</title>'
    '<link rel="stylesheet" href="/static/linli.css"></head><body><main class="page error-page">'
    "<h1>Something went wrong on our side</h1><p>Please try again in a moment.</p>"
    '<p><a href="/">Go to the start page</a></p></main></body></html>'
)


def wants_page(request: Request) -> bool:
    """Return whether an error of this request should be an HTML page, not problem+json."""
    path = request.url.path
    if path in MACHINE_PATHS or path.startswith(MACHINE_PREFIXES):
        return False
    if request.headers.get("hx-request"):
        return False  # an HTMX fragment request handles its own failures
    return "text/html" in request.headers.get("accept", "").lower()


async def _viewer(request: Request, *, look_up: bool) -> Principal | None:
    """Return who is looking: known to the route's rule, else (an unknown path) from the
    session cookie, so a signed-in staff member keeps their language and navigation."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    if not (look_up and cookie and request.method in ("GET", "HEAD")):
        return None
    try:
        async with session_scope() as session:
            return await security_service.principal_for_session(session, cookie)
    except Exception:  # signed out, or the database is what failed: the page goes on without
        return None


async def error_page(request: Request, err: LinliError, *, look_up: bool = True) -> Response:
    """Render `err` as the error page in the viewer's language, with the same status."""
    principal = await _viewer(request, look_up=look_up)
    kind = "csrf" if err.code == "csrf_failed" else KINDS.get(err.status, "other")
    retry_after = err.extra.get("retry_after")
    headers = {"Cache-Control": "no-store"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    context: dict[str, Any] = page_context(principal) if principal is not None else {}
    try:
        return render(
            request,
            "error.html",
            locale=page_locale(request, principal.locale if principal else None),
            status_code=err.status,
            headers=headers,
            kind=kind,
            status=err.status,
            code=err.code,
            path=safe_next(request.url.path),
            method=request.method,
            wait_minutes=max(1, -(-int(retry_after) // 60)) if retry_after is not None else 1,
            **context,
        )
    except Exception:  # the error page must not fail in turn
        log.exception("the error page could not be rendered")
        return HTMLResponse(FALLBACK, status_code=err.status, headers=headers)


async def server_error_page(request: Request) -> Response:
    """Render the page of an unexpected failure, with the headers the middleware would add
    (this response is sent from outside the middleware stack)."""
    err = LinliError("internal error", code="internal_error")
    err.status = 500
    page = await error_page(request, err, look_up=False)
    page.headers.setdefault("Content-Security-Policy", csp.page_policy())
    page.headers.setdefault("X-Content-Type-Options", "nosniff")
    page.headers.setdefault("X-Frame-Options", "DENY")
    page.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return page
