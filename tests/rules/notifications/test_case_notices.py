"""Case events told to the people who act on them: the unit a case is sent to, the handler it
goes back to, the verifiers when it is handled, the leaders when a step is missed (once), the
staff reporter when it closes; nobody else, and nothing for a change that rolled back."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.conftest import Staff, World, build_world
from linli.cases import service as cases
from linli.cases.models import Case
from linli.cases.sla import tasks as sla_tasks
from linli.core import events
from linli.core.clock import ManualClock
from linli.core.database import session_scope
from linli.rules.notifications import case_notices
from linli.rules.notifications.models import Notification
from linli.runtime.extensions import workers

pytestmark = pytest.mark.usefixtures("notify")

STAFF = {  # username: (role, unit code)
    "op": ("operator", "D"),
    "s1op": ("operator", "S1"),
    "c11op": ("operator", "C11"),
    "gw11": ("grid_worker", "C11-G1"),
    "san": ("department_staff", "D-SAN"),
    "san2": ("department_staff", "D-SAN"),
    "tc": ("department_staff", "T-TC"),
}


@pytest.fixture
async def people(db: str, clock: ManualClock) -> tuple[World, dict[str, Staff]]:
    world = await build_world()
    return world, {u: await world.staff(u, role, code) for u, (role, code) in STAFF.items()}


async def cards(staff: Staff) -> list[Notification]:
    """Return a person's case cards, oldest first."""
    async with session_scope() as session:
        found = await session.scalars(
            select(Notification)
            .where(Notification.account_id == staff.id, Notification.kind.like("case.%"))
            .order_by(Notification.created_at, Notification.title)
        )
        return list(found)


async def kinds(people: dict[str, Staff]) -> dict[str, list[str]]:
    return {u: [c.kind for c in await cards(s)] for u, s in people.items() if await cards(s)}


async def test_each_step_tells_the_people_who_act_next_and_nobody_else(
    people: tuple[World, dict[str, Staff]], clock: ManualClock
) -> None:
    world, staff = people
    case = await world.report(
        staff["gw11"], category="env.waste", title="Bins overflowing by block 3", source="patrol"
    )
    async with session_scope() as session:
        await cases.register_case(session, case.id, principal=staff["c11op"].principal)
        await cases.dispatch_case(session, case.id, principal=staff["c11op"].principal)
    await case_notices.run_once()
    assert await kinds(staff) == {"san": ["case.dispatched"], "san2": ["case.dispatched"]}
    (card,) = await cards(staff["san"])
    assert card.title == f"New case for Department D-SAN · {case.ref}"
    assert card.body.splitlines()[0] == f"{case.ref} · Bins overflowing by block 3"
    assert "Sent to Department D-SAN on Mar 2, 2026, 9:00:00" in card.body, "Shanghai time"
    assert "Due by Mar 2, 2026, 10:00:00" in card.body and "Where: Grid C11-G1" in card.body
    assert card.link == f"/cases/{case.id}"

    san = staff["san"].principal
    clock.advance(timedelta(minutes=10))
    async with session_scope() as session:
        await cases.accept_case(session, case.id, principal=san)
        await cases.start_case(session, case.id, principal=san)
        await cases.handle_case(session, case.id, principal=san, note="Emptied")
    await case_notices.run_once()
    (handled,) = await cards(staff["c11op"])  # the verifiers nearest the place
    assert handled.kind == "case.handled" and "Note: Emptied" in handled.body

    clock.advance(timedelta(minutes=10))
    async with session_scope() as session:
        await cases.verify_case(
            session, case.id, principal=staff["c11op"].principal, passed=False, note="Still full"
        )
    await case_notices.run_once()
    reopened = (await cards(staff["san"]))[-1]  # the handler, not the whole unit
    assert reopened.kind == "case.reopened" and "Reason: Still full" in reopened.body
    assert [c.kind for c in await cards(staff["san2"])] == ["case.dispatched"]

    clock.advance(timedelta(minutes=10))
    async with session_scope() as session:
        await cases.handle_case(session, case.id, principal=san, note="Emptied twice")
        await cases.verify_case(session, case.id, principal=staff["c11op"].principal, passed=True)
        await cases.close_case(session, case.id, principal=staff["c11op"].principal)
    await case_notices.run_once()
    (closed,) = await cards(staff["gw11"])  # the staff member who reported it
    assert closed.kind == "case.closed" and closed.title.endswith(case.ref)
    told = await kinds(staff)
    assert set(told) == {"san", "san2", "c11op", "gw11"}, "never the district, nor the town"
    assert told["c11op"] == ["case.handled", "case.handled"]


async def test_a_missed_step_tells_the_supervising_leader_once(
    people: tuple[World, dict[str, Staff]], clock: ManualClock
) -> None:
    world, staff = people
    case = await world.report(staff["gw11"])  # noise: 60 working minutes to register
    clock.advance(timedelta(minutes=61))
    assert await sla_tasks.sweep_overdue() == 1  # escalated from C11 to S1
    await case_notices.run_once()
    assert await sla_tasks.sweep_overdue() == 0
    await case_notices.run_once()
    assert await kinds(staff) == {"s1op": ["case.escalated"]}
    (card,) = await cards(staff["s1op"])
    assert card.title == f"Case escalated to Street S1 · {case.ref}"
    assert card.severity == "minor", "a missed deadline weighs at least minor"

    clock.advance(timedelta(minutes=61))  # missed again at the street: the district hears
    assert await sla_tasks.sweep_overdue() == 1
    clock.advance(timedelta(hours=5))
    assert await sla_tasks.sweep_overdue() == 0
    await case_notices.run_once()
    await case_notices.run_once()
    assert await kinds(staff) == {"s1op": ["case.escalated"], "op": ["case.escalated"]}


async def test_a_change_that_rolled_back_tells_nobody(
    people: tuple[World, dict[str, Staff]],
) -> None:
    world, staff = people
    case = await world.report(staff["gw11"], category="env.waste", title="Bins")
    async with session_scope() as session:
        await cases.register_case(session, case.id, principal=staff["c11op"].principal)
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            await cases.dispatch_case(session, case.id, principal=staff["c11op"].principal)
            raise RuntimeError("the request failed after the dispatch")
    await case_notices.run_once()
    assert await kinds(staff) == {}
    async with session_scope() as session:
        stored = await session.get(Case, case.id)
        assert stored is not None and stored.status == "registered"

    async with session_scope() as session:  # the same dispatch, committed, is told
        await cases.dispatch_case(session, case.id, principal=staff["c11op"].principal)
    await case_notices.run_once()
    assert await kinds(staff) == {"san": ["case.dispatched"], "san2": ["case.dispatched"]}


async def test_the_registered_worker_tells_a_dispatch_as_it_commits(
    people: tuple[World, dict[str, Staff]],
) -> None:
    world, staff = people
    (worker,) = [w for w in workers() if w.name == "notifications.cases"]
    assert worker.role == "worker"
    told = asyncio.Event()

    async def on_notification(_event: events.Event) -> None:
        told.set()

    subscription = events.get_bus().subscribe("notification.created", on_notification)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        case = await world.report(staff["gw11"], category="env.waste", title="Bins")
        async with session_scope() as session:
            await cases.register_case(session, case.id, principal=staff["c11op"].principal)
            await cases.dispatch_case(session, case.id, principal=staff["c11op"].principal)
        await asyncio.wait_for(told.wait(), timeout=10)  # woken by the event, not a poll
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
        subscription.close()
    assert [c.link for c in await cards(staff["san"])] == [f"/cases/{case.id}"]
