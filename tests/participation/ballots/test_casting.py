"""Casting a ballot (the service, with residents as `ResidentActor`s): one verified resident,
one ballot; every refusal says why and stores nothing."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from linli.core.database import session_scope
from linli.core.errors import LinliError
from linli.participation.ballots import service
from linli.participation.ballots.models import Ballot, BallotChoice, Participation
from linli.residents.types import Level, ResidentActor

from .conftest import Site


async def cast(actor: ResidentActor, vote: dict[str, Any], *titles: str) -> service.ReceiptView:
    ids = [uuid.UUID(o["id"]) for o in vote["options"] if o["title"] in titles]
    async with session_scope() as session:
        return await service.cast_ballot(session, actor, uuid.UUID(vote["id"]), ids)


async def refused(actor: ResidentActor, vote: dict[str, Any], *titles: str) -> LinliError:
    with pytest.raises(LinliError) as caught:
        await cast(actor, vote, *titles)
    return caught.value


async def stored() -> tuple[int, int, int]:
    async with session_scope() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(Participation)) or 0),
            int(await session.scalar(select(func.count()).select_from(Ballot)) or 0),
            int(await session.scalar(select(func.count()).select_from(BallotChoice)) or 0),
        )


async def test_a_verified_resident_votes_once_and_gets_a_receipt_without_the_choice(
    site: Site,
) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    alice = site.resident()

    receipt = await cast(alice, vote, "Playground", "Benches")

    assert receipt.counted and receipt.channel == "online" and not receipt.by_proxy
    assert not hasattr(receipt, "option_ids")
    again = await refused(alice, vote, "Garden")
    assert again.code == "already_voted" and again.status == 409
    assert await stored() == (1, 1, 2)
    async with session_scope() as session:
        later = await service.receipt(session, alice, uuid.UUID(vote["id"]))
        nobody = await service.receipt(session, site.resident(), uuid.UUID(vote["id"]))
    assert later is not None and later.counted and nobody is None


async def test_refusals_say_why_and_store_nothing(site: Site) -> None:
    vote = await site.vote()
    approval = await site.vote(kind="approval", max_choices=2)
    await site.to_phase(approval, "voting")

    # Not yet open.
    early = await refused(site.resident(), vote, "Benches")
    assert (early.status, early.code) == (409, "vote_not_open")
    await site.to_phase(vote, "voting")
    # Only a phone confirmed: not verified against the register.
    phone_only = await refused(site.resident(level=Level.PHONE), vote, "Benches")
    assert (phone_only.status, phone_only.code) == (403, "verification_needed")
    # Living in Street 2.
    outside = await refused(site.resident("T-S2-C1"), vote, "Benches")
    assert (outside.status, outside.code) == (403, "outside_area")
    # Playground and Garden cost 110 of 100.
    over = await refused(site.resident(), vote, "Playground", "Garden")
    assert (over.status, over.code) == (422, "over_budget")
    assert over.extra == {"total": 110, "budget": 100}
    # Three colours where two may be chosen.
    many = await refused(site.resident(), approval, "Red", "Green", "Blue")
    assert (many.status, many.code) == (422, "too_many_choices")
    # Someone acting for a senior without a recorded consent.
    proxy = replace(site.resident(), proxy_account_id=uuid.uuid4())
    no_consent = await refused(proxy, vote, "Benches")
    assert (no_consent.status, no_consent.code) == (403, "proxy_without_consent")
    # An option of another vote.
    async with session_scope() as session:
        with pytest.raises(LinliError) as foreign:
            await service.cast_ballot(
                session,
                site.resident(),
                uuid.UUID(vote["id"]),
                [uuid.UUID(approval["options"][0]["id"])],
            )
    assert foreign.value.code == "unknown_option"

    assert await stored() == (0, 0, 0)
    await site.to_phase(vote, "results")
    closed = await refused(site.resident(), vote, "Benches")
    assert closed.code == "vote_not_open"


async def test_a_proxy_with_consent_is_recorded_as_a_proxy_participation(site: Site) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    senior = site.resident()
    helper, consent = uuid.uuid4(), uuid.uuid4()
    acting = replace(senior, proxy_account_id=helper, consent_id=consent)

    receipt = await cast(acting, vote, "Garden")

    assert receipt.by_proxy
    async with session_scope() as session:
        record = (await session.scalars(select(Participation))).one()
    assert record.account_id == senior.account_id
    assert record.proxy_account_id == helper and record.consent_id == consent
    assert record.actor == f"resident:{helper} for resident:{senior.account_id}"
    # The senior, now signed in themselves, has voted already.
    assert (await refused(senior, vote, "Benches")).code == "already_voted"


async def test_fifty_double_submissions_at_once_make_exactly_one_ballot(site: Site) -> None:
    vote = await site.vote()
    await site.to_phase(vote, "voting")
    alice = site.resident()

    async def attempt(n: int) -> str:
        try:
            await cast(alice, vote, "Benches" if n % 2 else "Playground")
        except LinliError as err:
            return err.code
        return "counted"

    answers = await asyncio.gather(*(attempt(n) for n in range(100)))

    assert answers.count("counted") == 1
    assert set(answers) <= {"counted", "already_voted", "database_busy"}
    assert await stored() in ((1, 1, 1),)
