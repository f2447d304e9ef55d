"""Requests checked before anything parses them: a size limit for every body, a nesting-depth
limit for JSON (a parser recursing through `[[[[…` would otherwise exhaust the stack), and no
NUL in JSON or a query string. Each answers problem+json (413 or 422) and tells the optional
`on_refused` hook, which ingest uses to keep the refused batch in quarantine."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linli.core.errors import LinliError, TooLarge, ValidationFailed
from linli.core.json_depth import JsonDepth

PROBLEM = "application/problem+json"
# Text cannot hold NUL (PostgreSQL refuses it): refused in query strings and JSON up front, so
# every backend answers alike.
NUL_ESCAPE = b"\\u0000"

Refused = Callable[[Scope, LinliError], Awaitable[None]]


def unstorable_text() -> LinliError:
    """Return the error for input holding a NUL."""
    return ValidationFailed(
        "the input holds a character that cannot be stored (NUL)", code="unsupported_character"
    )


def _is_json(scope: Scope) -> bool:
    header: bytes = dict(scope["headers"]).get(b"content-type", b"")
    kind = header.split(b";")[0].strip().lower()
    return kind == b"application/json" or kind.endswith(b"+json")


class BodyLimit:
    """Refuse a request body over `limit` bytes, a JSON body nested deeper than `json_depth`,
    and a NUL in JSON or the query string, before the app reads them."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        json_depth: int,
        on_refused: Refused | None = None,
    ) -> None:
        self.app, self.limit, self.json_depth, self.on_refused = app, limit, json_depth, on_refused

    def _too_large(self) -> LinliError:
        return TooLarge(f"request body over {self.limit} bytes", code="body_too_large")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b""):
            await self._refuse(scope, send, unstorable_text())
            return
        if scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send, self._too_large())
            return
        # Read the whole body first (it is at most `limit` bytes): the framework turns any
        # error raised while it reads into a generic 400, so the checks must be done by then.
        depth = JsonDepth(self.json_depth) if _is_json(scope) else None
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: the app sees the same
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await self._refuse(scope, send, self._too_large())
                return
            if depth is not None and depth.feed(chunk):
                error = ValidationFailed(
                    f"the JSON body is nested deeper than {self.json_depth} levels",
                    code="json_too_deep",
                )
                await self._refuse(scope, send, error)
                return
            if depth is not None and NUL_ESCAPE in chunk:
                await self._refuse(scope, send, unstorable_text())
                return
            if not message.get("more_body", False):
                break
        pending = iter(messages)

        async def replay() -> Message:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, err: LinliError) -> None:
        if self.on_refused is not None:
            await self.on_refused(scope, err)
        body = JSONResponse(
            err.problem(scope.get("path")), status_code=err.status, media_type=PROBLEM
        )
        await body(scope, _gone, send)


async def _gone() -> Message:
    return {"type": "http.disconnect"}
