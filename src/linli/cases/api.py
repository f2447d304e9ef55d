"""Cases HTTP API: list, report, read with timeline, act, attach photos; categories; the intake
channels from outside (public reports, camera webhook) and the reporter's contact."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from linli.cases import cameras, catalogue, channels, media, ratelimit, service
from linli.cases.models import Case
from linli.cases.schemas import (
    AttachmentRead,
    CameraCreate,
    CameraEventIn,
    CameraEventResult,
    CameraRead,
    CameraRegistered,
    CaseCreate,
    CaseDetail,
    CaseEventRead,
    CasePage,
    CaseRead,
    CategoryDetailRead,
    CategoryRead,
    CategoryUpdate,
    DispatchIn,
    EvidenceIn,
    HandleIn,
    NoteIn,
    PublicNoteRead,
    PublicReportReceipt,
    PublicReportStatus,
    RejectIn,
    ReporterRead,
    ReturnIn,
    VerifyIn,
)
from linli.core.database import session_scope
from linli.core.errors import Unauthenticated
from linli.org import service as org_service
from linli.security.deps import DbSession, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["cases"])

Reader = Annotated[Principal, Depends(require("cases:read"))]
Handler = Annotated[Principal, Depends(require("cases:handle"))]


async def case_detail(session: DbSession, case: Case, principal: Principal) -> CaseDetail:
    """Return the case as the API shows it: with its timeline, photos and allowed actions."""
    events = await service.timeline(session, case)
    files = await service.attachments(session, case)
    return CaseDetail.model_validate(
        {
            **CaseRead.model_validate(case).model_dump(),
            "timeline": [CaseEventRead.model_validate(e) for e in events],
            "attachments": [AttachmentRead.model_validate(a) for a in files],
            "allowed_actions": service.allowed_actions(principal, case),
        }
    )


@router.get("/cases")
async def list_cases(
    session: DbSession,
    principal: Reader,
    status: Annotated[list[str] | None, Query()] = None,
    overdue: bool | None = None,
    assigned_to_me: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    """List the cases you may see, newest first."""
    items, total = await service.list_cases(
        session,
        principal=principal,
        statuses=status or (),
        overdue=overdue,
        assigned_to_me=assigned_to_me,
        q=q,
        limit=limit,
        offset=offset,
    )
    return CasePage(items=[CaseRead.model_validate(c) for c in items], total=total)


@router.post("/cases", status_code=201)
async def report_case(
    body: CaseCreate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:report"))],
) -> CaseDetail:
    """Report a case at a point (or in a unit)."""
    unit = await org_service.get_unit(session, body.unit_id) if body.unit_id else None
    case = await service.report_case(
        session,
        actor=principal,
        category_code=body.category_code,
        title=body.title,
        description=body.description,
        lon=body.lon,
        lat=body.lat,
        unit=unit,
        source=body.source,
        source_ref=body.source_ref,
    )
    if body.caller is not None:
        # In the same unit of work: a bad contact leaves no case behind.
        contact = channels.Contact(**body.caller.model_dump())
        await channels.record_reporter(session, case, channel=body.source, contact=contact)
    return await case_detail(session, case, principal)


@router.get("/cases/{case_id}")
async def get_case(case_id: uuid.UUID, session: DbSession, principal: Reader) -> CaseDetail:
    """Read a case with its timeline and attachments."""
    case = await service.get_case(session, case_id, principal=principal)
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/register")
async def register_case(
    case_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:register"))],
    body: NoteIn | None = None,
) -> CaseDetail:
    """Register a reported case."""
    note = body.note if body else None
    case = await service.register_case(session, case_id, principal=principal, note=note)
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/dispatch")
async def dispatch_case(
    case_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:dispatch"))],
    body: DispatchIn | None = None,
) -> CaseDetail:
    """Dispatch a case to a unit (default: the routing table's choice)."""
    body = body or DispatchIn()
    case = await service.dispatch_case(
        session,
        case_id,
        principal=principal,
        unit_id=body.unit_id,
        note=body.note,
        assignee_id=body.assignee_id,
        auto_assign=body.assign == "auto",
        supporting_unit_ids=body.supporting_unit_ids,
    )
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/accept")
async def accept_case(
    case_id: uuid.UUID, session: DbSession, principal: Handler, body: NoteIn | None = None
) -> CaseDetail:
    """Accept a case dispatched to your unit."""
    note = body.note if body else None
    case = await service.accept_case(session, case_id, principal=principal, note=note)
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/start")
async def start_case(
    case_id: uuid.UUID, session: DbSession, principal: Handler, body: NoteIn | None = None
) -> CaseDetail:
    """Start work on an accepted case."""
    note = body.note if body else None
    case = await service.start_case(session, case_id, principal=principal, note=note)
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/handle")
async def handle_case(
    case_id: uuid.UUID, body: HandleIn, session: DbSession, principal: Handler
) -> CaseDetail:
    """Report the work done, with a note and photos uploaded before."""
    case = await service.handle_case(
        session, case_id, principal=principal, note=body.note, evidence=body.evidence
    )
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/verify")
async def verify_case(
    case_id: uuid.UUID,
    body: VerifyIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:verify"))],
) -> CaseDetail:
    """Pass the handler's work, or fail it back to work with the reason."""
    case = await service.verify_case(
        session,
        case_id,
        principal=principal,
        passed=body.passed,
        note=body.note,
        evidence=body.evidence,
    )
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/close")
async def close_case(
    case_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:close"))],
    body: EvidenceIn | None = None,
) -> CaseDetail:
    """Close a verified case."""
    body = body or EvidenceIn()
    case = await service.close_case(
        session, case_id, principal=principal, note=body.note, evidence=body.evidence
    )
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/reject")
async def reject_case(
    case_id: uuid.UUID,
    body: RejectIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:register"))],
) -> CaseDetail:
    """Reject an invalid case, or a duplicate of another."""
    case = await service.reject_case(
        session, case_id, principal=principal, reason=body.reason, duplicate_of=body.duplicate_of
    )
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/return")
async def return_case(
    case_id: uuid.UUID, body: ReturnIn, session: DbSession, principal: Handler
) -> CaseDetail:
    """Hand a case back: not ours, and why."""
    case = await service.return_case(session, case_id, principal=principal, reason=body.reason)
    return await case_detail(session, case, principal)


@router.post("/cases/{case_id}/attachments", status_code=201)
async def add_attachment(
    case_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="a JPEG, PNG or WebP photo, at most 5 MB")],
    session: DbSession,
    principal: Handler,
) -> AttachmentRead:
    """Attach a photo to a case (to cite as evidence when handling or closing)."""
    # One byte past the limit is enough to refuse, without reading a huge upload into memory.
    data = await file.read(media.MAX_PHOTO_BYTES + 1)
    attachment = await service.add_photo(session, case_id, principal=principal, data=data)
    return AttachmentRead.model_validate(attachment)


