"""Where browsers report Content-Security-Policy violations: counted, logged, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from linli.core.errors import LinliError, TooLarge, TooManyRequests, ValidationFailed
from linli.security import csp
from linli.security.clients import Throttle
from linli.security.deps import client_address, public

router = APIRouter(tags=["security"])
MAX_REPORT_BYTES = 16 * 1024
MAX_REPORTS = 20
REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
# A page with a problem reports it once per load; a few per second per address is plenty.
throttle = Throttle(burst=30, rate=1.0)


class UnsupportedMediaType(LinliError):
    code = "unsupported_media_type"
    status = 415
    title = "Unsupported media type"


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REPORT_BYTES:
        raise TooLarge(f"a report is at most {MAX_REPORT_BYTES} bytes", code="report_too_large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REPORT_BYTES:
            raise TooLarge(f"a report is at most {MAX_REPORT_BYTES} bytes", code="report_too_large")
    return bytes(body)


def _reports(payload: Any) -> list[dict[str, Any]]:
    """Return the violation bodies of a `report-uri` or a Reporting API payload."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list) and 0 < len(payload) <= MAX_REPORTS:
        bodies = [
            item["body"]
            for item in payload
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
        if bodies:
            return bodies
    raise ValidationFailed("not a CSP violation report", code="bad_csp_report")


@router.post(
    csp.REPORT_PATH,
    status_code=204,
    dependencies=[Depends(public)],
    responses={
        413: {"description": "Body over 16 KB"},
        415: {"description": "Not a report media type"},
        422: {"description": "Not a CSP violation report"},
        429: {"description": "Too many reports from this address (see Retry-After)"},
    },
)
async def receive_csp_report(request: Request) -> Response:
    """Count and log a browser's Content-Security-Policy violation report."""
    wait = throttle.take(client_address(request))
    if wait:
        raise TooManyRequests("too many reports", code="rate_limited", retry_after=wait)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in REPORT_TYPES:
        raise UnsupportedMediaType(f"send one of {', '.join(REPORT_TYPES)}")
    raw = await _read_capped(request)
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as err:
        raise ValidationFailed("the report is not JSON", code="bad_csp_report") from err
    csp.record_violations(_reports(payload))
    return Response(status_code=204)
