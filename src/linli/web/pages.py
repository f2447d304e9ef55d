"""Server-rendered pages: sign-in, the command centre, static assets; case pages live beside.

Every route declares its rule: `require_page(...)` for pages (a signed-out browser is sent to the
login page), `public` for the login form and static files.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import mimetypes
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from babel.numbers import format_percent
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from linli.core.database import session_scope
from linli.core.errors import NotFound, TooManyRequests, Unauthenticated
from linli.core.settings import get_settings
from linli.iot.service import metric_words
from linli.security import service as security_service
from linli.security.api import clear_session_cookie, set_session_cookie
from linli.security.deps import (
    SESSION_COOKIE,
    DbSession,
    authenticate,
    client_address,
    public,
    require_page,
)
from linli.security.permissions import Principal
from linli.web import case_pages, live, tiles
from linli.web.frame import page_context, viewer_timezone
from linli.web.templating import page_locale, render

STATIC_DIR = Path(__file__).resolve().parent / "static"
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

router = APIRouter(include_in_schema=False)
# The login form's CSRF token is signed over a random value kept in this cookie.
LOGIN_COOKIE = "linli_login"
LOGIN_COOKIE_SECONDS = 12 * 3600


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


@router.get("/favicon.ico", dependencies=[Depends(public)])
async def favicon() -> Response:
    """Serve the site's icon to browsers that ask for it at the conventional address."""
    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# ---------------------------------------------------------------- sign in / out


def _login_nonce(request: Request) -> str:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    return nonce if 20 <= len(nonce) <= 64 else secrets.token_urlsafe(24)


def _login_token(nonce: str) -> str:
    """Return the form token that goes with the browser's login cookie (signed double submit)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"login-form:{nonce}".encode(), hashlib.sha256).hexdigest()


def _login_page(
    request: Request, *, status_code: int = 200, next_page: str = "/", **context: Any
) -> Response:
    """Render the sign-in form with a CSRF token tied to a cookie of this browser."""
    nonce = _login_nonce(request)
    response = render(
        request,
        "login.html",
        locale=page_locale(request),
        status_code=status_code,
        next=next_page,
        login_token=_login_token(nonce),
        **{"username": "", "error": "", **context},
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_COOKIE_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=get_settings().cookie_secure,
    )
    return response


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
    return _login_page(request, next_page=safe_next(next))


@router.post("/login", dependencies=[Depends(public)])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Check the form's CSRF token and the credentials, open a session and go on to `next`."""
    target = safe_next(next)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not hmac.compare_digest(csrf_token, _login_token(nonce)):
        # Signing a victim into the attacker's account takes a form posted from elsewhere.
        return _login_page(
            request, status_code=403, next_page=target, username=username, error="csrf"
        )
    secret: str | None = None
    error, status_code, wait = "", 200, 0
    # Own unit of work, so a failed attempt's audit entry is committed (the brute-force guard
    # counts it) instead of being rolled back with an exception.
    async with session_scope() as session:
        try:
            account = await security_service.check_password(
                session,
                username=username.strip(),
                password=password,
                client=client_address(request),
            )
        except TooManyRequests as err:
            error, status_code, wait = "locked", 429, int(err.extra.get("retry_after", 60))
        except Unauthenticated:
            error, status_code = "credentials", 401
        else:
            secret, _ = await security_service.start_session(
                session, account, hours=get_settings().session_hours
            )
    if secret is None:
        page = _login_page(
            request,
            status_code=status_code,
            next_page=target,
            username=username,
            error=error,
            wait_minutes=max(1, math.ceil(wait / 60)),
        )
        if wait:
            page.headers["Retry-After"] = str(wait)
        return page
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, secret)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[Depends(public)])
async def logout(
    request: Request, session: DbSession, next: Annotated[str, Form(max_length=2048)] = ""
) -> Response:
    """End the browser's session (the form carries the CSRF token) and show the sign-in form.

    A form that names a page in `next` (the error page's "sign in as someone else") has the
    sign-in form go on to it."""
    target = f"/login?next={quote(safe_next(next), safe='/')}" if next else "/login"
    response = RedirectResponse(target, status_code=303)
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
    """Show the live map with alarms and cases of the principal's area, and the figures to
    read at a glance."""
    settings = get_settings()
    locale = page_locale(request, principal.locale)
    return render(
        request,
        "command_centre.html",
        locale=locale,
        metric_words=metric_words(locale),
        timezone=await viewer_timezone(session, principal),
        tiles=await tiles.command_tiles(session, principal),
        percent=lambda v: "—" if v is None else format_percent(v, "#,##0%", locale=locale),
        tile_url=settings.tile_url,
        tile_attribution=settings.tile_attribution,
        **page_context(principal),
    )


# Case page and workbench, and the live stream, are part of the pages' router.
router.include_router(case_pages.router)
router.include_router(live.router)
