"""Votes HTTP API: staff run votes and paper ballots; anybody reads published results.

No route answers who chose what: ballots are read only as counts, and only once published.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.deps import Paging
from linli.core.errors import NotFound
from linli.core.pagination import page_meta
from linli.participation.ballots import service
from linli.participation.ballots.models import PaperBatch, Vote
from linli.participation.ballots.schemas import (
    AreaTurnout,
    BallotIn,
    OptionCount,
    OptionCreate,
    OptionRead,
    OptionResult,
    PaperBatchIn,
    PaperBatchRead,
    PaperConfirmIn,
    PaperVoterIn,
    PaperVoterRead,
    Phase,
    PhaseChange,
    PhaseChangeRead,
    Receipt,
    Results,
    Turnout,
    VoteCreate,
    VoteDetail,
    VotePage,
    VoteRead,
)
from linli.residents.deps import CurrentResident
from linli.security.deps import DbSession, public, require
from linli.security.permissions import Principal

router = APIRouter(prefix="/api/votes", tags=["votes"])
public_router = APIRouter(prefix="/api/public/votes", tags=["votes"])
my_router = APIRouter(prefix="/api/my/votes", tags=["votes"])

Officer = Annotated[Principal, Depends(require(service.PERMISSION))]


def vote_read(vote: Vote) -> VoteRead:
    return VoteRead.model_validate(
        {**{k: getattr(vote, k) for k in VoteRead.model_fields if k != "need_level"},
         "need_level": service.level_name(vote)}
    )  # fmt: skip


async def detail_of(session: AsyncSession, vote: Vote) -> VoteDetail:
    """Return a vote with its options and phase history."""
    view = await service.view_vote(session, vote)
    return VoteDetail(
        **vote_read(vote).model_dump(),
        options=[OptionRead.model_validate(o) for o in view.options],
        phases=[PhaseChangeRead.model_validate(p) for p in view.phases],
    )


def turnout_read(view: service.TurnoutView) -> Turnout:
    return Turnout(
        vote_id=view.vote_id,
        online=view.online,
        paper=view.paper,
        voters=view.voters,
        eligible=view.eligible,
        areas=[
            AreaTurnout(
                unit_id=a.unit_id, name=a.name, voters=a.voters, eligible=a.eligible,
                turnout=a.turnout,
            )
            for a in view.areas
        ],
    )  # fmt: skip


def results_read(view: service.ResultsView) -> Results:
    return Results(
        vote_id=view.vote.id,
        title=view.vote.title,
        kind=view.vote.kind,
        budget=view.vote.budget,
        currency=view.vote.currency,
        ballots=view.ballots,
        paper_ballots=view.paper_ballots,
        spent=view.spent,
        options=[
            OptionResult(
                option_id=r.option.id, title=r.option.title, cost=r.option.cost, votes=r.votes,
                rank=r.rank, funded=r.funded,
            )
            for r in view.options
        ],
        turnout=turnout_read(view.turnout),
    )  # fmt: skip


async def batch_read(session: AsyncSession, batch: PaperBatch) -> PaperBatchRead:
    figures = await service.batch_figures(session, batch)
    confirmed = figures is not None
    return PaperBatchRead(
        id=batch.id,
        station=batch.station,
        batch=batch.batch,
        status=batch.status,
        entered_by=batch.entered_by,
        entered_at=batch.entered_at,
        confirmed_by=batch.confirmed_by,
        confirmed_at=batch.confirmed_at,
        ballots=batch.ballots if confirmed else None,
        counts=[OptionCount(option_id=o, count=n) for o, n in figures.items()] if figures else None,
    )


@router.get("")
async def list_votes(
    session: DbSession,
    principal: Officer,
    paging: Paging,
    phase: Annotated[Phase | None, Query()] = None,
) -> VotePage:
    """List the votes of your subtree, newest first."""
    page = await service.list_votes(session, principal=principal, phase=phase, paging=paging)
    return VotePage(items=[vote_read(v) for v in page.items], **page_meta(page))


@router.post("", status_code=201)
async def create_vote(body: VoteCreate, session: DbSession, principal: Officer) -> VoteDetail:
    """Create a vote (approval or budget-limited) over an org unit, in its ideas phase."""
    vote = await service.create_vote(session, principal=principal, data=body)
    return await detail_of(session, vote)


@router.get("/{vote_id}")
async def get_vote(vote_id: uuid.UUID, session: DbSession, principal: Officer) -> VoteDetail:
    """Read a vote with its options and phase history."""
    vote = await service.get_vote(session, vote_id, principal=principal)
    return await detail_of(session, vote)


@router.post("/{vote_id}/options", status_code=201)
async def add_option(
    vote_id: uuid.UUID, body: OptionCreate, session: DbSession, principal: Officer
) -> OptionRead:
    """Add an option (a project, perhaps from a proposal) in the ideas or review phase."""
    option = await service.add_option(session, vote_id, principal=principal, data=body)
    return OptionRead.model_validate(option)


@router.post("/{vote_id}/phase")
async def change_phase(
    vote_id: uuid.UUID, body: PhaseChange, session: DbSession, principal: Officer
) -> VoteDetail:
    """Move the vote forward: ideas → review → voting → results (recorded, never back)."""
    vote = await service.change_phase(
        session, vote_id, principal=principal, phase=body.phase, note=body.note
    )
    return await detail_of(session, vote)


@router.get("/{vote_id}/turnout")
async def vote_turnout(vote_id: uuid.UUID, session: DbSession, principal: Officer) -> Turnout:
    """Say how many took part, online and on paper, against who may, per sub-area."""
    vote = await service.get_vote(session, vote_id, principal=principal)
    return turnout_read(await service.turnout(session, vote))


@router.get(
    "/{vote_id}/results",
    responses={409: {"description": "The vote has not reached its results phase."}},
)
async def vote_results(vote_id: uuid.UUID, session: DbSession, principal: Officer) -> Results:
    """Read the results, once the vote is in its results phase (409 before, for everyone)."""
    vote = await service.get_vote(session, vote_id, principal=principal)
    return results_read(await service.results(session, vote))


@router.get("/{vote_id}/paper-batches")
async def list_batches(
    vote_id: uuid.UUID, session: DbSession, principal: Officer
) -> list[PaperBatchRead]:
    """List the polling stations' batches; figures only of confirmed ones."""
    found = await service.list_batches(session, vote_id, principal=principal)
    return [await batch_read(session, b) for b in found]


