"""Domain errors with stable codes, rendered once as RFC 9457 problem+json."""

from __future__ import annotations

from typing import Any


class LinliError(Exception):
    """An error a client can act on: a stable `code`, an HTTP `status` and a human `detail`."""

    code = "error"
    status = 400
    title = "Request failed"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """Return the problem+json body."""
        body: dict[str, Any] = dict(self.extra)  # the standard members below take precedence
        body |= {
            "type": f"https://linli.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        return body


class ValidationFailed(LinliError):
    code = "validation_failed"
    status = 422
    title = "Invalid input"


class NotFound(LinliError):
    code = "not_found"
    status = 404
    title = "Not found"


class Unauthenticated(LinliError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(LinliError):
    code = "forbidden"
    status = 403
    title = "Not allowed"


class Conflict(LinliError):
    code = "conflict"
    status = 409
    title = "Conflict"


class TooLarge(LinliError):
    code = "too_large"
    status = 413
    title = "Request too large"


class TooManyRequests(LinliError):
    code = "too_many_requests"
    status = 429
    title = "Too many requests"
