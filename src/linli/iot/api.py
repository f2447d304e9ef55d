"""IoT HTTP API: device ingest (authenticated by the device's token) and the staff device API."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from linli.core.errors import TooLarge, Unauthenticated, ValidationFailed
from linli.core.settings import get_settings
from linli.iot import service
from linli.iot.schemas import (
    DeviceCreate,
    DeviceDetail,
    DevicePage,
    DeviceRead,
    DeviceToken,
    IngestBatch,
    IngestResult,
    LatestList,
    ReadingSeries,
)
from linli.org import service as org_service
from linli.security.deps import DbSession, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["iot"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]

_INGEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": IngestBatch.model_json_schema()}},
    }
}


def _device_credentials(device_code: str | None, authorization: str | None) -> tuple[str, str]:
    if not device_code or not authorization:
        raise Unauthenticated(
            "send 'X-Device-Id: <code>' and 'Authorization: Device <token>'",
            code="device_auth_required",
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "device" or not token.strip():
        raise Unauthenticated("use 'Authorization: Device <token>'", code="bad_device_token")
    return device_code.strip(), token.strip()


def _batch_items(raw: bytes) -> list[Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationFailed("the body is not valid JSON", code="bad_json") from err
    if not isinstance(body, dict) or not isinstance(body.get("readings"), list):
        raise ValidationFailed('the body must be {"readings": [...]}', code="bad_batch")
    items: list[Any] = body["readings"]
    limit = get_settings().max_ingest_batch
    if len(items) > limit:
        raise TooLarge(f"at most {limit} readings per batch", code="batch_too_large")
    return items


@router.post("/ingest", dependencies=[Depends(public)], openapi_extra=_INGEST_BODY)
async def ingest(
    request: Request,
    session: DbSession,
    x_device_id: Annotated[str | None, Header(description="the device's code")] = None,
    authorization: Annotated[str | None, Header(description="Device <token>")] = None,
) -> IngestResult:
    """Store a device's batch of readings; malformed items come back with their reasons.

    The device's own token is the authentication (checked here, before the body is read).
    """
    code, token = _device_credentials(x_device_id, authorization)
    device = await service.authenticate_device(session, code=code, token=token)
    items = _batch_items(await request.body())
    return await service.ingest_items(session, device=device, items=items)


@router.get("/devices")
async def list_devices(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    type: str | None = None,
    unit_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DevicePage:
    """List the devices in the caller's scope."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    items, total = await service.list_devices(
        session, principal=principal, type=type, unit=unit, limit=limit, offset=offset
    )
    return DevicePage(items=[DeviceRead.model_validate(d) for d in items], total=total)


@router.post("/devices", status_code=201)
async def register_device(
    data: DeviceCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> DeviceToken:
    """Register a device; the answer carries its token, which is never shown again."""
    device, token = await service.register_device(session, data=data, principal=principal)
    return DeviceToken(device=DeviceRead.model_validate(device), token=token)


@router.get("/devices/{device_id}")
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
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Annotated[str | None, Query(description="1m, 1h or 1d")] = None,
    agg: Annotated[str, Query(description="avg, min, max or last")] = "avg",
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


@router.get("/devices/{device_id}/readings.csv")
async def device_readings_csv(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> StreamingResponse:
    """Stream a device's readings in [start, end) as CSV (device,metric,ts,value)."""
    _aware(start=start, end=end)
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("'end' must be after 'start'", code="bad_range")
    device = await service.get_device(session, device_id, principal=principal)
    lines = service.export_csv(device.id, device.code, metric=metric, start=start, end=end)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{device.code}-readings.csv"'},
    )


@router.get("/readings/latest")
async def latest_readings(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    device_ids: Annotated[list[uuid.UUID] | None, Query()] = None,
    unit_id: uuid.UUID | None = None,
) -> LatestList:
    """Return the latest value of each metric of the given devices, or of a unit's devices."""
    unit = await org_service.get_unit(session, unit_id) if unit_id else None
    items = await service.latest_for(
        session, principal=principal, device_ids=device_ids or [], unit=unit
    )
    return LatestList(items=items)


@router.post("/devices/{device_id}/token")
async def rotate_device_token(
    device_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> DeviceToken:
    """Issue a new token for a device; the old one stops working."""
    device = await service.get_device(session, device_id, principal=principal)
    token = await service.rotate_token(session, device, principal=principal)
    return DeviceToken(device=DeviceRead.model_validate(device), token=token)
