"""The care scenario under a controlled clock: two weeks of routine through the real ingest
pipeline, an ordinary late morning and a holiday away that do not alert, then a morning with no
activity that runs the whole chain to an urgent case a carer accepts and handles."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import select

from linli.care.models import CareAlert, CareAlertStep, CareMessage
from linli.cases.models import Case, CaseEvent
from linli.core.clock import ManualClock
from linli.core.database import session_scope

from .care_world import CareWorld, cycle, live_until, local, send


async def _alerts() -> list[CareAlert]:
    async with session_scope() as session:
        return list(await session.scalars(select(CareAlert).order_by(CareAlert.raised_at)))


async def _messages(alert_id: uuid.UUID) -> list[CareMessage]:
    async with session_scope() as session:
        rows = await session.scalars(
            select(CareMessage).where(CareMessage.alert_id == alert_id).order_by(CareMessage.id)
        )
        return list(rows)


async def test_a_quiet_morning_runs_the_chain_to_an_accepted_case(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    profile = await world.create_profile(client)
    assert profile["learning"] is True
    pid = profile["id"]
    await send(world.devices["M-1"], "motion", 1)  # up and about when the profile began
    day0 = local(clock.now(), 0) + timedelta(days=1)
    clock.set(day0)
    # Two weeks of routine: nothing alerts.
    await live_until(clock, world, day0 + timedelta(days=14))
    assert [(a.monitor, a.raised_at) for a in await _alerts()] == []
    read = (await client.get(f"/api/care/profiles/{pid}", headers=world.auth("carer1"))).json()
    assert read["learning"] is False
    assert next(m for m in read["monitors"] if m["kind"] == "routine")["learning"] is False

    # An ordinary late morning: up at 9, water at half past nine.
    late = day0 + timedelta(days=14)
    await live_until(clock, world, late + timedelta(days=1),
                     motion=frozenset(range(9, 22)), water=frozenset({9, 12, 18, 23}))  # fmt: skip
    assert await _alerts() == []

    # A holiday away, marked by the carer: no readings, no alerts.
    away_start = late + timedelta(days=1)
    resp = await client.post(
        f"/api/care/profiles/{pid}/away",
        json={"starts_at": away_start.isoformat(),
              "ends_at": (away_start + timedelta(days=3, hours=6)).isoformat()},
        headers=world.auth("carer1"),
    )  # fmt: skip
    assert resp.status_code == 201, resp.text
    await live_until(clock, world, away_start + timedelta(days=3), motion=frozenset(),
                     water=frozenset())  # fmt: skip
    assert await _alerts() == []
    # Back home (the away period ends at 06:00) and one ordinary day.
    back = away_start + timedelta(days=3)
    await live_until(clock, world, back + timedelta(days=1))
    assert await _alerts() == []

    # A morning with no activity: nothing after bedtime, the 10:00 check fires.
    quiet = back + timedelta(days=1)
    await live_until(clock, world, local(quiet, 10), motion=frozenset(), water=frozenset())
    alerts = await _alerts()
    assert [a.monitor for a in alerts] == ["no_motion_by"]
    alert = alerts[0]
    assert alert.raised_at == local(quiet, 10)
    texts = await _messages(alert.id)
    assert [m.recipient for m in texts] == ["person"]
    assert texts[0].locale == "zh_Hans"

    # No answer from the person: the first contact, in English, after five minutes.
    clock.advance(timedelta(minutes=5))
    await cycle()
    texts = await _messages(alert.id)
    assert [m.recipient for m in texts] == ["person", "contact:1"]
    assert texts[1].address == "+8613900000001" and "GO" in texts[1].body
    # No answer: the second contact, in Chinese, ten minutes later.
    clock.advance(timedelta(minutes=10))
    await cycle()
    texts = await _messages(alert.id)
    assert [m.recipient for m in texts][-1] == "contact:2"
    assert texts[-1].locale == "zh_Hans"
    # No answer: an urgent case, dispatched to the carer.
    clock.advance(timedelta(minutes=10))
    await cycle()
    alert = (await _alerts())[0]
    assert alert.status == "case" and alert.case_id is not None
    async with session_scope() as session:
        case = await session.get(Case, alert.case_id)
        assert case is not None
        assert case.status == "dispatched" and case.assignee_id == world.staff["carer1"]
        assert case.category_code == "care.elderly_alone" and case.source == "care"

    # The carer accepts through the case API and records the visit.
    cid = str(alert.case_id)
    for action, body in (
        ("accept", {}),
        ("start", {}),
        ("handle", {"note": "Visited: had a fever, took her to the clinic"}),
    ):
        resp = await client.post(f"/api/cases/{cid}/{action}", json=body,
                                 headers=world.auth("carer1"))  # fmt: skip
        assert resp.status_code == 200, (action, resp.text)
    # Every step with its time, on the alert and on the case's timeline.
    resp = await client.get(f"/api/care/alerts/{alert.id}", headers=world.auth("carer1"))
    steps = [(s["action"], s["at"]) for s in resp.json()["steps"]]
    assert [a for a, _ in steps] == [
        "raised", "asked_person", "asked_contact", "asked_contact", "case_opened", "dispatched",
    ]  # fmt: skip
    async with session_scope() as session:
        actions = list(
            await session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == alert.case_id)
                .order_by(CaseEvent.seq)
            )
        )  # fmt: skip
    assert "care_dispatched" in actions and actions[-1] == "handle"


async def test_nobody_accepting_passes_the_case_on(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    await world.create_profile(client, contacts=[])
    clock.set(local(clock.now(), 9, 59) + timedelta(days=1))
    clock.advance(timedelta(minutes=1))
    await cycle()  # 10:00, nothing moved since the profile began: the check fires
    clock.advance(timedelta(minutes=5))
    await cycle()  # no contacts: straight to the case, the carer first
    alert = (await _alerts())[0]
    assigned = []
    for _ in range(3):
        async with session_scope() as session:
            case = await session.get(Case, alert.case_id)
            assert case is not None
            assigned.append(case.assignee_id)
        clock.advance(timedelta(minutes=5))
        await cycle()
    assert assigned == [world.staff["carer1"], world.staff["carer2"], world.staff["gw"]]
    async with session_scope() as session:
        steps = list(await session.scalars(
            select(CareAlertStep.action).where(CareAlertStep.alert_id == alert.id)
        ))  # fmt: skip
    assert steps.count("dispatched") == 3 and "escalated_up" in steps


async def test_i_am_ok_closes_the_alert_and_counts_a_false_alarm(
    world: CareWorld, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    profile = await world.create_profile(client)
    clock.set(local(clock.now(), 10) + timedelta(days=1))
    await cycle()
    alert = (await _alerts())[0]
    resp = await client.post(f"/api/care/alerts/{alert.id}/answer", json={"answer": "ok"},
                             headers=world.auth("carer1"))  # fmt: skip
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "answered"
    clock.advance(timedelta(hours=1))
    await cycle()
    assert len(await _messages(alert.id)) == 1  # nobody else asked
    read = (await client.get(f"/api/care/profiles/{profile['id']}",
                             headers=world.auth("carer1"))).json()  # fmt: skip
    assert read["false_alarm_rate"] == 1.0
    # Motion the next morning: no new alert.
    clock.advance(timedelta(hours=20))
    await send(world.devices["M-1"], "motion", 2)
    clock.set(local(clock.now(), 10))
    await cycle()
    assert len(await _alerts()) == 1
