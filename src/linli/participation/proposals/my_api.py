"""A resident's own proposal actions over HTTP (`/api/my/proposals`): propose, support and
withdraw support, comment, withdraw their proposal. Each route's rule is the signed-in
resident; what each action needs (a home in the proposal's area) is checked by the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from linli.core.deps import Paging
from linli.core.pagination import page_meta
from linli.core.schemas import Key
from linli.participation.proposals import service
from linli.participation.proposals.api import comment_read
from linli.participation.proposals.schemas import (
    CommentCreate,
    CommentRead,
    ProposalCreate,
    ProposalPage,
    ProposalRead,
    SupportState,
)
from linli.residents.deps import resident
from linli.residents.types import ResidentActor
from linli.security.deps import DbSession

router = APIRouter(prefix="/api/my", tags=["proposals", "residents"])

Resident = Annotated[ResidentActor, Depends(resident())]


@router.get("/proposals")
async def my_proposals(session: DbSession, actor: Resident, paging: Paging) -> ProposalPage:
    """List my proposals, newest first."""
    page = await service.list_mine(session, actor, paging=paging)
    return ProposalPage(
        items=[ProposalRead.model_validate(p) for p in page.items], **page_meta(page)
    )


@router.post("/proposals", status_code=201)
async def propose(body: ProposalCreate, session: DbSession, actor: Resident) -> ProposalRead:
    """Propose something for an area my home is in."""
    made = await service.propose(
        session, actor, area_id=body.area_id, title=body.title, body=body.body,
        place=body.place, display_name=body.display_name,
    )  # fmt: skip
    return ProposalRead.model_validate(made)


async def _state(session: DbSession, actor: ResidentActor, ref: str) -> SupportState:
    proposal = await service.get_public(session, ref)
    mine = await service.supported(session, actor, [proposal])
    return SupportState(
        ref=proposal.ref, support_count=proposal.support_count, supported=proposal.id in mine
    )


@router.post("/proposals/{ref}/support")
async def support(ref: Key, session: DbSession, actor: Resident) -> SupportState:
    """Support a proposal of my area (once; again changes nothing)."""
    await service.support(session, actor, ref)
    return await _state(session, actor, ref)


@router.delete("/proposals/{ref}/support")
async def unsupport(ref: Key, session: DbSession, actor: Resident) -> SupportState:
    """Withdraw my support."""
    await service.unsupport(session, actor, ref)
    return await _state(session, actor, ref)


@router.post("/proposals/{ref}/comments", status_code=201)
async def comment(
    ref: Key, body: CommentCreate, session: DbSession, actor: Resident
) -> CommentRead:
    """Comment on a proposal of my area."""
    made = await service.comment(
        session, actor, ref, body=body.body, display_name=body.display_name
    )
    return comment_read(made)


@router.post("/proposals/{ref}/withdraw")
async def withdraw(ref: Key, session: DbSession, actor: Resident) -> ProposalRead:
    """Withdraw my own proposal while nothing is decided."""
    return ProposalRead.model_validate(await service.withdraw(session, actor, ref))
