from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from linli.cases import service as cases
from linli.cases.models import Case
from linli.cases.sla import service as sla_service
from linli.cases.sla import tasks
from linli.core import clock as clock_mod
from linli.core import events
from linli.core.database import session_scope

from ..conftest import World

SHANGHAI_FRIDAY_17H = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
SHANGHAI_MONDAY_12H = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)


async def _stored(case: Case) -> Case:
    async with session_scope() as session:
        found = await session.get(Case, case.id)
        assert found is not None
        return found


async def test_deadline_runs_on_the_work_calendar(
    world: World, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        await cases.upsert_category(
            session, code="public.order.noise", name="Noise", step_limits={"register": 240}
        )
    clock.set(SHANGHAI_FRIDAY_17H)
    case = await world.report()
    assert case.step == "register"
    assert case.step_started_at == SHANGHAI_FRIDAY_17H
    assert case.step_deadline_at == SHANGHAI_MONDAY_12H  # 1 h on Friday, 3 h on Monday


async def test_a_step_without_a_limit_has_no_deadline(world: World) -> None:
    case = await world.report(category="env.air", title="Smoke")
    assert case.step == "register" and case.step_deadline_at is None


async def test_overdue_case_climbs_community_street_district_once_per_level(
    world: World, clock: clock_mod.ManualClock
) -> None:
    case = await world.report()  # Monday 09:00 local; 60 working minutes to register
    assert case.step_deadline_at == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

    clock.advance(timedelta(minutes=59))
    assert await tasks.sweep_overdue() == 0
    assert not (await _stored(case)).overdue

    clock.advance(timedelta(minutes=2))
    assert await tasks.sweep_overdue() == 1
    street = await _stored(case)
    assert street.overdue and street.escalation_level == 1
    assert street.supervisor_unit_id == world["S1"].id
    assert street.step == "register"
    assert street.step_deadline_at == clock.now() + timedelta(minutes=60)
    assert await tasks.sweep_overdue() == 0  # never twice for one level

    clock.advance(timedelta(minutes=61))
    assert await tasks.sweep_overdue() == 1
    district = await _stored(case)
    assert district.escalation_level == 2 and district.supervisor_unit_id == world["D"].id

    clock.advance(timedelta(hours=5))
    assert await tasks.sweep_overdue() == 0  # nothing above the district
    assert (await _stored(case)).overdue

    async with session_scope() as session:
        timeline = await cases.timeline(session, case)
    escalations = [e for e in timeline if e.action == "escalated"]
    assert [(e.detail["from_unit"]["code"], e.detail["to_unit"]["code"]) for e in escalations] == [
        ("C11", "S1"),
        ("S1", "D"),
    ]
    assert escalations[0].detail["deadline_missed"] == "2026-03-02T02:00:00+00:00"
    assert all(e.actor == "system" and e.detail["step"] == "register" for e in escalations)


async def test_moving_on_clears_the_overdue_flag_and_supervision_stays_up(
    world: World, clock: clock_mod.ManualClock
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    case = await world.report()
    clock.advance(timedelta(minutes=61))
    await tasks.sweep_overdue()
    async with session_scope() as session:
        moved = await cases.register_case(session, case.id, principal=operator.principal)
    assert moved.step == "dispatch" and not moved.overdue
    assert moved.escalation_level == 1 and moved.supervisor_unit_id == world["S1"].id


async def test_deadlines_pause_outside_working_hours(
    world: World, clock: clock_mod.ManualClock
) -> None:
    clock.set(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))  # Monday 17:30 local, 30 min left today
    case = await world.report()
    assert case.step_deadline_at == datetime(2026, 3, 3, 1, 30, tzinfo=UTC)  # Tuesday 09:30
    clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # Tuesday 07:00 local, after 24 h
    assert await tasks.sweep_overdue() == 0


async def test_two_workers_never_escalate_the_same_case(
    world: World, clock: clock_mod.ManualClock, db: str
) -> None:
    if not db.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time; row locks are PostgreSQL's")
    case = await world.report()
    clock.advance(timedelta(hours=2))
    async with session_scope() as first:
        claimed = await cases.escalate_overdue(first)
        assert [c.id for c in claimed] == [case.id]
        async with session_scope() as second:  # another worker while the first holds the row
            assert await asyncio.wait_for(cases.escalate_overdue(second), timeout=10) == []
    async with session_scope() as session:
        timeline = await cases.timeline(session, case)
    assert [e.action for e in timeline].count("escalated") == 1


async def test_overdue_filter_lists_only_late_cases(
    world: World, clock: clock_mod.ManualClock, client: httpx.AsyncClient
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    late = await world.report()
    clock.advance(timedelta(minutes=61))
    await world.report(title="Fresh report")
    await tasks.sweep_overdue()
    resp = await client.get("/api/cases", params={"overdue": "true"}, headers=operator.headers)
    assert resp.status_code == 200
    assert [c["id"] for c in resp.json()["items"]] == [str(late.id)]


# --- deadline warnings --------------------------------------------------------------------


async def _actions(case: Case) -> list[str]:
    async with session_scope() as session:
        return [e.action for e in await cases.timeline(session, case)]


async def test_warning_fires_once_at_80_percent_of_the_working_time(
    world: World, clock: clock_mod.ManualClock
) -> None:
    async with session_scope() as session:
        await cases.upsert_category(
            session, code="public.order.noise", name="Noise", step_limits={"register": 240}
        )
    seen: list[dict[str, object]] = []

    async def collect(event: events.Event) -> None:
        seen.append(event.envelope())

    clock.set(SHANGHAI_FRIDAY_17H)
    case = await world.report()
    # 192 working minutes: 60 on Friday, 132 on Monday from 09:00 local, i.e. 11:12 (03:12 UTC).
    warn_at = datetime(2026, 3, 9, 3, 12, tzinfo=UTC)
    subscription = events.get_bus().subscribe("case.deadline_warning", collect)
    try:
        clock.set(warn_at - timedelta(minutes=1))
        await tasks.sweep_overdue()
        assert "deadline_warning" not in await _actions(case)
        clock.set(warn_at + timedelta(minutes=1))
        await tasks.sweep_overdue()
        await tasks.sweep_overdue()
    finally:
        subscription.close()
    assert (await _actions(case)).count("deadline_warning") == 1
    async with session_scope() as session:
        warning = [e for e in await cases.timeline(session, case) if e.action == "deadline_warning"]
    assert warning[0].detail["step"] == "register"
    assert warning[0].detail["due_at"] == SHANGHAI_MONDAY_12H.isoformat()
    assert warning[0].from_status == warning[0].to_status == "reported"
    assert [(e["subject"], e["case_id"], e["step"]) for e in seen] == [
        ("case.deadline_warning", str(case.id), "register")
    ]


async def test_escalation_does_not_warn_again_but_the_next_step_does(
    world: World, clock: clock_mod.ManualClock
) -> None:
    operator = await world.staff("op_d", "operator", "D")
    case = await world.report()  # register: 60 minutes, warned at 48
    clock.advance(timedelta(minutes=50))
    await tasks.sweep_overdue()
    clock.advance(timedelta(minutes=11))
    assert await tasks.sweep_overdue() == 1
    clock.advance(timedelta(minutes=55))  # 55 of the street's fresh 60 minutes
    await tasks.sweep_overdue()
    assert (await _actions(case)).count("deadline_warning") == 1
    async with session_scope() as session:
        await cases.register_case(session, case.id, principal=operator.principal)
    clock.advance(timedelta(minutes=49))  # dispatch: 60 minutes, warned at 48
    await tasks.sweep_overdue()
    assert (await _actions(case)).count("deadline_warning") == 2


async def test_no_warning_once_the_deadline_has_passed_or_without_a_limit(
    world: World, clock: clock_mod.ManualClock
) -> None:
    late = await world.report()
    unlimited = await world.report(category="env.air", title="Smoke")
    assert unlimited.warn_at is None
    clock.advance(timedelta(minutes=61))  # the sweep ran late: straight to escalation
    assert await tasks.sweep_overdue() == 1
    assert "deadline_warning" not in await _actions(late)
    assert (await _stored(late)).warn_at is None


async def test_two_workers_never_give_the_same_warning(
    world: World, clock: clock_mod.ManualClock, db: str
) -> None:
    if not db.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time; row locks are PostgreSQL's")
    case = await world.report()
    clock.advance(timedelta(minutes=50))
    async with session_scope() as first:
        assert [c.id for c in await sla_service.warn_upcoming(first)] == [case.id]
        async with session_scope() as second:
            assert await asyncio.wait_for(sla_service.warn_upcoming(second), timeout=10) == []
    assert (await _actions(case)).count("deadline_warning") == 1
