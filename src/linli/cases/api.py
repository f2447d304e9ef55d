"""Cases HTTP API: list, report, read with timeline, act, attach photos; categories."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from linli.cases import category_changes, category_settings, service
from linli.cases.intake import service as intake_service
from linli.cases.schemas import (
    AttachmentRead,
    CaseCreate,
    CaseDetail,
    CasePage,
    CategoryCatalogueRead,
    CategoryDetailRead,
    CategoryUpdate,
    DispatchIn,
    EvidenceIn,
    HandleIn,
    NoteIn,
    RejectIn,
    ReturnIn,
    VerifyIn,
)
from linli.core import media
from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.org import service as org_service
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["cases"])

Reader = Annotated[Principal, Depends(require("cases:read"))]
Handler = Annotated[Principal, Depends(require("cases:handle"))]


@router.get("/cases")
async def list_cases(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    status: Annotated[list[Key] | None, Query(max_length=20)] = None,
    overdue: bool | None = None,
    assigned_to_me: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> CasePage:
    """List the cases you may see, newest first, a page at a time (follow `next`)."""
    page = await service.list_cases(
        session,
        principal=principal,
        statuses=status or (),
        overdue=overdue,
        assigned_to_me=assigned_to_me,
        q=q,
        paging=paging,
    )
    items = [service.case_read(c, principal.locale) for c in page.items]
    return CasePage(items=items, **page_meta(page))


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
        contact = intake_service.Contact(**body.caller.model_dump())
        await intake_service.record_reporter(session, case, channel=body.source, contact=contact)
    return await service.case_detail(session, case, principal)


@router.get("/cases/{case_id}")
async def get_case(case_id: uuid.UUID, session: DbSession, principal: Reader) -> CaseDetail:
    """Read a case with its timeline and attachments."""
    case = await service.get_case(session, case_id, principal=principal)
    return await service.case_detail(session, case, principal)


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
    return await service.case_detail(session, case, principal)


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
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/accept")
async def accept_case(
    case_id: uuid.UUID, session: DbSession, principal: Handler, body: NoteIn | None = None
) -> CaseDetail:
    """Accept a case dispatched to your unit."""
    note = body.note if body else None
    case = await service.accept_case(session, case_id, principal=principal, note=note)
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/start")
async def start_case(
    case_id: uuid.UUID, session: DbSession, principal: Handler, body: NoteIn | None = None
) -> CaseDetail:
    """Start work on an accepted case."""
    note = body.note if body else None
    case = await service.start_case(session, case_id, principal=principal, note=note)
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/handle")
async def handle_case(
    case_id: uuid.UUID, body: HandleIn, session: DbSession, principal: Handler
) -> CaseDetail:
    """Report the work done, with a note and photos uploaded before (one is needed in a town)."""
    case = await service.handle_case(
        session, case_id, principal=principal, note=body.note, evidence=body.evidence
    )
    if body.public:
        await service.publish_step_note(session, case, principal=principal)
    return await service.case_detail(session, case, principal)


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
    if body.public:
        await service.publish_step_note(session, case, principal=principal)
    return await service.case_detail(session, case, principal)


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
    if body.public:
        await service.publish_step_note(session, case, principal=principal)
    return await service.case_detail(session, case, principal)


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
    if body.public:
        await service.publish_step_note(session, case, principal=principal)
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/return")
async def return_case(
    case_id: uuid.UUID, body: ReturnIn, session: DbSession, principal: Handler
) -> CaseDetail:
    """Hand a case back: not ours, and why."""
    case = await service.return_case(session, case_id, principal=principal, reason=body.reason)
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/attachments", status_code=201)
async def add_attachment(
    case_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="a JPEG, PNG or WebP photo, at most 5 MB")],
    session: DbSession,
    principal: Reader,
    public: Annotated[bool, Form(description="show the photo in public views")] = False,
) -> AttachmentRead:
    """Attach a photo to a case (to cite as evidence when handling, verifying or closing).

    Its handlers may, and so may whoever may verify or close it (the proof closing needs).
    """
    # One byte past the limit is enough to refuse, without reading a huge upload into memory.
    data = await file.read(media.MAX_PHOTO_BYTES + 1)
    attachment = await service.add_photo(
        session,
        case_id,
        principal=principal,
        data=data,
        visibility="public" if public else "internal",
    )
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
async def list_categories(
    session: DbSession,
    principal: Reader,
    tree: Annotated[
        uuid.UUID | None,
        Query(description="top-level unit whose settings to show (default: the caller's own)"),
    ] = None,
) -> list[CategoryCatalogueRead]:
    """List the case categories with the settings in force in the caller's tree."""
    tree_id = await category_settings.tree_to_read(session, principal, tree)
    return [
        CategoryCatalogueRead.model_validate(c)
        for c in await service.categories_in_tree(session, tree_id)
    ]


@router.put("/categories/{code}")
async def put_category(
    code: Key,
    body: CategoryUpdate,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("org:write"))],
    tree: Annotated[
        uuid.UUID | None,
        Query(description="top-level unit whose own settings to change (default: see docs)"),
    ] = None,
) -> CategoryDetailRead:
    """Change a tree's own settings of a category, or (an administrator of every tree) create
    or replace the shared category; its catalogue fields change only when given."""
    service.require_category_admin(principal)
    tree_id = await category_settings.tree_to_edit(session, principal, tree)
    changes = body.model_dump(exclude_unset=True)
    if tree_id is not None:
        category = await category_settings.put_setting(
            session, tree_id=tree_id, code=code, changes=changes, actor=principal.actor
        )
        return CategoryDetailRead.model_validate(category)
    # The older fields keep their replace-with-default meaning (but evidence, when given, decides
    # whether a photo is needed).
    for name in ("name", "name_zh", "priority", "step_limits", "requires_photo"):
        if name != "requires_photo" or "required_evidence" not in changes:
            changes.setdefault(name, getattr(body, name))
    category = await category_changes.put_category(session, code=code, changes=changes)
    return CategoryDetailRead.model_validate(category)
