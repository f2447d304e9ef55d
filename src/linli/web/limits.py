"""A rate limit on every anonymous public write route, per route and client address.

A backstop under the routes' own limits (public reports, feedback, login back-off, CSP
reports): whatever a public route writes, one address cannot call it faster than
`LINLI_PUBLIC_WRITE_RATE` per second (after a burst of `LINLI_PUBLIC_WRITE_BURST`). It lives
in the process, like the app: each API process counts its own callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from linli.core.errors import TooManyRequests
from linli.security.clients import Throttle
from linli.security.deps import RESOLVED_CLIENT
from linli.web.error_pages import error_page, wants_page

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Public routes whose every call carries a device's, camera's, gateway's or client's credential:
# their volume from one address is legitimate (a gateway forwards a whole estate), so instead
# their wrong credentials are throttled (security.deps.credentials_checked).
CREDENTIALED = frozenset(
    {
        "/api/ingest",
        "/api/intake/camera",
        "/api/notifications/receipts/{gateway}",
        "/open311/v2/requests.{fmt}",
    }
)


class PublicWriteLimit:
    """Answer 429 (problem+json, or a page to a browser; Retry-After) when one address writes
    too fast to a route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Iterable[tuple[str, frozenset[str], re.Pattern[str]]],
        burst: int,
        rate: float,
    ) -> None:
        self.app = app
        self.routes = list(routes)
        self.throttle = Throttle(burst=burst, rate=rate) if rate > 0 else None

    def _route_of(self, method: str, path: str) -> str | None:
        for template, methods, pattern in self.routes:
            if method in methods and pattern.match(path):
                return template
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.throttle is None or scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        template = self._route_of(scope["method"], scope["path"])
        if template is not None:
            client = scope.get(RESOLVED_CLIENT) or (scope.get("client") or ("unknown",))[0]
            wait = self.throttle.take(f"{template} {client}")
            if wait:
                err = TooManyRequests(
                    "too many requests from this address", code="rate_limited", retry_after=wait
                )
                request = Request(scope)
                response: Response
                if wants_page(request):  # a browser's form post (the login form) gets a page
                    response = await error_page(request, err)
                else:
                    response = JSONResponse(
                        err.problem(scope["path"]),
                        status_code=err.status,
                        media_type="application/problem+json",
                        headers={"Retry-After": str(wait)},
                    )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def public_write_routes(
    routes: Iterable[tuple[str, Iterable[str], bool]],
) -> list[tuple[str, frozenset[str], re.Pattern[str]]]:
    """Return (path template, write methods, path pattern) of the public routes that write,
    from (path template, methods, is public) of every route."""
    found = []
    for path, methods, is_public in routes:
        writes = frozenset(methods) & WRITES
        if is_public and writes and path not in CREDENTIALED:
            found.append((path, writes, compile_path(path)[0]))
    return found
