"""Device pages: the list (status filter, map by status) and one device's page (live charts,
commands, credentials), plus the provisioning forms.

Pages read through `linli.iot` services; the charts fetch the readings API and the forms post to
the devices JSON API (with the CSRF header), so the API stays the one way to act.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from linli.core.pagination import MAX_LIMIT, PageQuery
from linli.core.settings import get_settings
from linli.iot import commands
from linli.iot import service as iot_service
from linli.iot import status as status_service
from linli.iot.service import type_label
from linli.iot.types import DEVICE_TYPES
from linli.org import service as org_service
from linli.security.deps import DbSession, require_page
from linli.security.permissions import Principal
from linli.web.frame import page_context, viewer_timezone
from linli.web.paging import PageCursor, pager
from linli.web.templating import named, page_locale, render

router = APIRouter(include_in_schema=False)

Reader = Annotated[Principal, Depends(require_page("devices:read"))]


@router.get("/devices")
async def devices_page(
    request: Request,
    principal: Reader,
    session: DbSession,
    status: str | None = None,
    cursor: PageCursor = None,
) -> Response:
    """List the viewer's devices (optionally of one status) on a table and a map."""
    locale = page_locale(request, principal.locale)
    chosen = status if status in status_service.STATUSES else None
    page = await status_service.list_devices(
        session,
        principal=principal,
        status=chosen,
        paging=PageQuery(cursor=cursor, limit=MAX_LIMIT, count=True),
    )
    devices = page.items
    markers: list[dict[str, Any]] = [
        {
            "id": str(d.id),
            "code": d.code,
            "name": named(d, locale=locale),
            "type": type_label(d.type, locale),
            "lon": d.lon,
            "lat": d.lat,
            "status": d.status,
            "url": f"/devices/{d.id}",
        }
        for d in devices
    ]
    return render(
        request,
        "devices.html",
        locale=locale,
        timezone=await viewer_timezone(session, principal),
        devices=devices,
        total=page.total or 0,
        total_capped=page.total_capped,
        pages=pager(request, page, locale=locale),
        markers=markers,
        status=chosen,
        statuses=status_service.STATUSES,
        types=sorted(DEVICE_TYPES),
        can_write=principal.has("devices:write"),
        active="devices",
        tile_url=get_settings().tile_url,
        tile_attribution=get_settings().tile_attribution,
        **page_context(principal),
    )


@router.get("/devices/{device_id}")
async def device_page(
    device_id: uuid.UUID, request: Request, principal: Reader, session: DbSession
) -> Response:
    """Show one device: facts, live charts of its metrics, commands and credentials."""
    device = await iot_service.get_device(session, device_id, principal=principal)
    unit = await org_service.get_unit(session, device.org_unit_id)
    kind = DEVICE_TYPES.get(device.type)
    metrics = [{"name": m.name, "unit": m.unit} for m in kind.metrics.values()] if kind else []
    return render(
        request,
        "device.html",
        locale=page_locale(request, principal.locale),
        timezone=await viewer_timezone(session, principal),
        device=device,
        unit=unit,
        metrics=metrics,
        latest=await iot_service.latest_values(session, device),
        commands=await commands.latest_commands(session, device, limit=10),
        can_write=principal.can("devices:write", device.org_path),
        active="devices",
        **page_context(principal),
    )
