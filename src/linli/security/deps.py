"""HTTP adapters of security: the request's unit of work, authentication and permission rules.

Every route declares exactly one `Rule`: `require("perm")` (API), `require_page("perm")` (pages,
which send a signed-out browser to the login page) or `public` (no login; said out loud).
`tests/security/test_route_rules.py` fails for any route without one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.database import session_scope
from linli.core.errors import Forbidden, LinliError, TooManyRequests, Unauthenticated
from linli.core.settings import get_settings
from linli.security import service
from linli.security.clients import FAILED_CREDENTIALS, resolve_client
from linli.security.permissions import PERMISSIONS, Principal

SESSION_COOKIE = "linli_session"
# Set by the app's middleware once it has resolved the client behind trusted proxies.
RESOLVED_CLIENT = "linli.client"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def db_session() -> AsyncIterator[AsyncSession]:
    """Give the request one unit of work, committed before the response is sent, on the
    connections of the workload class the app's admission picked from the route's tags."""
    async with session_scope() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(db_session, scope="function")]


def client_address(request: Request) -> str:
    """Return the caller's address; forwarded headers count only from a trusted proxy."""
    resolved = request.scope.get(RESOLVED_CLIENT)
    if isinstance(resolved, str):
        return resolved
    return resolve_client(
        request.client.host if request.client else None,
        forwarded=request.headers.get("forwarded"),
        x_forwarded_for=request.headers.get("x-forwarded-for"),
        trusted=get_settings().trusted_proxies,
    )


@contextmanager
def credentials_checked(request: Request, route: str) -> Iterator[None]:
    """Guard the credential check of a public route that a client calls with its own secret:
    an address that keeps presenting wrong ones (401, 403 or an unknown name, 404) is answered
    429 with Retry-After before its next guess is even checked."""
    key = f"{route} {client_address(request)}"
    wait = FAILED_CREDENTIALS.wait(key)
    if wait:
        raise TooManyRequests(
            "too many wrong credentials from this address", code="credentials_throttled",
            retry_after=wait,
        )  # fmt: skip
    try:
        yield
    except LinliError as err:
        if err.status in (401, 403, 404):
            FAILED_CREDENTIALS.take(key)
        raise


class LoginRequired(Unauthenticated):
    """Raised by page rules; rendered as a redirect to `sign_in_path` (the staff login page,
    or the residents' sign-in for resident pages) with the page asked for as `next`."""

    code = "login_required"
    sign_in_path = "/login"


async def authenticate(request: Request, session: AsyncSession) -> Principal:
    """Return the caller's principal from a bearer token or a session cookie (with CSRF)."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise Unauthenticated("use 'Authorization: Bearer <token>'", code="bad_auth_header")
        return await service.principal_for_token(session, secret.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("sign in or send a bearer token", code="unauthenticated")
    principal = await service.principal_for_session(session, cookie)
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form_value = (await request.form()).get("csrf_token")
            sent = form_value if isinstance(form_value, str) else None
        if sent != principal.csrf_token:
            raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
    return principal


class RouteRule:
    """What every route rule says of itself, so the route-rule test, the authorization matrix
    and the OpenAPI document read any kind alike: `permission` (None: public) and `page`."""

    permission: str | None
    page: bool


class Rule(RouteRule):
    """A route's permission rule: who may call it at all (scoping happens in the query)."""

    def __init__(self, permission: str | None, *, page: bool = False) -> None:
        if permission is not None and permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission
        self.page = page

    def __repr__(self) -> str:
        return f"Rule({self.permission!r}, page={self.page})"

    async def __call__(self, request: Request, session: DbSession) -> Principal | None:
        if self.permission is None:
            return None
        try:
            principal = await authenticate(request, session)
        except Unauthenticated as err:
            if self.page:
                raise LoginRequired(err.detail) from err
            raise
        # Known before the permission check: a refused page still shows who is signed in.
        request.state.principal = principal
        if not principal.has(self.permission):
            raise Forbidden(f"you lack '{self.permission}'", code="forbidden")
        return principal


def require(permission: str) -> Rule:
    """Return the rule for an API route needing `permission` somewhere in the org tree."""
    return Rule(permission)


def require_page(permission: str) -> Rule:
    """Return the rule for a page needing `permission`; signed-out browsers go to login."""
    return Rule(permission, page=True)


public = Rule(None)
"""The rule of a route anybody may call (login form, health check, device ingest by token)."""
