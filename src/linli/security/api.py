"""Auth API: health, current principal. (Login, tokens and grants follow.)"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from linli.security.deps import public, require
from linli.security.permissions import Principal

router = APIRouter(tags=["security"])


@router.get("/healthz", dependencies=[Depends(public)])
async def healthz() -> dict[str, str]:
    """Say the process is up."""
    return {"status": "ok"}


@router.get("/api/me")
async def me(principal: Annotated[Principal, Depends(require("org:read"))]) -> dict[str, Any]:
    """Return who the caller is and what they hold."""
    return {
        "username": principal.username,
        "display_name": principal.display_name,
        "grants": [{"role": g.role, "unit_id": str(g.unit_id)} for g in principal.grants],
    }
