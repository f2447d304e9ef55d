"""What the public sees of a case: publish it, make a timeline note or a photo public."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from linli.cases import service
from linli.cases.schemas import (
    AttachmentRead,
    CaseDetail,
    CaseEventRead,
    PublishIn,
    VisibilityIn,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["cases"])

Editor = Annotated[Principal, Depends(require("cases:register"))]


@router.put("/cases/{case_id}/published")
async def publish_case(
    case_id: uuid.UUID, body: PublishIn, session: DbSession, principal: Editor
) -> CaseDetail:
    """Show a case in public views whatever its source and category, or take it back."""
    case = await service.publish_case(
        session, case_id, principal=principal, published=body.published
    )
    return await service.case_detail(session, case, principal)


@router.put("/cases/{case_id}/timeline/{seq}/visibility")
async def set_note_visibility(
    case_id: uuid.UUID,
    seq: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: VisibilityIn,
    session: DbSession,
    principal: Editor,
) -> CaseEventRead:
    """Make the note of one timeline entry public or internal."""
    event = await service.set_note_visibility(
        session, case_id, seq, principal=principal, visibility=body.visibility
    )
    return CaseEventRead.model_validate(event)


@router.put("/cases/{case_id}/attachments/{attachment_id}/visibility")
async def set_attachment_visibility(
    case_id: uuid.UUID,
    attachment_id: uuid.UUID,
    body: VisibilityIn,
    session: DbSession,
    principal: Editor,
) -> AttachmentRead:
    """Make a photo of a case public or internal."""
    attachment = await service.set_attachment_visibility(
        session, case_id, attachment_id, principal=principal, visibility=body.visibility
    )
    return AttachmentRead.model_validate(attachment)
