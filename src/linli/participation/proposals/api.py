"""Proposals over HTTP: the public list and pages' JSON (`/api/public/proposals`), and staff's
queue, answers, moderation and results (`/api/proposals`). Residents' own actions live under
`/api/my/proposals` (`my_api`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.participation.proposals import service
from linli.participation.proposals.models import Proposal, ProposalComment
from linli.participation.proposals.schemas import (
    AnswerCreate,
    AnswerRead,
    CaseLinkCreate,
    CaseLinkRead,
    CommentHide,
    CommentPage,
    CommentRead,
    MilestoneCreate,
    MilestoneRead,
    MilestoneUpdate,
    ProgressUpdate,
    ProposalDetail,
    ProposalPage,
    ProposalRead,
    ResultRead,
    StaffProposalPage,
    StaffProposalRead,
)
from linli.security.deps import DbSession, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api", tags=["proposals"])

Reader = Annotated[Principal, Depends(require("participation:read"))]
Moderator = Annotated[Principal, Depends(require("participation:moderate"))]
Answerer = Annotated[Principal, Depends(require("participation:answer"))]
StatusFilter = Annotated[
    Key | None, Query(description="not_answered, evaluating, accepted, rejected or withdrawn")
]


def comment_read(comment: ProposalComment) -> CommentRead:
    """Return a comment as anyone reads it: a hidden one by its reason only."""
    if comment.hidden_at is not None:
        return CommentRead(
            id=comment.id, created_at=comment.created_at, hidden=True,
            hidden_reason=comment.hidden_reason,
        )  # fmt: skip
    return CommentRead(
        id=comment.id, created_at=comment.created_at, hidden=False, body=comment.body,
        display_name=comment.display_name,
    )  # fmt: skip


async def proposal_detail(
    session: AsyncSession, proposal: Proposal, *, public_only: bool = True
) -> ProposalDetail:
    """Return a proposal with its official answers and its result."""
    result = await service.result_view(session, proposal, public=public_only)
    return ProposalDetail.model_validate(
        {
            **ProposalRead.model_validate(proposal).model_dump(),
            "org_unit_id": proposal.org_unit_id,
            "answers": [
                AnswerRead.model_validate(a) for a in await service.answers(session, proposal)
            ],
            "result": None
            if result is None
            else ResultRead(
                percent=result.percent,
                status_text=result.status_text,
                updated_at=result.updated_at,
                milestones=[MilestoneRead.model_validate(m) for m in result.milestones],
                cases=[CaseLinkRead.model_validate(c) for c in result.cases],
            ),
        }
    )


# --- public --------------------------------------------------------------------------------


@router.get("/public/proposals", dependencies=[Depends(public)], tags=["public"])
async def list_public_proposals(
    session: DbSession,
    paging: Paging,
    status: StatusFilter = None,
    area: Annotated[uuid.UUID | None, Query(description="an org unit: its whole area")] = None,
) -> ProposalPage:
    """List proposals, newest first, by state and area."""
    page = await service.list_public(session, status=status, area_id=area, paging=paging)
    return ProposalPage(
        items=[ProposalRead.model_validate(p) for p in page.items], **page_meta(page)
    )


@router.get("/public/proposals/{ref}", dependencies=[Depends(public)], tags=["public"])
async def get_public_proposal(ref: Key, session: DbSession) -> ProposalDetail:
    """Read a proposal: supports, official answers, the result's progress and linked cases."""
    return await proposal_detail(session, await service.get_public(session, ref))


@router.get("/public/proposals/{ref}/comments", dependencies=[Depends(public)], tags=["public"])
async def list_public_comments(ref: Key, session: DbSession, paging: Paging) -> CommentPage:
    """List a proposal's comments, oldest first; a hidden one shows only the moderator's reason."""
    page = await service.comments(session, await service.get_public(session, ref), paging=paging)
    return CommentPage(items=[comment_read(c) for c in page.items], **page_meta(page))


# --- staff ---------------------------------------------------------------------------------


@router.get("/proposals")
async def list_proposals(
    session: DbSession, principal: Reader, paging: Paging, status: StatusFilter = None
) -> StaffProposalPage:
    """List the proposals of your subtree, newest first (the unanswered queue: status)."""
    page = await service.list_staff(session, principal, status=status, paging=paging)
    return StaffProposalPage(
        items=[StaffProposalRead.model_validate(p) for p in page.items], **page_meta(page)
    )


@router.get("/proposals/{proposal_id}")
async def get_proposal(
    proposal_id: uuid.UUID, session: DbSession, principal: Reader
) -> ProposalDetail:
    """Read a proposal of your subtree, with linked cases that are not public named as such."""
    proposal = await service.load_for_staff(session, proposal_id, principal)
    return await proposal_detail(session, proposal, public_only=False)


@router.post("/proposals/{proposal_id}/answer", status_code=201)
async def answer_proposal(
    proposal_id: uuid.UUID, body: AnswerCreate, session: DbSession, principal: Answerer
) -> AnswerRead:
    """Answer in public and move the state; the author and the supporters are told."""
    made = await service.answer(session, principal, proposal_id, status=body.status, text=body.text)
    return AnswerRead.model_validate(made)


@router.post("/proposals/{proposal_id}/comments/{comment_id}/hide")
async def hide_comment(
    proposal_id: uuid.UUID,
    comment_id: uuid.UUID,
    body: CommentHide,
    session: DbSession,
    principal: Moderator,
) -> CommentRead:
    """Hide a comment; its place says it was hidden, and why."""
    found = await service.hide_comment(
        session, principal, proposal_id, comment_id, reason=body.reason
    )
    return comment_read(found)


@router.put("/proposals/{proposal_id}/result")
async def set_progress(
    proposal_id: uuid.UUID, body: ProgressUpdate, session: DbSession, principal: Answerer
) -> ProposalDetail:
    """Say how far an accepted proposal's result has come."""
    await service.set_progress(
        session, principal, proposal_id, percent=body.percent, status_text=body.status_text
    )
    proposal = await service.load_for_staff(session, proposal_id, principal)
    return await proposal_detail(session, proposal, public_only=False)


@router.post("/proposals/{proposal_id}/milestones", status_code=201)
async def add_milestone(
    proposal_id: uuid.UUID, body: MilestoneCreate, session: DbSession, principal: Answerer
) -> MilestoneRead:
    """Add a milestone with its due day to an accepted proposal's result."""
    made = await service.add_milestone(
        session, principal, proposal_id, title=body.title, due_on=body.due_on,
        done_on=body.done_on,
    )  # fmt: skip
    return MilestoneRead.model_validate(made)


@router.patch("/proposals/{proposal_id}/milestones/{milestone_id}")
async def update_milestone(
    proposal_id: uuid.UUID,
    milestone_id: uuid.UUID,
    body: MilestoneUpdate,
    session: DbSession,
    principal: Answerer,
) -> MilestoneRead:
    """Change a milestone (e.g. the day it was reached)."""
    changes = body.model_dump(exclude_unset=True)
    made = await service.update_milestone(session, principal, proposal_id, milestone_id, changes)
    return MilestoneRead.model_validate(made)


@router.post("/proposals/{proposal_id}/cases", status_code=201)
async def link_case(
    proposal_id: uuid.UUID, body: CaseLinkCreate, session: DbSession, principal: Answerer
) -> ProposalDetail:
    """Link a case you may read to an accepted proposal's result, by its reference."""
    await service.link_case(session, principal, proposal_id, case_ref=body.ref)
    proposal = await service.load_for_staff(session, proposal_id, principal)
    return await proposal_detail(session, proposal, public_only=False)
