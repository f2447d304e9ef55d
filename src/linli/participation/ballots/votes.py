"""Create votes, read them in scope, and move them through their phases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import NotFound, ValidationFailed
from linli.core.pagination import Page, PageQuery
from linli.org import service as org_service
from linli.participation.ballots import repository
from linli.participation.ballots.errors import VoteNotFound, WrongPhase
from linli.participation.ballots.models import PHASES, Vote, VoteOption, VotePhaseChange
from linli.participation.ballots.schemas import OptionCreate, VoteCreate
from linli.residents.types import Level, Need, ResidentActor
from linli.security import audit
from linli.security.permissions import Principal

PERMISSION = "participation:ballots"


def need_of(vote: Vote) -> Need:
    """Return what a resident needs to vote: the vote's level, a home inside its area."""
    return Need(Level(vote.need_level), area_path=vote.org_path)


def level_name(vote: Vote) -> str:
    return Level(vote.need_level).name.lower()


async def get_vote(
    session: AsyncSession,
    vote_id: uuid.UUID,
    *,
    principal: Principal | None = None,
    for_update: bool = False,
) -> Vote:
    """Return a vote the principal may manage (None: a trusted or resident caller), else 404."""
    vote = await repository.get_vote(session, vote_id, for_update=for_update)
    if vote is None or (principal is not None and not principal.can(PERMISSION, vote.org_path)):
        raise VoteNotFound()
    return vote


async def list_votes(
    session: AsyncSession,
    *,
    principal: Principal | None = None,
    phase: str | None = None,
    within: str | None = None,
    paging: PageQuery,
) -> Page[Vote]:
    """List votes newest first: the principal's scope, or (for residents) those over `within`."""
    where = []
    if principal is not None:
        where.append(principal.scope(PERMISSION, Vote.org_path))
    if phase is not None:
        where.append(Vote.phase == phase)
    if within is not None:
        # A resident's home lies inside the vote's area: the vote's path prefixes the home's.
        paths = _ancestor_paths(within)
        where.append(Vote.org_path.in_(paths))
    return await repository.list_votes(session, where, paging)


async def open_votes(
    session: AsyncSession, actor: ResidentActor, *, paging: PageQuery
) -> Page[Vote]:
    """List the votes open for voting over the resident's home, newest first."""
    if actor.org_path is None:
        return Page(items=[], next=None)
    return await list_votes(session, phase="voting", within=actor.org_path, paging=paging)


async def vote_for(session: AsyncSession, actor: ResidentActor, vote_id: uuid.UUID) -> Vote:
    """Return a vote over the resident's home (past ideas); any other answers 404."""
    vote = await repository.get_vote(session, vote_id)
    home = actor.org_path
    if vote is None or home is None or not home.startswith(vote.org_path):
        raise VoteNotFound()
    if vote.phase in ("ideas", "review"):
        raise VoteNotFound()
    return vote


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def _check_options(kind: str, options: list[OptionCreate]) -> None:
    for n, option in enumerate(options, start=1):
        if kind == "budget" and option.cost is None:
            raise ValidationFailed(
                f"option {n} has no cost: every project of a budget vote needs one",
                code="cost_needed",
            )
        if kind == "approval" and option.cost is not None:
            raise ValidationFailed(
                f"option {n} has a cost: only budget votes weigh costs", code="cost_not_allowed"
            )