@router.get("/cases/{case_id}/attachments/{attachment_id}")
async def get_attachment(
    case_id: uuid.UUID, attachment_id: uuid.UUID, session: DbSession, principal: Reader
) -> Response:
    """Serve a case photo's bytes."""
    attachment = await service.get_attachment(session, case_id, attachment_id, principal=principal)
    return Response(
        content=attachment.data,
        media_type=attachment.content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{attachment.sha256}"',
        },
    )


@router.get("/categories")
async def list_categories(session: DbSession, principal: Reader) -> list[CategoryRead]:
    """List the case categories."""
    return [CategoryRead.model_validate(c) for c in await service.list_categories(session)]


@router.put("/categories/{code}")
async def put_category(
    code: str,
    body: CategoryUpdate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("org:write"))],
) -> CategoryDetailRead:
    """Create or replace a case category; its catalogue fields change only when given."""
    service.require_category_admin(principal)
    changes = body.model_dump(exclude_unset=True)
    # The older fields keep their replace-with-default meaning (but evidence, when given, decides
    # whether a photo is needed).
    for name in ("name", "name_zh", "priority", "step_limits", "requires_photo"):
        if name != "requires_photo" or "required_evidence" not in changes:
            changes.setdefault(name, getattr(body, name))
    category = await catalogue.put_category(session, code=code, changes=changes)
    return CategoryDetailRead.model_validate(category)


@router.get("/cases/{case_id}/reporter")
async def get_reporter(
    case_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("residents:pii"))],
) -> ReporterRead:
    """Read who reported a case (needs `residents:pii` on it; every read is audited)."""
    reporter = await channels.reporter_of(session, case_id, principal=principal)
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
    text: Annotated[str, Form(description="what is wrong, at most 4000 characters")],
    lon: Annotated[float | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
    category_code: Annotated[str | None, Form(max_length=64)] = None,
    photo: Annotated[UploadFile | None, File(description="JPEG, PNG or WebP, at most 5 MB")] = None,
    reporter_name: Annotated[str | None, Form(max_length=100)] = None,
    reporter_phone: Annotated[str | None, Form(max_length=32)] = None,
    reporter_email: Annotated[str | None, Form(max_length=254)] = None,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> PublicReportReceipt | Response:
    """Report a problem as a resident, without an account; returns the case ref and a token."""
    client = request.client.host if request.client else "unknown"
    try:
        # Its own transaction: refused and failed reports use up the budget too.
        async with session_scope() as bucket_session:
            await ratelimit.take_token(bucket_session, f"public-report:{client}")
    except ratelimit.RateLimited as err:
        return JSONResponse(
            err.problem(request.url.path),
            status_code=err.status,
            media_type="application/problem+json",
            headers={"Retry-After": str(err.retry_after)},
        )
    data = await photo.read(media.MAX_PHOTO_BYTES + 1) if photo is not None else None
    receipt = await channels.submit_public_report(
        session,
        text=text,
        lon=lon,
        lat=lat,
        category_code=category_code,
        photo=data or None,
        contact=channels.Contact(reporter_name, reporter_phone, reporter_email),
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
async def follow_public_report(token: str, session: DbSession) -> PublicReportStatus:
    """Follow a report with its token: status and public notes only."""
    status = await channels.follow_public_report(session, token)
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


@router.post("/intake/camera", dependencies=[Depends(public)], tags=["cameras"])
async def camera_event(
    body: CameraEventIn,
    session: DbSession,
    authorization: Annotated[str | None, Header()] = None,
) -> CameraEventResult:
    """Receive one video-analytics event (`Authorization: Camera <token>`)."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "camera" or not secret.strip():
        raise Unauthenticated("use 'Authorization: Camera <token>'", code="bad_auth_header")
    camera = await cameras.authenticate_camera(session, code=body.camera_id, token=secret.strip())
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
