"""Device ingest over HTTP (authenticated by the device's token), and what staff see of it:
the refused inputs kept in quarantine and the ingest metrics."""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import PlainTextResponse
from starlette.requests import ClientDisconnect

from linli.core.deps import Paging
from linli.core.errors import LinliError, TooLarge, Unauthenticated, ValidationFailed
from linli.core.pagination import page_meta
from linli.core.schemas import Key, Secret
from linli.core.settings import get_settings
from linli.iot import metrics, quarantine, repository, service
from linli.iot.models import Device
from linli.iot.schemas import IngestBatch, IngestResult, QuarantinePage, QuarantineRead
from linli.security.deps import DbSession, credentials_checked, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["iot"])
metrics_router = APIRouter(tags=["iot"])

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


@router.post(
    "/ingest",
    dependencies=[Depends(public)],
    openapi_extra=_INGEST_BODY,
    tags=["ingest"],
    responses={401: {"description": "No device credential, or a wrong one"}},
)
async def ingest(
    request: Request,
    session: DbSession,
    x_device_id: Annotated[Key | None, Header(description="the device's code")] = None,
    authorization: Annotated[Secret | None, Header(description="Device <token>")] = None,
) -> IngestResult:
    """Store a device's batch of readings; malformed items come back with their reasons.

    The device's own token is the authentication (checked here, before the body is read).
    """
    device: Device | None = None
    raw = b""
    try:
        with credentials_checked(request, "ingest"):
            code, token = _device_credentials(x_device_id, authorization)
            device = await service.authenticate_device(session, code=code, token=token)
        try:
            raw = await request.body()
        except ClientDisconnect as gone:
            # The device gave up mid-upload (it retries): nothing was read, nothing is stored.
            raise ValidationFailed(
                "the device disconnected before its batch arrived", code="client_disconnected"
            ) from gone
        items = _batch_items(raw)
    except LinliError as err:
        # Kept for operators even though the request fails: commit the quarantine row alone.
        claimed = (x_device_id or "").strip()
        if device is None and claimed:
            device = await repository.device_by_code(session, claimed[:64])
        if not raw:
            with contextlib.suppress(ClientDisconnect):  # gone: kept without its body
                raw = await request.body()
        quarantine.record(
            session,
            channel="http",
            reason=err.code,
            detail=err.detail,
            raw=raw,
            device=device,
            device_code=claimed or None,
        )
        await session.commit()
        raise
    result = await service.ingest_items(session, device=device, items=items)
    quarantine.record_rejections(
        session, channel="http", device=device, items=items, rejected=result.rejected
    )
    return result


@router.get("/iot/quarantine")
async def list_quarantine(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
    paging: Paging,
    channel: Key | None = None,
    reason: Key | None = None,
    device_code: Key | None = None,
) -> QuarantinePage:
    """List refused ingest inputs in the caller's scope, newest first (unknown devices: admins)."""
    page = await quarantine.list_quarantine(
        session,
        principal=principal,
        channel=channel,
        reason=reason,
        device_code=device_code,
        paging=paging,
    )
    return QuarantinePage(
        items=[QuarantineRead.model_validate(q) for q in page.items], **page_meta(page)
    )


@metrics_router.get("/metrics", response_class=PlainTextResponse)
async def prometheus_metrics(
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:read"))],
) -> PlainTextResponse:
    """Ingest metrics in the Prometheus text format (scrape with a staff API token)."""
    return PlainTextResponse(
        await metrics.render(session), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