@router.post("/{vote_id}/paper-batches", status_code=201)
async def enter_batch(
    vote_id: uuid.UUID, body: PaperBatchIn, session: DbSession, principal: Officer
) -> PaperBatchRead:
    """Enter a polling station's batch (first officer): counts per option or the papers."""
    batch = await service.enter_batch(
        session,
        vote_id,
        principal=principal,
        station=body.station,
        batch=body.batch,
        ballots=body.ballots,
        counts=body.counts,
        papers=body.papers,
    )
    return await batch_read(session, batch)


@router.post("/{vote_id}/paper-batches/{batch_id}/confirm")
async def confirm_batch(
    vote_id: uuid.UUID,
    batch_id: uuid.UUID,
    body: PaperConfirmIn,
    session: DbSession,
    principal: Officer,
) -> PaperBatchRead:
    """Confirm a batch (second officer) by entering the same figures; it then counts, once."""
    batch, _ = await service.confirm_batch(
        session,
        vote_id,
        batch_id,
        principal=principal,
        ballots=body.ballots,
        counts=body.counts,
        papers=body.papers,
    )
    return await batch_read(session, batch)


@router.delete("/{vote_id}/paper-batches/{batch_id}", status_code=204)
async def discard_batch(
    vote_id: uuid.UUID, batch_id: uuid.UUID, session: DbSession, principal: Officer
) -> Response:
    """Discard an unconfirmed batch so that its station can count it again."""
    await service.discard_batch(session, vote_id, batch_id, principal=principal)
    return Response(status_code=204)


@router.post("/{vote_id}/paper-voters", status_code=201)
async def mark_paper_voter(
    vote_id: uuid.UUID, body: PaperVoterIn, session: DbSession, principal: Officer
) -> PaperVoterRead:
    """Mark a registry resident as handed a paper ballot: they cannot also vote online."""
    marked = await service.mark_paper_voter(
        session, vote_id, principal=principal, resident_id=body.resident_id, station=body.station
    )
    return PaperVoterRead(vote_id=marked.vote_id, station=marked.station or "", marked=True)


@public_router.get("/{vote_id}/results", dependencies=[Depends(public)])
async def public_results(vote_id: uuid.UUID, session: DbSession) -> Results:
    """Read a vote's published results (counts and turnout only); 404 until published."""
    return results_read(await service.public_results(session, vote_id))


def receipt_read(view: service.ReceiptView) -> Receipt:
    return Receipt(
        vote_id=view.vote_id, counted=view.counted, channel=view.channel,
        by_proxy=view.by_proxy, on=view.on,
    )  # fmt: skip


@my_router.get("")
async def my_votes(session: DbSession, actor: CurrentResident, paging: Paging) -> VotePage:
    """List the votes open for voting over your home, newest first."""
    page = await service.open_votes(session, actor, paging=paging)
    return VotePage(items=[vote_read(v) for v in page.items], **page_meta(page))


@my_router.get("/{vote_id}")
async def my_vote(vote_id: uuid.UUID, session: DbSession, actor: CurrentResident) -> VoteDetail:
    """Read a vote over your home with its options."""
    vote = await service.vote_for(session, actor, vote_id)
    return await detail_of(session, vote)


@my_router.post("/{vote_id}/ballot", status_code=201)
async def cast_ballot(
    vote_id: uuid.UUID, body: BallotIn, session: DbSession, actor: CurrentResident
) -> Receipt:
    """Cast your one secret ballot; the receipt says it was counted, never what it chose."""
    return receipt_read(await service.cast_ballot(session, actor, vote_id, body.option_ids))


@my_router.get("/{vote_id}/receipt")
async def my_receipt(vote_id: uuid.UUID, session: DbSession, actor: CurrentResident) -> Receipt:
    """Say whether your ballot was counted (404 `no_receipt` if you have not voted)."""
    await service.vote_for(session, actor, vote_id)
    found = await service.receipt(session, actor, vote_id)
    if found is None:
        raise NotFound("you have not voted in this vote", code="no_receipt")
    return receipt_read(found)


routers = [router, public_router, my_router]
