"""Content-Security-Policy of the pages, and the violations browsers report against it.

Counters live in the process that received the reports; `/metrics` shows them as
`linli_csp_violations_total` by directive.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

log = logging.getLogger(__name__)
REPORT_PATH = "/api/csp-reports"
# Leaflet and uPlot position their elements through `element.style`, which CSP does not govern;
# no page carries a <style> block or a style="" attribute, so styles come from files only.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        # report-uri, not report-to: browsers send it at once (Chromium batches report-to
        # for up to a minute) and Firefox knows only report-uri.
        f"report-uri {REPORT_PATH}",
    ]
)
MAX_FIELD = 200
_violations: Counter[str] = Counter()


def page_policy(*, tile_origin: str | None = None, embed_origin: str | None = None) -> str:
    """Return the page policy, letting map tiles load from `tile_origin` when one is set.

    `embed_origin` is given by one page only, a meeting's, for the broadcast its operator
    named: that origin may fill a frame or a video there, and nowhere else.
    """
    policy = PAGE_POLICY
    if tile_origin:
        policy = policy.replace(
            "img-src 'self' data: blob:", f"img-src 'self' data: blob: {tile_origin}"
        )
    if embed_origin:
        policy = policy.replace(
            "object-src 'none'",
            f"frame-src {embed_origin}; media-src 'self' {embed_origin}; object-src 'none'",
        )
    return policy


def _clean(value: Any) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return "".join(ch if ch.isprintable() else "?" for ch in text[:MAX_FIELD])


def record_violations(reports: list[dict[str, Any]]) -> int:
    """Count and log the violations of parsed reports (either report format); return how many."""
    counted = 0
    for report in reports:
        directive = report.get("effective-directive") or report.get("effectiveDirective")
        directive = directive or report.get("violated-directive") or "unknown"
        name = _clean(str(directive).split(" ", 1)[0]) or "unknown"
        _violations[name] += 1
        counted += 1
        log.warning(
            "csp violation: directive=%s blocked=%s document=%s source=%s:%s",
            name,
            _clean(report.get("blocked-uri") or report.get("blockedURL")),
            _clean(report.get("document-uri") or report.get("documentURL")),
            _clean(report.get("source-file") or report.get("sourceFile")),
            _clean(report.get("line-number") or report.get("lineNumber")),
        )
    return counted


def violations() -> dict[str, int]:
    """Return the violations counted in this process, by directive."""
    return dict(_violations)


def reset() -> None:
    """Start counting from zero (tests)."""
    _violations.clear()
