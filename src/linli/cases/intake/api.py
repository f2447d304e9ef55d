"""Intake HTTP API: public reports and following them, cameras and their webhook, reporters."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Request, Response, UploadFile

from linli.cases.intake import cameras, ratelimit
from linli.cases.intake import service as intake_service
from linli.cases.intake.schemas import (
    CameraCreate,
    CameraEventIn,
    CameraEventResult,
    CameraRead,
    CameraRegistered,
    PublicNoteRead,
    PublicReportReceipt,
    PublicReportStatus,
    ReporterRead,
)
from linli.core import media
from linli.core.errors import Unauthenticated
from linli.core.schemas import Secret
from linli.security.deps import DbSession, client_address, credentials_checked, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["cases"])

Reader = Annotated[Principal, Depends(require("cases:read"))]
Handler = Annotated[Principal, Depends(require("cases:handle"))]


@router.get("/cases/{case_id}/reporter")
async def get_reporter(
    case_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("residents:pii"))],
) -> ReporterRead:
    """Read who reported a case (needs `residents:pii` on it; every read is audited)."""
    reporter = await intake_service.reporter_of(session, case_id, principal=principal)
    return ReporterRead.model_validate(reporter)


# --- public reports -----------------------------------------------------------------------


@router.post(
    "/public/reports",
    status_code=201,
    response_model=PublicReportReceipt,
    dependencies=[Depends(public)],
    tags=["public"],
)
async def submit_public_report(
    request: Request,
    response: Response,
    session: DbSession,
    text: Annotated[str, Form(max_length=4000, description="what is wrong")],
    lon: Annotated[float | None, Form(ge=-180, le=180)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    category_code: Annotated[str | None, Form(max_length=64)] = None,
    photo: Annotated[UploadFile | None, File(description="JPEG, PNG or WebP, at most 5 MB")] = None,
    reporter_name: Annotated[str | None, Form(max_length=100)] = None,
    reporter_phone: Annotated[str | None, Form(max_length=32)] = None,
    reporter_email: Annotated[str | None, Form(max_length=254)] = None,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> PublicReportReceipt | Response:
    """Report a problem as a resident, without an account; returns the case ref and a token."""
    await ratelimit.spend_token(f"public-report:{client_address(request)}")
    data = await photo.read(media.MAX_PHOTO_BYTES + 1) if photo is not None else None
    receipt = await intake_service.submit_public_report(
        session,
        text=text,
        lon=lon,
        lat=lat,
        category_code=category_code,
        photo=data or None,
        contact=intake_service.Contact(reporter_name, reporter_phone, reporter_email),
        idempotency_key=idempotency_key,
    )
    if receipt.replayed:
        response.status_code = 200
    return PublicReportReceipt(
        ref=receipt.case.ref,
        status=receipt.case.status,
        token=receipt.token,
        replayed=receipt.replayed,
    )


@router.get("/public/reports/{token}", dependencies=[Depends(public)], tags=["public"])
async def follow_public_report(token: Secret, session: DbSession) -> PublicReportStatus:
    """Follow a report with its token: status and public notes only."""
    status = await intake_service.follow_public_report(session, token)
    return PublicReportStatus(
        ref=status.ref,
        status=status.status,
        category_code=status.category_code,
        created_at=status.created_at,
        updated_at=status.updated_at,
        closed_at=status.closed_at,
        notes=[PublicNoteRead(at=n.at, status=n.status, note=n.note) for n in status.notes],
    )


# --- cameras ------------------------------------------------------------------------------


@router.post("/cameras", status_code=201, tags=["cameras"])
async def register_camera(
    body: CameraCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("devices:write"))],
) -> CameraRegistered:
    """Register a video-analytics camera; its token is shown once."""
    camera, token = await cameras.register_camera(
        session, principal=principal, code=body.code, name=body.name, lon=body.lon, lat=body.lat
    )
    return CameraRegistered.model_validate(
        {**CameraRead.model_validate(camera).model_dump(), "token": token}
    )


@router.post(
    "/intake/camera",
    dependencies=[Depends(public)],
    tags=["cameras"],
    responses={401: {"description": "No camera token, or a wrong one"}},
)
async def camera_event(
    body: CameraEventIn,
    request: Request,
    session: DbSession,
    authorization: Annotated[Secret | None, Header()] = None,
) -> CameraEventResult:
    """Receive one video-analytics event (`Authorization: Camera <token>`)."""
    scheme, _, secret = (authorization or "").partition(" ")
    with credentials_checked(request, "camera"):
        if scheme.lower() != "camera" or not secret.strip():
            raise Unauthenticated("use 'Authorization: Camera <token>'", code="bad_auth_header")
        camera = await cameras.authenticate_camera(
            session, code=body.camera_id, token=secret.strip()
        )
    case, action = await cameras.receive_event(
        session,
        camera,
        event_type=body.event_type,
        at=body.time,
        snapshot=body.snapshot,
        confidence=body.confidence,
    )
    return CameraEventResult.model_validate(
        {"action": action, "case_id": case.id if case else None, "ref": case.ref if case else None}
    )
