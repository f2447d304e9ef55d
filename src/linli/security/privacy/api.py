"""The data-subject request API: export or erase what is held about a person (privacy:manage,
over the units where their data lies)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from linli.core.errors import ValidationFailed
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal
from linli.security.privacy import service
from linli.security.privacy.document import render_export
from linli.security.privacy.schemas import ErasureCreate, ErasureRead, ExportCreate

router = APIRouter(prefix="/api/privacy", tags=["privacy"])
Manager = Annotated[Principal, Depends(require(service.PERMISSION))]


@router.post(
    "/export",
    responses={200: {"content": {"text/html": {}}, "description": "the export (JSON or HTML)"}},
)
async def export_data(
    body: ExportCreate,
    session: DbSession,
    principal: Manager,
    format: Annotated[str, Query(pattern="^(json|html)$")] = "json",
) -> Any:
    """Return everything held about a person found by phone or e-mail (audited).

    `format=html` gives the document to hand them, in their language.
    """
    export = await service.export_subject(session, body, principal=principal, locale=body.locale)
    if format == "html":
        return HTMLResponse(render_export(export))
    return export


@router.post("/erase")
async def erase_data(body: ErasureCreate, session: DbSession, principal: Manager) -> ErasureRead:
    """Erase the person's personal data, keeping every figure; needs `confirm: true`."""
    if not body.confirm:
        raise ValidationFailed(
            "erasure cannot be undone: send confirm=true", code="confirmation_required"
        )
    return await service.erase_subject(session, body, principal=principal)
