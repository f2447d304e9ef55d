"""The OpenAPI document: FastAPI's, with every error a route can answer documented.

Every error is RFC 9457 problem+json (web/app.py's handlers), so the document says so once, in a
`Problem` schema, and lists on each operation the statuses its shape makes possible: 422 for input
that does not match and 429 with `Retry-After` when the route's class is saturated (every route),
400 and 413 for a body that is malformed or over the limit, 409 on a write that conflicts with a
record's state, 401 and 403 where a permission is needed, 404 where the request names a record.
Open311 answers its own errors in the GeoReport format (400, 403, 404). Statuses particular to one
route (a 401 on a route that checks its own credential, say) are declared on the route itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from linli.security.deps import RouteRule

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error (RFC 9457): a stable `code` to act on and a `detail` for people.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "What did not match, for 422 answers.",
            "items": {"type": "object"},
        },
        "retry_after": {"type": "integer"},
    },
}
# Open311 GeoReport v2 answers errors in its own format, as JSON or XML by the path's suffix.
OPEN311 = ("application/json", "text/xml")
OPEN311_ERRORS: dict[str, Any] = {
    "title": "Open311Errors",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
# Answered before the route runs (body limits, admission, rate limits): always problem+json.
MIDDLEWARE_STATUSES = frozenset({"413", "422", "429"})
BEFORE_THE_ROUTE = "Refused before the route reads it: a NUL character, JSON nested too deep."
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
WRITE_METHODS = BODY_METHODS | {"DELETE"}
WHY = {
    400: "The body is not well-formed (not JSON, or not the declared encoding).",
    401: "No valid credential was presented.",
    403: "The credential lacks the permission, or the record is outside its scope.",
    404: "A record the request names does not exist in the caller's scope.",
    409: "The record's state does not allow this (a duplicate, a step from the wrong state).",
    413: "The request body is over the size limit.",
    422: "The input does not match the schema or a rule of the domain.",
    429: "Too many requests, or the server is busy: try again after `Retry-After` seconds.",
}


def _statuses(method: str, operation: dict[str, Any], rule: RouteRule | None) -> set[int]:
    statuses = {422, 429}
    if method in BODY_METHODS:
        statuses |= {400, 413}
    if method in WRITE_METHODS:
        statuses.add(409)
    if rule is not None and rule.permission is not None:
        statuses |= {401, 403}
    if operation.get("parameters") or "requestBody" in operation:
        statuses.add(404)
    return statuses


def _problem(status: int, description: str | None, *, open311: bool) -> dict[str, Any]:
    content = (
        {media: {"schema": {"$ref": "#/components/schemas/Open311Errors"}} for media in OPEN311}
        if open311
        else {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    )
    answer: dict[str, Any] = {
        "description": description or WHY.get(status, "The request failed."),
        "content": content,
    }
    if status == 429:
        answer["headers"] = RETRY_AFTER
    return answer


def document(
    app: FastAPI, rules: dict[tuple[str, str], RouteRule | None], *, body_limit: int
) -> dict[str, Any]:
    """Return the app's OpenAPI document with every operation's error answers filled in;
    `rules` maps (method, path) to the route's permission rule. A raw body (a CSV, say) is
    bounded by the request size limit, `body_limit` bytes."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components["Open311Errors"] = OPEN311_ERRORS
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                raw = content.get("schema", {})
                if raw.get("type") == "string" and "maxLength" not in raw:
                    raw["maxLength"] = body_limit
            responses = operation.setdefault("responses", {})
            for status in _statuses(method.upper(), operation, rules.get((method.upper(), path))):
                responses.setdefault(str(status), {})
            open311 = path.startswith("/open311/")
            if open311:  # the spec's codes: invalid input is 400, a bad api_key 403
                responses.setdefault("400", {"description": WHY[400]})
                responses.pop("401", None)
                responses.setdefault("403", {"description": WHY[403]})
                responses["422"] = {"description": BEFORE_THE_ROUTE}
            for status, declared in responses.items():
                if status.startswith("4"):
                    description = declared.get("description")
                    if description == "Validation Error":  # FastAPI's own, for its own schema
                        description = None
                    spec_format = open311 and status not in MIDDLEWARE_STATUSES
                    responses[status] = _problem(int(status), description, open311=spec_format)
            operation["responses"] = dict(sorted(responses.items()))
    app.openapi_schema = schema
    return schema
