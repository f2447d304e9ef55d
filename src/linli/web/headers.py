"""Middleware every response passes: the client address behind trusted proxies, and the
browser-security headers (Content-Security-Policy on pages, frame and sniffing protection,
HSTS when cookies are Secure)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linli.core.settings import get_settings
from linli.security import csp
from linli.security.clients import is_trusted, resolve_client
from linli.security.deps import RESOLVED_CLIENT

HSTS = "max-age=31536000; includeSubDomains"
# The resident report page takes the phone's location and a photo from its camera.
PERMISSIONS = (
    "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), browsing-topics=()"
)


class ClientAddress:
    """Resolve the client address once per request: forwarded headers (and the forwarded
    scheme) count only when the direct peer is a trusted proxy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        trusted = get_settings().trusted_proxies
        peer = scope.get("client")
        host = peer[0] if peer else None
        headers = Headers(scope=scope)
        address = resolve_client(
            host,
            forwarded=headers.get("forwarded"),
            x_forwarded_for=headers.get("x-forwarded-for"),
            trusted=trusted,
        )
        scope = dict(scope)
        scope[RESOLVED_CLIENT] = address
        if address != host:
            scope["client"] = (address, 0)
        proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if host and trusted and proto in ("http", "https") and is_trusted(host, trusted):
            scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        await self.app(scope, receive, send)


def tile_origin(tile_url: str) -> str | None:
    """Return the origin map tiles come from (`{s}` subdomains as a wildcard), if any."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class SecurityHeaders:
    """Add the browser-security headers; pages (text/html) also get the CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        settings = get_settings()
        self.policy = csp.page_policy(tile_origin=tile_origin(settings.tile_url))
        self.hsts = settings.cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("Permissions-Policy", PERMISSIONS)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
