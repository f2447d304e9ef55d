"""Queries of votes, written with `select()`; tallies are counts, never single ballots."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import Page, PageQuery, keyset_page, newest_first
from linli.participation.ballots.models import (
    Ballot,
    BallotChoice,
    PaperBatch,
    PaperCount,
    Participation,
    Vote,
    VoteOption,
    VotePhaseChange,
)
from linli.registry.models import Resident

VOTE_KEYS = newest_first(Vote.created_at, Vote.id)


async def get_vote(
    session: AsyncSession, vote_id: uuid.UUID, *, for_update: bool = False, for_share: bool = False
) -> Vote | None:
    """Return a vote, locking its row for the rest of the transaction when asked: exclusively
    (a phase change), or shared (ballots, which a phase change then waits for)."""
    stmt = select(Vote).where(Vote.id == vote_id)
    if for_update:
        stmt = stmt.with_for_update()
    elif for_share:
        stmt = stmt.with_for_update(read=True)
    locked = for_update or for_share
    return await session.scalar(stmt.execution_options(populate_existing=locked))


async def list_votes(
    session: AsyncSession, where: Sequence[ColumnElement[bool]], paging: PageQuery
) -> Page[Vote]:
    """Return the page of matching votes, newest first."""
    return await keyset_page(session, select(Vote).where(*where), VOTE_KEYS, paging)


async def options(session: AsyncSession, vote_id: uuid.UUID) -> list[VoteOption]:
    """Return a vote's options in ballot order."""
    stmt = select(VoteOption).where(VoteOption.vote_id == vote_id).order_by(VoteOption.position)
    return list(await session.scalars(stmt))


async def phase_changes(session: AsyncSession, vote_id: uuid.UUID) -> list[VotePhaseChange]:
    """Return a vote's phase changes, oldest first."""
    stmt = (
        select(VotePhaseChange)
        .where(VotePhaseChange.vote_id == vote_id)
        .order_by(VotePhaseChange.at, VotePhaseChange.id)
    )
    return list(await session.scalars(stmt))


async def participation_of(
    session: AsyncSession, vote_id: uuid.UUID, voter_key: str
) -> Participation | None:
    """Return the participation recorded under a voter's key, if any."""
    stmt = select(Participation).where(
        Participation.vote_id == vote_id, Participation.voter_key == voter_key
    )
    return await session.scalar(stmt)


async def participations_by_channel(session: AsyncSession, vote_id: uuid.UUID) -> dict[str, int]:
    """Return how many took part in a vote through each channel."""
    stmt = (
        select(Participation.channel, func.count())
        .where(Participation.vote_id == vote_id)
        .group_by(Participation.channel)
    )
    return {channel: int(n) for channel, n in (await session.execute(stmt)).all()}


async def participations_under(
    session: AsyncSession, vote_id: uuid.UUID, paths: Sequence[str]
) -> dict[str, int]:
    """Return how many took part from under each of `paths` (one query a path, on the index)."""
    found: dict[str, int] = {}
    for path in paths:
        stmt = select(func.count()).where(
            Participation.vote_id == vote_id,
            Participation.org_path.startswith(path, autoescape=True),
        )
        found[path] = int(await session.scalar(stmt) or 0)
    return found


async def online_tally(
    session: AsyncSession, vote_id: uuid.UUID
) -> tuple[int, dict[uuid.UUID, int]]:
    """Return the number of online ballots and the count of each option chosen on them."""
    ballots = await session.scalar(select(func.count()).where(Ballot.vote_id == vote_id))
    stmt = (
        select(BallotChoice.option_id, func.count())
        .where(BallotChoice.vote_id == vote_id)
        .group_by(BallotChoice.option_id)
    )
    counts = {option: int(n) for option, n in (await session.execute(stmt)).all()}
    return int(ballots or 0), counts


async def paper_tally(
    session: AsyncSession, vote_id: uuid.UUID
) -> tuple[int, dict[uuid.UUID, int]]:
    """Return the paper ballots of the confirmed batches and each option's count on them."""
    confirmed = (PaperBatch.vote_id == vote_id, PaperBatch.status == "confirmed")
    ballots = await session.scalar(select(func.sum(PaperBatch.ballots)).where(*confirmed))
    stmt = (
        select(PaperCount.option_id, func.sum(PaperCount.count))
        .join(PaperBatch, PaperBatch.id == PaperCount.batch_id)
        .where(*confirmed)
        .group_by(PaperCount.option_id)
    )
    counts = {option: int(n or 0) for option, n in (await session.execute(stmt)).all()}
    return int(ballots or 0), counts


async def batches(session: AsyncSession, vote_id: uuid.UUID) -> list[PaperBatch]:
    """Return a vote's paper batches by station and number."""
    stmt = (
        select(PaperBatch)
        .where(PaperBatch.vote_id == vote_id)
        .order_by(PaperBatch.station, PaperBatch.batch)
    )
    return list(await session.scalars(stmt))


async def batch_counts(session: AsyncSession, batch_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Return a batch's count per option."""
    stmt = select(PaperCount.option_id, PaperCount.count).where(PaperCount.batch_id == batch_id)
    return {option: int(n) for option, n in (await session.execute(stmt)).all()}


async def registered_under(session: AsyncSession, paths: Sequence[str]) -> dict[str, int]:
    """Return how many residents the household register holds under each of `paths`."""
    found: dict[str, int] = {}
    for path in paths:
        stmt = select(func.count()).where(Resident.org_path.startswith(path, autoescape=True))
        found[path] = int(await session.scalar(stmt) or 0)
    return found
