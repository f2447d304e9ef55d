"""The server's access log without the routine lines of device ingest.

Every device posts a batch every few seconds; the embedded demo alone (about 3,000 devices)
wrote some 84,000 access lines in 14 minutes, which cost the server CPU and buried everything
else. Accepted ingest requests, and those refused for a moment as too many (429, counted once
a minute by `linli.web.admission`), are left out; other ingest failures and every other
request are logged as before.
"""

from __future__ import annotations

import logging

QUIET_PATHS = ("/api/ingest",)


class QuietIngest(logging.Filter):
    """Drop uvicorn access records of ingest requests answered 2xx, 3xx or 429."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        path, status = str(args[2]), args[4]
        if not path.startswith(QUIET_PATHS) or not isinstance(status, int):
            return True
        return not (status < 400 or status == 429)


def quiet_ingest_access() -> None:
    """Install `QuietIngest` on uvicorn's access logger (once)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QuietIngest) for f in access.filters):
        access.addFilter(QuietIngest())