async def create_vote(session: AsyncSession, *, principal: Principal, data: VoteCreate) -> Vote:
    """Create a vote over an org unit in the ideas phase, with its first options."""
    try:
        unit = await org_service.get_unit(session, data.unit_id)
    except NotFound:
        unit = None
    if unit is None or not principal.can(PERMISSION, unit.path):
        raise NotFound("org unit not found", code="unit_not_found")
    if data.kind == "budget" and data.budget is None:
        raise ValidationFailed("a budget vote needs its budget", code="budget_needed")
    if data.kind == "approval" and data.budget is not None:
        raise ValidationFailed("only budget votes have a budget", code="budget_not_allowed")
    if data.kind == "budget" and data.max_choices is not None:
        raise ValidationFailed(
            "a budget vote is limited by its budget, not a number of choices",
            code="max_choices_not_allowed",
        )
    dates = [d for d in (data.ideas_on, data.review_on, data.voting_on, data.results_on) if d]
    if dates != sorted(dates):
        raise ValidationFailed(
            "the phases' dates must follow each other: ideas, review, voting, results",
            code="dates_out_of_order",
        )
    _check_options(data.kind, data.options)
    now = clock.now()
    vote = Vote(
        title=data.title.strip(),
        description=data.description,
        kind=data.kind,
        max_choices=data.max_choices,
        budget=data.budget,
        currency=data.currency.strip(),
        unit_id=unit.id,
        org_path=unit.path,
        need_level=int(Level[data.need_level.upper()]),
        phase="ideas",
        ideas_on=data.ideas_on,
        review_on=data.review_on,
        voting_on=data.voting_on,
        results_on=data.results_on,
        created_by=principal.actor,
        created_at=now,
        updated_at=now,
    )
    if not vote.title:
        raise ValidationFailed("a title has 1 to 200 characters", code="bad_title")
    session.add(vote)
    await session.flush()
    for position, option in enumerate(data.options, start=1):
        session.add(_option(vote, position, option))
    session.add(
        VotePhaseChange(vote_id=vote.id, from_phase=None, to_phase="ideas", actor=principal.actor)
    )
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.create",
        target_type="vote",
        target_id=str(vote.id),
        org_path=vote.org_path,
        detail={"kind": vote.kind, "options": len(data.options)},
    )
    return vote


def _option(vote: Vote, position: int, data: OptionCreate) -> VoteOption:
    return VoteOption(
        vote_id=vote.id,
        position=position,
        title=data.title.strip() or data.title,
        description=data.description,
        cost=data.cost,
        proposal_id=data.proposal_id,
    )


async def add_option(
    session: AsyncSession, vote_id: uuid.UUID, *, principal: Principal, data: OptionCreate
) -> VoteOption:
    """Add an option (a project) while the vote is still collecting ideas or in review."""
    vote = await get_vote(session, vote_id, principal=principal, for_update=True)
    if vote.phase not in ("ideas", "review"):
        raise WrongPhase(
            "options can change only in the ideas and review phases",
            code="options_closed",
            phase=vote.phase,
        )
    _check_options(vote.kind, [data])
    existing = await repository.options(session, vote.id)
    option = _option(vote, len(existing) + 1, data)
    session.add(option)
    await session.flush()
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.option_add",
        target_type="vote",
        target_id=str(vote.id),
        org_path=vote.org_path,
        detail={"option": str(option.id), "title": option.title},
    )
    return option


@dataclass(frozen=True, slots=True)
class VoteView:
    vote: Vote
    options: list[VoteOption]
    phases: list[VotePhaseChange]


async def view_vote(session: AsyncSession, vote: Vote) -> VoteView:
    """Return a vote with its options and phase history."""
    return VoteView(
        vote,
        await repository.options(session, vote.id),
        await repository.phase_changes(session, vote.id),
    )


async def change_phase(
    session: AsyncSession,
    vote_id: uuid.UUID,
    *,
    principal: Principal,
    phase: str,
    note: str = "",
) -> Vote:
    """Move a vote forward to `phase` (never back), recorded with who and why."""
    vote = await get_vote(session, vote_id, principal=principal, for_update=True)
    if phase not in PHASES:
        raise ValidationFailed(f"unknown phase {phase!r}", code="bad_phase")
    if PHASES.index(phase) <= PHASES.index(vote.phase):
        raise WrongPhase(
            f"a vote only moves forward; this one is already in '{vote.phase}'",
            code="phase_backwards",
            phase=vote.phase,
        )
    if phase in ("voting", "results"):
        options = await repository.options(session, vote.id)
        if not options:
            raise WrongPhase(
                "a vote needs options before voting", code="no_options", phase=vote.phase
            )
    now = clock.now()
    session.add(
        VotePhaseChange(
            vote_id=vote.id,
            from_phase=vote.phase,
            to_phase=phase,
            actor=principal.actor,
            note=note,
            at=now,
        )
    )
    await audit.record(
        session,
        actor=principal.actor,
        action="vote.phase",
        target_type="vote",
        target_id=str(vote.id),
        org_path=vote.org_path,
        detail={"from": vote.phase, "to": phase},
    )
    vote.phase = phase
    vote.updated_at = now
    await session.flush()
    return vote
