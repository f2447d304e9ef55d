"""Results and turnout: counts per option (approval) or the funded set (budget), from online
ballots and confirmed paper batches, and turnout per sub-area. Results exist only once the vote
is in its results phase, for everyone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.org import service as org_service
from linli.participation.ballots import repository
from linli.participation.ballots.errors import VoteNotFound, WrongPhase
from linli.participation.ballots.models import Vote, VoteOption


@dataclass(frozen=True, slots=True)
class AreaTurnout:
    unit_id: uuid.UUID
    name: str
    name_zh: str | None
    voters: int
    eligible: int

    @property
    def turnout(self) -> float | None:
        return self.voters / self.eligible if self.eligible else None


@dataclass(frozen=True, slots=True)
class TurnoutView:
    vote_id: uuid.UUID
    online: int
    paper: int
    eligible: int
    areas: list[AreaTurnout]

    @property
    def voters(self) -> int:
        return self.online + self.paper

    @property
    def turnout(self) -> float | None:
        return self.voters / self.eligible if self.eligible else None


async def turnout(session: AsyncSession, vote: Vote) -> TurnoutView:
    """Return who took part (counts only) against who may, over the area and each sub-area.

    Those who may are the residents on the household register of each area, the people a
    registry-verified account is matched to."""
    unit = await org_service.get_unit(session, vote.unit_id)
    children = [
        u
        for u in await org_service.subtree(session, unit)
        if u.depth == unit.depth + 1 and u.kind != "department"
    ]
    paths = [unit.path, *(u.path for u in children)]
    voters = await repository.participations_under(session, vote.id, paths[1:])
    eligible = await repository.registered_under(session, paths)
    channels = await repository.participations_by_channel(session, vote.id)
    return TurnoutView(
        vote.id,
        channels.get("online", 0),
        channels.get("paper", 0),
        eligible[unit.path],
        [AreaTurnout(u.id, u.name, u.name_zh, voters[u.path], eligible[u.path]) for u in children],
    )


@dataclass(frozen=True, slots=True)
class OptionResult:
    option: VoteOption
    votes: int
    rank: int
    funded: bool | None


@dataclass(frozen=True, slots=True)
class ResultsView:
    vote: Vote
    ballots: int
    paper_ballots: int
    spent: int | None
    options: list[OptionResult]
    turnout: TurnoutView


def fund(budget: int, ranked: list[tuple[VoteOption, int]]) -> tuple[set[uuid.UUID], int]:
    """Return the options funded greedily down the ranking within `budget`, and the sum spent."""
    funded: set[uuid.UUID] = set()
    left = budget
    for option, _votes in ranked:
        cost = option.cost or 0
        if cost <= left:
            funded.add(option.id)
            left -= cost
    return funded, budget - left


async def results(session: AsyncSession, vote: Vote) -> ResultsView:
    """Return the published results of a vote in its results phase."""
    if vote.phase != "results":
        raise WrongPhase(
            "results are published when the vote reaches its results phase",
            code="results_not_published",
            phase=vote.phase,
        )
    options = await repository.options(session, vote.id)
    online, online_counts = await repository.online_tally(session, vote.id)
    paper, paper_counts = await repository.paper_tally(session, vote.id)
    votes = {o.id: online_counts.get(o.id, 0) + paper_counts.get(o.id, 0) for o in options}
    ranked = sorted(options, key=lambda o: (-votes[o.id], o.cost or 0, o.position))
    funded: set[uuid.UUID] | None = None
    spent: int | None = None
    if vote.kind == "budget" and vote.budget is not None:
        funded, spent = fund(vote.budget, [(o, votes[o.id]) for o in ranked])
    rows: list[OptionResult] = []
    for o in ranked:
        rank = 1 + sum(1 for other in options if votes[other.id] > votes[o.id])
        rows.append(OptionResult(o, votes[o.id], rank, None if funded is None else o.id in funded))
    return ResultsView(vote, online + paper, paper, spent, rows, await turnout(session, vote))


async def public_results(session: AsyncSession, vote_id: uuid.UUID) -> ResultsView:
    """Return a vote's results for anybody; a vote without published results is not found."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None or vote.phase != "results":
        raise VoteNotFound()
    return await results(session, vote)
