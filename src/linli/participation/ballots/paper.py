"""Paper ballots: the register of paper voters, and polling stations' tallies entered by one
officer and counted only once a second officer has entered the same figures."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.participation.ballots import repository
from linli.participation.ballots.casting import check_choice, require_voting, voter_key
from linli.participation.ballots.errors import AlreadyVoted, BatchNotFound
from linli.participation.ballots.models import (
    PaperBatch,
    PaperCount,
    Participation,
    Vote,
    VoteOption,
)
from linli.participation.ballots.schemas import OptionCount
from linli.participation.ballots.votes import get_vote
from linli.registry import service as registry_service
from linli.security import audit
from linli.security.permissions import Principal


@dataclass(frozen=True, slots=True)
class Figures:
    """A batch's figures: ballots in it and the count of each option (every option listed)."""

    ballots: int
    counts: dict[uuid.UUID, int]


def figures_of(
    vote: Vote,
    options: Sequence[VoteOption],
    *,
    ballots: int | None,
    counts: Sequence[OptionCount] | None,
    papers: Sequence[Sequence[uuid.UUID]] | None,
) -> Figures:
    """Return a batch's figures from counts per option or from its individual paper ballots,
    refusing figures no set of valid ballots could give."""
    if (counts is None) == (papers is None):
        raise ValidationFailed(
            "give either the counts per option or the individual paper ballots",
            code="counts_or_papers",
        )
    tally = {o.id: 0 for o in options}
    if papers is not None:
        for n, paper in enumerate(papers, start=1):
            for option in check_choice(vote, options, paper, what=f"paper ballot {n}").option_ids:
                tally[option] += 1
        if ballots is not None and ballots != len(papers):
            raise ValidationFailed(
                f"{ballots} ballots were announced but {len(papers)} were entered",
                code="ballots_mismatch",
            )
        return Figures(len(papers), tally)
    assert counts is not None
    if ballots is None:
        raise ValidationFailed("counts need the number of paper ballots", code="ballots_needed")
    seen: set[uuid.UUID] = set()
    for item in counts:
        if item.option_id not in tally:
            raise ValidationFailed(
                "the counts name an option that is not on this vote", code="unknown_option"
            )
        if item.option_id in seen:
            raise ValidationFailed("the counts name an option twice", code="duplicate_choice")
        seen.add(item.option_id)
        if item.count > ballots:
            raise ValidationFailed(
                "an option cannot be chosen on more ballots than the batch holds",
                code="count_over_ballots",
            )
        tally[item.option_id] = item.count
    if vote.max_choices is not None and sum(tally.values()) > vote.max_choices * ballots:
        raise ValidationFailed(
            f"{ballots} ballots of at most {vote.max_choices} choices cannot hold these counts",
            code="too_many_choices",
        )
    if vote.kind == "budget" and vote.budget is not None:
        cost = {o.id: o.cost or 0 for o in options}
        if sum(cost[o] * n for o, n in tally.items()) > vote.budget * ballots:
            raise ValidationFailed(
                "these counts spend more than the budget allows on every ballot together",
                code="over_budget",
            )
    return Figures(ballots, tally)


async def _batch(session: AsyncSession, vote: Vote, batch_id: uuid.UUID) -> PaperBatch:
    batch = await session.get(PaperBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None or batch.vote_id != vote.id:
        raise BatchNotFound()
    return batch


async def enter_batch(
    session: AsyncSession,
    vote_id: uuid.UUID,
    *,
    principal: Principal,
    station: str,
    batch: int,
    ballots: int | None,
    counts: Sequence[OptionCount] | None,
    papers: Sequence[Sequence[uuid.UUID]] | None,
) -> PaperBatch:
    """Enter a polling station's batch as the first officer; it counts once confirmed."""
    vote = await get_vote(session, vote_id, principal=principal, for_update=True)
    require_voting(vote)
    station = station.strip()
    if not station:
        raise ValidationFailed("name the polling station", code="bad_station")
    figures = figures_of(
        vote,
        await repository.options(session, vote.id),
        ballots=ballots,
        counts=counts,
        papers=papers,
    )
    now = clock.now()
    entered = PaperBatch(
        vote_id=vote.id,
        station=station,
        batch=batch,
        ballots=figures.ballots,
        status="entered",
        entered_by=principal.account_id,
        entered_at=now,
        created_at=now,
    )
    session.add(entered)
    try:
        await session.flush()
    except IntegrityError as err:
        raise Conflict(
            f"batch {batch} of station '{station}' has been entered already",
            code="batch_exists",
        ) from err
    session.add_all(
        PaperCount(batch_id=entered.id, option_id=o, count=n) for o, n in figures.counts.items()
    )
    await session.flush()
    # The figures stay out of the log until confirmed: the second officer enters them blind.
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.paper_enter",
        target_type="paper_batch",
        target_id=str(entered.id),
        org_path=vote.org_path,
        detail={"vote": str(vote.id), "station": station, "batch": batch},
    )
    return entered


