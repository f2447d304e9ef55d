"""HTTP API of dispatch to people, arbitration and joint cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from linli.cases import service
from linli.cases.dispatch import coordination
from linli.cases.dispatch import service as dispatch_service
from linli.cases.dispatch.schemas import (
    ArbitrateIn,
    ContributeIn,
    ParticipantRead,
    ReassignIn,
)
from linli.cases.schemas import (
    CaseDetail,
)
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["cases"])

Reader = Annotated[Principal, Depends(require("cases:read"))]


@router.post("/cases/{case_id}/assign")
async def reassign_case(
    case_id: uuid.UUID,
    body: ReassignIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:dispatch"))],
) -> CaseDetail:
    """Give a dispatched case to another person of its unit (or `assign: auto`)."""
    case = await coordination.reassign_case(
        session,
        case_id,
        principal=principal,
        assignee_id=body.assignee_id,
        auto_assign=body.assign == "auto",
        note=body.note,
    )
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/arbitrate")
async def arbitrate_case(
    case_id: uuid.UUID,
    body: ArbitrateIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:arbitrate"))],
) -> CaseDetail:
    """Rule which unit is responsible for a returned case; that unit can no longer return it."""
    case = await coordination.arbitrate_case(
        session,
        case_id,
        principal=principal,
        unit_id=body.unit_id,
        reason=body.reason,
        supporting_unit_ids=body.supporting_unit_ids,
    )
    return await service.case_detail(session, case, principal)


@router.post("/cases/{case_id}/contribute")
async def contribute_case(
    case_id: uuid.UUID,
    body: ContributeIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require("cases:handle"))],
) -> CaseDetail:
    """Post a supporting unit's part of a joint case; `done: true` when it is finished."""
    case = await coordination.contribute_case(
        session,
        case_id,
        principal=principal,
        note=body.note,
        evidence=body.evidence,
        done=body.done,
    )
    return await service.case_detail(session, case, principal)


@router.get("/cases/{case_id}/participants")
async def list_participants(
    case_id: uuid.UUID, session: DbSession, principal: Reader
) -> list[ParticipantRead]:
    """List the units of a joint case: the lead and the supporting units."""
    case = await service.get_case(session, case_id, principal=principal)
    return [
        ParticipantRead.model_validate(p)
        for p in await dispatch_service.participants(session, case.id)
    ]
