"""Cast a secret ballot: who took part and what was chosen are written apart, in one
transaction, and the unique (vote, voter) key makes a second ballot impossible."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import Forbidden, NotFound, ValidationFailed
from linli.participation.ballots import repository
from linli.participation.ballots.errors import AlreadyVoted, VoteNotFound, WrongPhase
from linli.participation.ballots.models import Ballot, BallotChoice, Participation, Vote, VoteOption
from linli.participation.ballots.votes import need_of
from linli.residents import service as residents_service
from linli.residents.types import ResidentActor
from linli.security import audit
from linli.security.crypto import get_cipher

VOTER_CONTEXT = "vote.voter"


def voter_key(vote_id: uuid.UUID, subject: str) -> str:
    """Return the keyed hash one voter takes part under in one vote.

    `subject` is `registry:<resident id>` for a person on the household register (online with a
    registry-verified account, or marked as a paper voter), else `account:<account id>`. The
    vote's id is hashed in, so a voter's keys in two votes cannot be matched with each other.
    """
    return get_cipher().lookup_hash(f"{vote_id}:{subject}", context=VOTER_CONTEXT)


@dataclass(frozen=True, slots=True)
class Choice:
    """A ballot's options, checked against the vote's rules."""

    option_ids: tuple[uuid.UUID, ...]
    total_cost: int


def check_choice(
    vote: Vote, options: Sequence[VoteOption], chosen: Sequence[uuid.UUID], *, what: str = "ballot"
) -> Choice:
    """Return the checked choice, or raise ValidationFailed saying what is wrong with it."""
    by_id = {o.id: o for o in options}
    if not chosen:
        raise ValidationFailed(f"the {what} chooses nothing", code="empty_ballot")
    if len(set(chosen)) != len(chosen):
        raise ValidationFailed(f"the {what} names an option twice", code="duplicate_choice")
    unknown = [str(o) for o in chosen if o not in by_id]
    if unknown:
        raise ValidationFailed(
            f"the {what} names options that are not on this vote", code="unknown_option",
            options=unknown,
        )  # fmt: skip
    if vote.max_choices is not None and len(chosen) > vote.max_choices:
        raise ValidationFailed(
            f"the {what} chooses {len(chosen)} options; at most {vote.max_choices} may be chosen",
            code="too_many_choices",
            max_choices=vote.max_choices,
        )
    total = sum(by_id[o].cost or 0 for o in chosen)
    if vote.kind == "budget" and vote.budget is not None and total > vote.budget:
        raise ValidationFailed(
            f"the {what}'s projects cost {total}, more than the budget of {vote.budget}",
            code="over_budget",
            total=total,
            budget=vote.budget,
        )
    return Choice(tuple(chosen), total)


def require_voting(vote: Vote) -> None:
    """Raise unless the vote is in its voting phase."""
    if vote.phase != "voting":
        raise WrongPhase(
            f"this vote is not open for voting (it is in its '{vote.phase}' phase)",
            code="vote_not_open",
            phase=vote.phase,
        )


def check_actor(actor: ResidentActor, vote: Vote) -> None:
    """Raise unless the resident (or whoever acts for them, with consent) may vote."""
    if actor.is_proxy and actor.consent_id is None:
        raise Forbidden(
            "acting for another resident needs their recorded consent", code="proxy_without_consent"
        )
    actor.require(need_of(vote))


async def subject_of(session: AsyncSession, actor: ResidentActor) -> str:
    """Return who the actor votes as: the registry resident their account was matched to (the
    key a paper voter is marked under, so one person cannot vote both ways), else the account
    (an account verified otherwise, or an actor no account stands behind)."""
    try:
        account = await residents_service.get_account(session, actor.account_id)
    except NotFound:
        return f"account:{actor.account_id}"
    if account.registry_resident_id is not None:
        return f"registry:{account.registry_resident_id}"
    return f"account:{actor.account_id}"


@dataclass(frozen=True, slots=True)
class ReceiptView:
    vote_id: uuid.UUID
    counted: bool
    channel: str
    by_proxy: bool
    on: date


async def cast_ballot(
    session: AsyncSession, actor: ResidentActor, vote_id: uuid.UUID, option_ids: Sequence[uuid.UUID]
) -> ReceiptView:
    """Record that the resident voted and, apart from it, their secret ballot; return a receipt
    that says it was counted without saying what it chose."""
    vote = await repository.get_vote(session, vote_id, for_share=True)
    if vote is None:
        raise VoteNotFound()
    check_actor(actor, vote)
    require_voting(vote)
    choice = check_choice(vote, await repository.options(session, vote.id), option_ids)
    key = voter_key(vote.id, await subject_of(session, actor))
    if await repository.participation_of(session, vote.id, key) is not None:
        raise AlreadyVoted()
    session.add(
        Participation(
            vote_id=vote.id,
            voter_key=key,
            channel="online",
            account_id=actor.account_id,
            proxy_account_id=actor.proxy_account_id,
            consent_id=actor.consent_id,
            org_path=actor.org_path,
            actor=actor.actor,
        )
    )
    try:
        await session.flush()
    except IntegrityError as err:  # the same voter at the same moment: the other request won
        raise AlreadyVoted() from err
    ballot = Ballot(id=uuid.uuid4(), vote_id=vote.id)
    session.add(ballot)
    await session.flush()
    session.add_all(
        BallotChoice(ballot_id=ballot.id, option_id=o, vote_id=vote.id) for o in choice.option_ids
    )
    await session.flush()
    # The audit log says who took part, as the register does; never the ballot or its id.
    await audit.record(
        session,
        actor=actor.actor,
        action="vote.participate",
        target_type="vote",
        target_id=str(vote.id),
        org_path=vote.org_path,
        detail={"channel": "online"},
    )
    return ReceiptView(vote.id, True, "online", actor.is_proxy, clock.now().date())


async def receipt(
    session: AsyncSession, actor: ResidentActor, vote_id: uuid.UUID
) -> ReceiptView | None:
    """Return the resident's receipt for a vote, or None if they have not taken part."""
    vote = await repository.get_vote(session, vote_id)
    if vote is None:
        raise VoteNotFound()
    key = voter_key(vote.id, await subject_of(session, actor))
    found = await repository.participation_of(session, vote.id, key)
    if found is None:
        return None
    return ReceiptView(
        vote.id, True, found.channel, found.proxy_account_id is not None, found.created_at.date()
    )
