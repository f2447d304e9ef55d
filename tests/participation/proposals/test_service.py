"""Proposals through their service: who may propose, support and comment, the states and who
moves them, answers that tell the author and the supporters in their language, results."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from linli.core.database import session_scope
from linli.core.errors import Forbidden, LinliError
from linli.core.pagination import PageQuery
from linli.participation.proposals import service
from linli.participation.proposals.errors import (
    IllegalTransition,
    NoResult,
    NotTheAuthor,
    ProposalClosed,
    ProposalNotFound,
    UnknownCase,
)
from linli.participation.proposals.models import ProposalSupport
from linli.residents import service as residents_service
from linli.residents.types import Level

from .conftest import Scene


async def test_a_resident_proposes_for_an_area_their_home_is_in(scene: Scene) -> None:
    author = scene.resident("S1-C1-G1")
    made = await scene.propose(author, area="S1")
    assert made.ref.startswith("P-260302-") and made.status == "not_answered"
    assert made.author_actor == author.actor and made.org_path == scene.tree.unit("S1").path
    with pytest.raises(Forbidden) as refused:
        await scene.propose(author, area="S2-C1")
    assert refused.value.code == "outside_area"
    async with session_scope() as session:
        areas = [u.code for u in await service.home_areas(session, author)]
    assert areas == ["T", "T-S1", "T-S1-C1", "T-S1-C1-G1"]
    homeless = scene.resident("S1-C1-G1")
    no_home = type(homeless)(homeless.account_id, Level.SIGNED_IN, None)
    with pytest.raises(Forbidden):
        await scene.propose(no_home, area="S1")


async def test_one_support_a_resident_and_it_can_be_withdrawn(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    fan = scene.resident("S1-C1-G2")
    async with session_scope() as session:
        await service.support(session, fan, made.ref)
        again = await service.support(session, fan, made.ref)
    assert again.support_count == 1
    async with session_scope() as session:
        after = await service.unsupport(session, fan, made.ref)
        assert after.support_count == 0
        assert await service.supported(session, fan, [after]) == set()
    outsider = scene.resident("S2-C1-G1")
    async with session_scope() as session:
        with pytest.raises(Forbidden):
            await service.support(session, outsider, made.ref)


async def test_support_counts_once_when_a_resident_presses_twice_at_once(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    fan, other = scene.resident(), scene.resident()

    async def press(who: object) -> None:
        async with session_scope() as session:
            await service.support(session, who, made.ref)  # type: ignore[arg-type]

    await asyncio.gather(press(fan), press(fan), press(fan), press(other))
    async with session_scope() as session:
        proposal = await service.get_public(session, made.ref)
        rows = await session.scalar(
            select(func.count()).where(ProposalSupport.proposal_id == proposal.id)
        )
    assert (proposal.support_count, rows) == (2, 2)


async def test_states_move_only_as_the_table_says(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    op = scene.operator.principal
    async with session_scope() as session:
        answer = await service.answer(session, op, made.id, status="evaluating", text="We look.")
    assert (answer.from_status, answer.to_status) == ("not_answered", "evaluating")
    async with session_scope() as session:
        with pytest.raises(IllegalTransition) as same:
            await service.answer(session, op, made.id, status="evaluating", text="Again")
    assert same.value.status == 409 and "already evaluating" in same.value.detail
    async with session_scope() as session:
        await service.answer(session, op, made.id, status="rejected", text="No budget this year.")
    for wanted in ("accepted", "evaluating", "withdrawn", "not_answered"):
        async with session_scope() as session:
            with pytest.raises(IllegalTransition) as late:
                await service.answer(session, op, made.id, status=wanted, text="Changed my mind")
        assert late.value.extra == {"current": "rejected", "wanted": wanted}


async def test_only_the_author_withdraws_and_only_before_a_decision(scene: Scene) -> None:
    author = scene.resident()
    made = await scene.propose(author)
    async with session_scope() as session:
        with pytest.raises(NotTheAuthor):
            await service.withdraw(session, scene.resident(), made.ref)
    async with session_scope() as session:
        gone = await service.withdraw(session, author, made.ref)
    assert gone.status == "withdrawn" and gone.decided_at is not None
    async with session_scope() as session:
        with pytest.raises(IllegalTransition):
            await service.withdraw(session, author, made.ref)
        with pytest.raises(ProposalClosed):
            await service.support(session, scene.resident(), made.ref)
        with pytest.raises(IllegalTransition):
            await service.answer(
                session, scene.operator.principal, made.id, status="accepted", text="Yes"
            )
    decided = await scene.propose(author, title="Shade over the bus stop")
    async with session_scope() as session:
        await service.answer(
            session, scene.operator.principal, decided.id, status="accepted", text="Yes"
        )
    async with session_scope() as session:
        with pytest.raises(IllegalTransition):
            await service.withdraw(session, author, decided.ref)


async def test_staff_answer_only_in_their_subtree_and_with_the_permission(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    async with session_scope() as session:
        with pytest.raises(ProposalNotFound):
            await service.answer(
                session, scene.other_operator.principal, made.id, status="accepted", text="Yes"
            )
        with pytest.raises(Forbidden):
            await service.answer(
                session, scene.inspector.principal, made.id, status="accepted", text="Yes"
            )
        page = await service.list_staff(session, scene.other_operator.principal)
    assert page.items == []


async def test_an_answer_tells_the_author_and_supporters_in_their_language(scene: Scene) -> None:
    author = await scene.account(locale="zh_Hans")
    made = await scene.propose(author, title="池塘边放一张长椅")
    fans = [await scene.account(locale=loc) for loc in ("ms", "ta", "en")]
    async with session_scope() as session:
        for fan in fans:
            await service.support(session, fan, made.ref)
        await service.support(session, author, made.ref)  # the author supports too: told once
        await service.answer(
            session, scene.operator.principal, made.id, status="accepted", text="明年春天安装。"
        )
    told = {}
    async with session_scope() as session:
        for who in (author, *fans):
            told[who.account_id] = (
                await residents_service.inbox(session, who, paging=PageQuery())
            ).items
    assert all(len(messages) == 1 for messages in told.values())
    (mine,) = told[author.account_id]
    assert mine.subject == "您的建议已被采纳：池塘边放一张长椅"
    assert told[fans[0].account_id][0].subject.startswith("Cadangan yang anda sokong")
    assert told[fans[2].account_id][0].subject.startswith("A proposal you support was accepted")
    assert all(
        "明年春天安装。" in m.body and m.link == f"/proposals/{made.ref}"
        for messages in told.values()
        for m in messages
    )


async def test_an_accepted_proposal_is_tracked_with_progress_and_milestones(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    op = scene.operator.principal
    async with session_scope() as session:
        with pytest.raises(NoResult):
            await service.set_progress(session, op, made.id, percent=10, status_text="")
        await service.answer(session, op, made.id, status="accepted", text="We will build it.")
    async with session_scope() as session:
        await service.set_progress(session, op, made.id, percent=40, status_text="Ordered")
        first = await service.add_milestone(
            session, op, made.id, title="Bench delivered", due_on=date(2026, 4, 1)
        )
        await service.add_milestone(session, op, made.id, title="Ordered", due_on=date(2026, 3, 9))
        await service.update_milestone(
            session, op, made.id, first.id, {"done_on": date(2026, 3, 30)}
        )
        with pytest.raises(LinliError):
            await service.set_progress(
                session, scene.inspector.principal, made.id, percent=90, status_text="Done"
            )
    async with session_scope() as session:
        proposal = await service.get_public(session, made.ref)
        view = await service.result_view(session, proposal)
    assert view is not None and (view.percent, view.status_text) == (40, "Ordered")
    assert [(m.title, m.done_on) for m in view.milestones] == [
        ("Ordered", None),
        ("Bench delivered", date(2026, 3, 30)),
    ]


async def test_a_linked_case_shows_its_public_status_only(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    op = scene.operator.principal
    public_case = await scene.case()
    internal_case = await scene.case(source="hotline")
    far_case = await scene.case("S2-C1-G1")
    async with session_scope() as session:
        await service.answer(session, op, made.id, status="accepted", text="Yes")
    async with session_scope() as session:
        await service.link_case(session, op, made.id, case_ref=public_case.ref)
        await service.link_case(session, op, made.id, case_ref=internal_case.ref)
        again = await service.link_case(session, op, made.id, case_ref=public_case.ref)
        assert again.case_ref == public_case.ref
        with pytest.raises(UnknownCase):
            await service.link_case(session, op, made.id, case_ref=far_case.ref)
    async with session_scope() as session:
        proposal = await service.get_public(session, made.ref)
        shown = await service.result_view(session, proposal)
        staff = await service.result_view(session, proposal, public=False)
    assert shown is not None and staff is not None
    assert [(c.ref, c.status, c.category_name) for c in shown.cases] == [
        (public_case.ref, "reported", "Noise")
    ]
    assert [(c.ref, c.public, c.status) for c in staff.cases] == [
        (public_case.ref, True, "reported"),
        (internal_case.ref, False, None),
    ]
    assert "Ms Lee" not in repr(shown) and "Ms Lee" not in repr(staff)


async def test_a_hidden_comment_keeps_its_place_and_reason(scene: Scene) -> None:
    made = await scene.propose(scene.resident())
    async with session_scope() as session:
        rude = await service.comment(session, scene.resident(), made.ref, body="You fools!")
        await service.comment(
            session, scene.resident(), made.ref, body="Yes please", display_name="Ah Hock"
        )
    async with session_scope() as session:
        with pytest.raises(ProposalNotFound):
            await service.hide_comment(
                session, scene.other_operator.principal, made.id, rude.id, reason="Insult"
            )
        with pytest.raises(Forbidden):
            await service.hide_comment(
                session, scene.inspector.principal, made.id, rude.id, reason="Insult"
            )
        hidden = await service.hide_comment(
            session, scene.operator.principal, made.id, rude.id, reason="Insults a neighbour"
        )
    assert hidden.hidden_reason == "Insults a neighbour" and hidden.hidden_by == "staff:op1"
