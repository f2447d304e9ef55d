"""The route rule of resident routes: `resident(need)` gives the signed-in resident's
`ResidentActor` (or the senior's, with the proxy named, while the session acts for one).

Like `require`/`require_page`, it is a route's one permission rule. The session cookie is
`linli_resident`; unsafe methods need the session's CSRF token (header `X-CSRF-Token` or form
field `csrf_token`). API routes answer 401 without a session and 403 to staff credentials;
pages (`page=True`) send a signed-out browser to `/my/sign-in?next=...`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from linli.core.errors import Forbidden, Unauthenticated
from linli.residents import service
from linli.residents.errors import NoLiveConsent
from linli.residents.types import Need, ResidentActor
from linli.security.deps import CSRF_HEADER, SESSION_COOKIE, DbSession, LoginRequired, RouteRule

RESIDENT_COOKIE = "linli_resident"
RESIDENT = "resident"  # the `permission` the rule reports (not a staff permission)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RESOLVED = "linli.resident"


class ResidentSignInRequired(LoginRequired):
    """Raised by resident page rules; rendered as a redirect to the residents' sign-in."""

    sign_in_path = "/my/sign-in"


async def _csrf_sent(request: Request) -> str | None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get("csrf_token")
        sent = value if isinstance(value, str) else None
    return sent


async def resolve(request: Request, session: DbSession) -> service.Resolved:
    """Return the request's resident session (cached on the request), checking CSRF on unsafe
    methods; raise Unauthenticated, or Forbidden for staff credentials or a bad token."""
    cached = getattr(request.state, "resident", None)
    if isinstance(cached, service.Resolved):
        return cached
    cookie = request.cookies.get(RESIDENT_COOKIE)
    resolved = await service.resolve_session(session, cookie) if cookie else None
    if resolved is None:
        if request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE):
            raise Forbidden(
                "staff credentials do not open residents' pages; sign in as a resident",
                code="forbidden",
            )
        raise Unauthenticated("sign in as a resident", code="unauthenticated")
    if request.method not in _SAFE_METHODS and (
        await _csrf_sent(request) != resolved.session.csrf_token
    ):
        raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
    request.state.resident = resolved
    return resolved


class ResidentRule(RouteRule):
    """The permission rule of a resident route, needing `need` of the resident.

    `own=True` gives the signed-in person's own actor even while the session acts for a senior
    (their account, preferences, consents and the switch itself)."""

    def __init__(self, need: Need, *, page: bool, own: bool) -> None:
        self.permission = RESIDENT
        self.page = page
        self.need = need
        self.own = own

    def __repr__(self) -> str:
        return f"ResidentRule({self.need!r}, page={self.page}, own={self.own})"

    async def __call__(self, request: Request, session: DbSession) -> ResidentActor:
        try:
            resolved = await resolve(request, session)
        except Unauthenticated as err:
            if self.page:
                raise ResidentSignInRequired(err.detail) from err
            raise
        actor = resolved.own if self.own else resolved.actor
        if actor is None:
            raise NoLiveConsent()
        actor.require(self.need)
        return actor


def resident(need: Need = Need(), *, page: bool = False, own: bool = False) -> ResidentRule:
    """Return the rule of a resident route needing `need` (default: any signed-in resident)."""
    return ResidentRule(need, page=page, own=own)


CurrentResident = Annotated[ResidentActor, Depends(resident())]
