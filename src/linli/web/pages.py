"""Server-rendered pages: sign-in, the command centre, static assets; case pages live beside.

Every route declares its rule: `require_page(...)` for pages (a signed-out browser is sent to the
login page), `public` for the login form and static files.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from linli.core.database import session_scope
from linli.core.errors import NotFound, TooManyRequests, Unauthenticated
from linli.core.settings import get_settings
from linli.security import service as security_service
from linli.security.api import clear_session_cookie, set_session_cookie
from linli.security.deps import SESSION_COOKIE, DbSession, authenticate, public, require_page
from linli.security.permissions import Principal
from linli.web import case_pages, live
from linli.web.frame import page_context, viewer_timezone
from linli.web.templating import page_locale, render

STATIC_DIR = Path(__file__).resolve().parent / "static"
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Return `value` if it is a path on this site, else `/` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ch in value for ch in "\r\n\t\\") or any(ord(ch) < 32 for ch in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


# ---------------------------------------------------------------- static files


@router.get("/static/{path:path}", dependencies=[Depends(public)])
async def static_file(path: str) -> Response:
    """Serve a file of the UI's static folder (styles, scripts, vendored libraries)."""
    root = STATIC_DIR.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file() or target.name.startswith("."):
        raise NotFound("no such static file", code="not_found")
    media_type, _ = mimetypes.guess_type(target.name)
    return FileResponse(
        target,
        media_type=media_type or "application/octet-stream",
        headers={"Cache-Control": "public, max-age=300"},
    )


# ---------------------------------------------------------------- sign in / out


@router.get("/login", dependencies=[Depends(public)])
async def login_form(request: Request, session: DbSession, next: str = "/") -> Response:
    """Show the sign-in form (or go straight on when already signed in)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            await security_service.principal_for_session(session, cookie)
        except Unauthenticated:
            pass
        else:
            return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request,
        "login.html",
        locale=page_locale(request),
        next=safe_next(next),
        username="",
        error="",
    )


@router.post("/login", dependencies=[Depends(public)])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the credentials, open a session, set the cookie and go on to `next`."""
    target = safe_next(next)
    secret: str | None = None
    error, status_code = "", 200
    # Own unit of work, so a failed attempt's audit entry is committed (the brute-force guard
    # counts it) instead of being rolled back with an exception.
    async with session_scope() as session:
        try:
            account = await security_service.check_password(
                session, username=username.strip(), password=password
            )
        except TooManyRequests:
            error, status_code = "locked", 429
        except Unauthenticated:
            error, status_code = "credentials", 401
        else:
            secret, _ = await security_service.start_session(
                session, account, hours=get_settings().session_hours
            )
    if secret is None:
        return render(
            request,
            "login.html",
            locale=page_locale(request),
            status_code=status_code,
            next=target,
            username=username,
            error=error,
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, secret)
    return response


@router.post("/logout", dependencies=[Depends(public)])
async def logout(request: Request, session: DbSession) -> Response:
    """End the browser's session (the form carries the CSRF token) and show the sign-in form."""
    response = RedirectResponse("/login", status_code=303)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            await authenticate(request, session)  # checks the CSRF token of a live session
        except Unauthenticated:
            pass  # already signed out
        else:
            await security_service.end_session(session, cookie)
    clear_session_cookie(response)
    return response


# ---------------------------------------------------------------- command centre


@router.get("/")
async def command_centre(
    request: Request,
    principal: Annotated[Principal, Depends(require_page("alarms:read"))],
    session: DbSession,
) -> Response:
    """Show the live map with alarms and cases of the principal's area."""
    settings = get_settings()
    return render(
        request,
        "command_centre.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        **page_context(principal),
    )


# Case page and workbench, and the live stream, are part of the pages' router.
router.include_router(case_pages.router)
router.include_router(live.router)
