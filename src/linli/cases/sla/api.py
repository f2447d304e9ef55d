"""HTTP API of the overdue ledger (with explanations) and supervision from above."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from linli.cases import service as cases_service
from linli.cases.sla import supervision
from linli.cases.sla.schemas import (
    ExplainIn,
    OverdueEntryRead,
    OverduePage,
    SupervisedCase,
    SupervisionRead,
    SupervisionRow,
)
from linli.core.deps import Paging
from linli.core.pagination import MAX_LIMIT, PageQuery, page_meta
from linli.security.deps import DbSession, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["cases"])

Reader = Annotated[Principal, Depends(require("cases:read"))]


@router.post("/cases/{case_id}/overdue/explain")
async def explain_overdue(
    case_id: uuid.UUID, body: ExplainIn, session: DbSession, principal: Reader
) -> list[OverdueEntryRead]:
    """Explain in writing why your unit missed the case's deadline(s)."""
    entries = await supervision.explain_overdue(
        session, case_id, principal=principal, explanation=body.explanation
    )
    page = await supervision.list_overdue(
        session, principal=principal, case_id=case_id, paging=PageQuery(limit=MAX_LIMIT)
    )
    ids = {e.id for e in entries}
    return [_line(line) for line in page.items if line.entry.id in ids]


def _line(line: supervision.LedgerLine) -> OverdueEntryRead:
    e = line.entry
    return OverdueEntryRead(
        id=e.id,
        case_id=e.case_id,
        case_ref=line.case_ref,
        step=e.step,
        unit_id=e.unit_id,
        unit_name=line.unit_name,
        level=e.level,
        overdue_at=e.overdue_at,
        explanation=e.explanation,
        explained_by=e.explained_by,
        explained_at=e.explained_at,
        resolved_at=e.resolved_at,
    )


@router.get("/overdue")
async def overdue_ledger(
    session: DbSession,
    principal: Reader,
    paging: Paging,
    unexplained: bool | None = None,
    unit: uuid.UUID | None = None,
    resolved: bool = False,
) -> OverduePage:
    """List missed deadlines in your subtree until their case closes (`resolved=true`: after)."""
    page = await supervision.list_overdue(
        session,
        principal=principal,
        unexplained=unexplained,
        unit_id=unit,
        resolved=resolved,
        paging=paging,
    )
    return OverduePage(items=[_line(x) for x in page.items], **page_meta(page))


@router.get("/supervision")
async def supervision_view(
    session: DbSession,
    principal: Reader,
    unit: uuid.UUID,
    hours: Annotated[int, Query(ge=1, le=72)] = 4,
) -> SupervisionRead:
    """Per child unit: open, overdue, unexplained, due-soon and escalated counts; late cases."""
    view = await supervision.overview(session, unit, principal=principal, hours=hours)
    return SupervisionRead(
        unit_id=view.unit.id,
        due_within_hours=hours,
        due_before=view.due_before,
        children=[
            SupervisionRow(
                unit_id=c.unit.id,
                code=c.unit.code,
                name=c.unit.name,
                kind=c.unit.kind,
                open=c.open,
                overdue=c.overdue,
                unexplained_overdue=c.unexplained_overdue,
                due_soon=c.due_soon,
                escalated_here=c.escalated_here,
            )
            for c in view.children
        ],
        overdue_cases=[
            SupervisedCase(
                case_id=o.case.id,
                ref=o.case.ref,
                title=cases_service.title_in(o.case, principal.locale),
                step=o.case.step,
                deadline_at=o.case.step_deadline_at,
                unit_name=o.unit_name,
                place=o.place,
                lon=o.case.lon,
                lat=o.case.lat,
                why=o.why,
            )
            for o in view.overdue
        ],
    )
