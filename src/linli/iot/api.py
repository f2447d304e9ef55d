"""The staff device API: devices, their readings, credentials, imports and commands.

Device ingest and its quarantine and metrics are served by `linli.iot.ingest_api`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from linli.core.deps import Paging
from linli.core.errors import ValidationFailed
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.iot import commands, provisioning, service
from linli.iot import status as status_service
from linli.iot.schemas import (
    CommandCreate,
    CommandPage,
    CommandRead,
    DeviceCreate,
    DeviceCredentials,
    DeviceDetail,
    DeviceImportResult,
    DevicePage,
    DeviceRead,
    DeviceToken,
    ImportedDevice,
    ImportRowError,
    LatestList,
    ReadingSeries,
)
from linli.org import service as org_service
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["iot"])

Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/devices")
async def list_devices(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    paging: Paging,
    type: Key | None = None,
    unit_id: uuid.UUID | None = None,
    status: Annotated[Key | None, Query(description="online, offline or unknown")] = None,
) -> DevicePage:
    """List the devices in the caller's scope, optionally only those of one status, by code."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    page = await status_service.list_devices(
        session, principal=principal, status=status, type=type, unit=unit, paging=paging
    )
    return DevicePage(items=[DeviceRead.model_validate(d) for d in page.items], **page_meta(page))


@router.post("/devices", status_code=201)
async def register_device(
    data: DeviceCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> DeviceToken:
    """Register a device; the answer carries its token, which is never shown again."""
    device, token = await service.register_device(session, data=data, principal=principal)
    return DeviceToken(device=DeviceRead.model_validate(device), token=token)


@router.get("/devices/{device_id:uuid}")
async def get_device(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
) -> DeviceDetail:
    """Return one device with the latest value of each metric."""
    device = await service.get_device(session, device_id, principal=principal)
    detail = DeviceDetail.model_validate(device)
    detail.latest = await service.latest_values(session, device)
    return detail


def _aware(**values: datetime | None) -> None:
    for name, value in values.items():
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(f"'{name}' needs a UTC offset", code="bad_ts")


@router.get("/devices/{device_id}/readings")
async def device_readings(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    metric: Key | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Annotated[Key | None, Query(description="1m, 1h or 1d")] = None,
    agg: Annotated[Key, Query(description="avg, min, max or last")] = "avg",
    max_points: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> ReadingSeries:
    """Return a device's readings in [start, end), oldest first, raw or bucketed.

    With `bucket`, each item is one bucket's `agg`; with `max_points`, a series longer than that
    is bucketed with the finest bucket that fits (downsampling for charts).
    """
    _aware(start=start, end=end)
    device = await service.get_device(session, device_id, principal=principal)
    return await service.series(
        session,
        device,
        metric=metric,
        start=start,
        end=end,
        bucket=bucket,
        agg=agg,
        max_points=max_points,
        limit=limit,
    )


@router.get(
    "/devices/{device_id}/readings.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "device,metric,ts,value"}},
)
async def device_readings_csv(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    metric: Key | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> StreamingResponse:
    """Stream a device's readings in [start, end) as CSV (device,metric,ts,value); times in
    the site's zone, with its offset."""
    _aware(start=start, end=end)
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("'end' must be after 'start'", code="bad_range")
    device = await service.get_device(session, device_id, principal=principal)
    zone = await org_service.site_timezone(session, device.org_unit_id)
    lines = service.export_csv(
        device.id, device.code, metric=metric, start=start, end=end, timezone=zone
    )
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{device.code}-readings.csv"'},
    )


@router.get("/readings/latest")
async def latest_readings(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    device_ids: Annotated[list[uuid.UUID] | None, Query(max_length=500)] = None,
    unit_id: uuid.UUID | None = None,
) -> LatestList:
    """Return the latest value of each metric of the given devices, or of a unit's devices."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    items = await service.latest_for(
        session, principal=principal, device_ids=device_ids or [], unit=unit
    )
    return LatestList(items=items)


def _credentials(creds: provisioning.Credentials) -> DeviceCredentials:
    return DeviceCredentials(
        device=DeviceRead.model_validate(creds.device),
        token=creds.token,
        mqtt_username=creds.mqtt_username,
        mqtt_password=creds.mqtt_password,
    )


@router.post("/devices/{device_id}/token")
async def rotate_device_token(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> DeviceCredentials:
    """Issue a new token and MQTT password (lifting a revocation); the old ones stop working."""
    device = await service.get_device(session, device_id, principal=principal)
    creds = await provisioning.rotate_credentials(session, device, principal=principal)
    return _credentials(creds)


@router.post("/devices/{device_id}/revoke")
async def revoke_device_credentials(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> DeviceRead:
    """Revoke a device's token and MQTT password at once (ingest answers 401 until rotated)."""
    device = await service.get_device(session, device_id, principal=principal)
    await provisioning.revoke_credentials(session, device, principal=principal)
    return DeviceRead.model_validate(device)


_IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


async def _csv_text(request: Request) -> str:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed("send the CSV as the form field 'file'", code="file_required")
        data = await upload.read()
    else:
        data = await request.body()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValidationFailed("the CSV must be UTF-8", code="bad_encoding") from err


@router.post("/devices/import", openapi_extra=_IMPORT_BODY, response_model=None)
async def import_devices(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> DeviceImportResult | Response:
    """Register devices from a CSV (code,type,name,lon,lat,building,place,org_unit).

    Good rows are kept, bad ones come back with line and reason. The answer carries each new
    device's token and MQTT password, shown only once; `format=csv` answers a CSV download.
    """
    outcome = await provisioning.import_devices(
        session, text=await _csv_text(request), principal=principal
    )
    if format == "csv":
        return Response(
            provisioning.credentials_csv(outcome),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="device-credentials.csv"'},
        )
    return DeviceImportResult(
        created=[
            ImportedDevice(line=p.line, **_credentials(p.credentials).model_dump())
            for p in outcome.created
        ],
        errors=[
            ImportRowError(line=e.line, device_code=e.device_code, code=e.code, reason=e.reason)
            for e in outcome.errors
        ],
    )


@router.post("/devices/{device_id}/commands", status_code=201)
async def send_device_command(
    device_id: uuid.UUID,
    data: CommandCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> CommandRead:
    """Queue a downlink command; it is published to the device over MQTT once committed."""
    device = await service.get_device(session, device_id, principal=principal)
    principal.require("devices:write", device.org_path)
    command = await commands.send_command(
        session, device=device, name=data.name, params=data.params, actor=principal.actor
    )
    return CommandRead.model_validate(command)


@router.get("/devices/{device_id}/commands")
async def list_device_commands(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    limit: Limit = 20,
) -> CommandPage:
    """Return a device's latest commands, newest first."""
    device = await service.get_device(session, device_id, principal=principal)
    rows = await commands.latest_commands(session, device, limit=limit)
    return CommandPage(items=[CommandRead.model_validate(c) for c in rows])
