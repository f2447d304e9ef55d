"""The API reference page: Swagger UI from the vendored copy in static/vendor, started by a
static script, so it works offline and under the pages' Content-Security-Policy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linli.security.api import OPENAPI_URL
from linli.security.deps import public
from linli.web.templating import page_locale, render

router = APIRouter(include_in_schema=False)


@router.get("/api/docs", dependencies=[Depends(public)])
async def api_docs(request: Request) -> Response:
    """Return the Swagger UI page over the OpenAPI document."""
    return render(request, "api_docs.html", locale=page_locale(request), openapi_url=OPENAPI_URL)