async def confirm_batch(
    session: AsyncSession,
    vote_id: uuid.UUID,
    batch_id: uuid.UUID,
    *,
    principal: Principal,
    ballots: int | None,
    counts: Sequence[OptionCount] | None,
    papers: Sequence[Sequence[uuid.UUID]] | None,
) -> tuple[PaperBatch, bool]:
    """Confirm a batch as the second officer, who enters the same figures; return it and
    whether this call confirmed it (a confirmed batch stays as it is: it counts once)."""
    vote = await get_vote(session, vote_id, principal=principal)
    found = await _batch(session, vote, batch_id)
    if found.status == "confirmed":
        return found, False
    require_voting(vote)
    if found.entered_by == principal.account_id:
        raise Conflict(
            "a second officer must confirm the batch: whoever entered it may not",
            code="second_officer_needed",
        )
    options = await repository.options(session, vote.id)
    figures = figures_of(vote, options, ballots=ballots, counts=counts, papers=papers)
    first = await repository.batch_counts(session, found.id)
    differ = [o.title for o in options if first.get(o.id, 0) != figures.counts.get(o.id, 0)]
    if found.ballots != figures.ballots or differ:
        parts = (["the number of ballots"] if found.ballots != figures.ballots else []) + differ
        raise Conflict(
            "the figures differ from the first officer's entry: " + "; ".join(parts)
            + ". Count the batch again; nothing was confirmed",
            code="paper_mismatch",
            differ=parts,
        )  # fmt: skip
    found.status = "confirmed"
    found.confirmed_by = principal.account_id
    found.confirmed_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.paper_confirm",
        target_type="paper_batch",
        target_id=str(found.id),
        org_path=vote.org_path,
        detail={
            "vote": str(vote.id),
            "station": found.station,
            "batch": found.batch,
            "ballots": found.ballots,
            "counts": {str(o): n for o, n in figures.counts.items()},
        },
    )
    return found, True


async def discard_batch(
    session: AsyncSession, vote_id: uuid.UUID, batch_id: uuid.UUID, *, principal: Principal
) -> None:
    """Discard an unconfirmed batch (after a mismatch) so that it can be counted again."""
    vote = await get_vote(session, vote_id, principal=principal)
    found = await _batch(session, vote, batch_id)
    if found.status == "confirmed":
        raise Conflict("a confirmed batch counts and stays", code="batch_confirmed")
    await session.delete(found)
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.paper_discard",
        target_type="paper_batch",
        target_id=str(batch_id),
        org_path=vote.org_path,
        detail={"vote": str(vote.id), "station": found.station, "batch": found.batch},
    )


async def batch_figures(session: AsyncSession, batch: PaperBatch) -> dict[uuid.UUID, int] | None:
    """Return a batch's counts once confirmed; None before (the second officer counts blind)."""
    if batch.status != "confirmed":
        return None
    return await repository.batch_counts(session, batch.id)


async def list_batches(
    session: AsyncSession, vote_id: uuid.UUID, *, principal: Principal
) -> list[PaperBatch]:
    """Return a vote's paper batches."""
    vote = await get_vote(session, vote_id, principal=principal)
    return await repository.batches(session, vote.id)


async def mark_paper_voter(
    session: AsyncSession,
    vote_id: uuid.UUID,
    *,
    principal: Principal,
    resident_id: uuid.UUID,
    station: str,
) -> Participation:
    """Mark a registry resident in the register as handed a paper ballot, so that they can
    neither vote online nor be handed a second one."""
    vote = await get_vote(session, vote_id, principal=principal)
    require_voting(vote)
    try:
        resident = await registry_service.get_resident(session, resident_id)
    except NotFound:
        raise ValidationFailed(
            "no such resident on the register", code="unknown_resident"
        ) from None
    if not resident.org_path.startswith(vote.org_path):
        raise ValidationFailed(
            "this resident does not live in the vote's area", code="outside_area"
        )
    key = voter_key(vote.id, f"registry:{resident.id}")
    if await repository.participation_of(session, vote.id, key) is not None:
        raise AlreadyVoted()
    marked = Participation(
        vote_id=vote.id,
        voter_key=key,
        channel="paper",
        station=station.strip(),
        org_path=resident.org_path,
        actor=principal.actor,
    )
    session.add(marked)
    try:
        await session.flush()
    except IntegrityError as err:
        raise AlreadyVoted() from err
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.paper_voter",
        target_type="vote",
        target_id=str(vote.id),
        org_path=vote.org_path,
        detail={"station": marked.station},
    )
    return marked
