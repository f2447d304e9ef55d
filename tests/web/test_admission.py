"""Admission control: a workload class whose slots are all taken answers 429 (problem+json,
Retry-After) at once instead of queueing, and serves again once load drops; device ingest and
health checks go on meanwhile, on both databases."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import Depends, FastAPI

from factories import DeviceWorld, make_device_world
from linli.core import database
from linli.core.clock import ManualClock
from linli.core.database import Workload
from linli.core.settings import get_settings
from linli.security.deps import public
from linli.web.admission import Gate, Saturated
from linli.web.app import create_app

STAFF = {"admin": ("admin", "T")}


@dataclass
class Held:
    """A test-only API route whose requests hold their slot and a connection of their class
    until `release` is set (as slow API requests do); `classes` are the classes they ran in."""

    wanted: int
    release: asyncio.Event = field(default_factory=asyncio.Event)
    all_in: asyncio.Event = field(default_factory=asyncio.Event)
    classes: list[Workload] = field(default_factory=list)


@pytest.fixture
async def world(db: str, clock: ManualClock) -> DeviceWorld:
    return await make_device_world(DeviceWorld, STAFF)


@pytest.fixture
async def held(
    world: DeviceWorld, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, Held]]:
    """A client of an app with no waiting line, and the held route of its `api` class."""
    monkeypatch.setenv("LINLI_ADMISSION_QUEUE", "0")
    get_settings.cache_clear()
    state = Held(wanted=database.budget(Workload.API))
    app: FastAPI = create_app()

    @app.get("/api/test/held", dependencies=[Depends(public)])
    async def hold() -> dict[str, str]:
        # No statement: a connection taken out of the pool, but no transaction (on SQLite a
        # transaction would hold the one write lock, which no pool can share out).
        async with database.get_engine().connect():
            state.classes.append(database.current_workload())
            if len(state.classes) == state.wanted:
                state.all_in.set()
            await state.release.wait()
        return {"status": "done"}

    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as c:
            yield c, state
    finally:
        state.release.set()
        monkeypatch.undo()
        get_settings.cache_clear()


async def _take_every_api_slot(
    client: httpx.AsyncClient, state: Held
) -> list[asyncio.Task[httpx.Response]]:
    holding = [asyncio.create_task(client.get("/api/test/held")) for _ in range(state.wanted)]
    await asyncio.wait_for(state.all_in.wait(), timeout=30)
    assert state.classes == [Workload.API] * state.wanted
    assert database.get_engine(Workload.API).pool.checkedout() == state.wanted  # type: ignore[attr-defined]
    return holding


async def test_a_saturated_class_answers_429_at_once_and_serves_again_after(
    held: tuple[httpx.AsyncClient, Held], world: DeviceWorld
) -> None:
    client, state = held
    holding = await _take_every_api_slot(client, state)

    refused = await client.get("/api/devices", headers=world.auth("admin"))
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    body = refused.json()
    assert (body["status"], body["code"]) == (429, "server_busy")
    assert body["retry_after"] == int(refused.headers["retry-after"])

    state.release.set()  # the load drops
    assert [r.status_code for r in await asyncio.gather(*holding)] == [200] * state.wanted
    served = await client.get("/api/devices", headers=world.auth("admin"))
    assert served.status_code == 200, served.text
    assert {d["code"] for d in served.json()["items"]} == {"AQ-A", "AQ-B"}


async def test_ingest_and_health_go_on_while_the_api_class_is_exhausted(
    held: tuple[httpx.AsyncClient, Held], world: DeviceWorld
) -> None:
    client, state = held
    holding = await _take_every_api_slot(client, state)

    stored = await client.post(
        "/api/ingest",
        json={"readings": [{"metric": "pm25", "value": 12}]},
        headers=world.device_auth("AQ-A"),
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["accepted"] == 1
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/api/devices", headers=world.auth("admin"))).status_code == 429

    state.release.set()
    await asyncio.gather(*holding)
    latest = await client.get(
        f"/api/devices/{world.devices['AQ-A'].id}", headers=world.auth("admin")
    )
    assert latest.status_code == 200, latest.text


async def _until(condition: object, *, turns: int = 100) -> None:
    for _ in range(turns):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0)  # let the other tasks run; no time passes
    raise AssertionError("never happened")


async def test_waiters_are_served_in_order_and_the_line_is_bounded() -> None:
    gate = Gate("api", slots=1, queue=2, wait=30.0)
    await gate.enter()
    first = asyncio.create_task(gate.enter())
    second = asyncio.create_task(gate.enter())
    await _until(lambda: gate.waiting == 2)
    with pytest.raises(Saturated) as refused:
        await gate.enter()
    assert refused.value.status == 429 and refused.value.extra["retry_after"] >= 1

    gate.leave(0.01)
    await _until(first.done)
    assert not second.done(), "first come, first served"
    gate.leave(0.01)
    await _until(second.done)
    gate.leave(0.01)
    assert (gate.in_flight, gate.waiting) == (0, 0)


async def test_a_wait_expected_past_the_deadline_is_refused_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = Gate("ingest", slots=1, queue=10, wait=1.0)
    await gate.enter()
    gate.leave(20.0)  # slots are held for seconds: a newcomer would wait past its deadline
    await gate.enter()
    with caplog.at_level(logging.WARNING, logger="linli.web.admission"):
        for _ in range(3):
            with pytest.raises(Saturated) as refused:
                await gate.enter()
    assert gate.waiting == 0, "refused without joining the line"
    assert refused.value.extra["retry_after"] == 20  # as long as a slot is held
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "saturation is logged once per interval, not per request"


async def test_after_one_slow_request_a_light_burst_waits_its_short_turn_unrefused() -> None:
    """The embedded install's three API slots, a server answering in 20 ms; one request then
    takes 20 s (the first after start, one that loaded a model, one stalled on a busy
    machine). Six people at once is light load: the three beyond the slots wait a moment."""
    gate = Gate("api", slots=3, queue=12, wait=1.0)
    for held in [0.02] * 20 + [20.0]:
        await gate.enter()
        gate.leave(held)
    burst = [asyncio.create_task(gate.enter()) for _ in range(6)]
    await _until(lambda: gate.in_flight == 3 and gate.waiting == 3)
    assert gate.expected_wait() < 0.1
    for _ in range(3):
        gate.leave(0.02)
    await asyncio.gather(*burst)  # none refused
    assert (gate.in_flight, gate.waiting) == (3, 0)


async def test_a_wait_ended_just_as_the_slot_is_handed_on_takes_no_slot() -> None:
    gate = Gate("ingest", slots=1, queue=4, wait=30.0)
    await gate.enter()
    waiter = asyncio.create_task(gate.enter())
    await _until(lambda: gate.waiting == 1)
    waiter.cancel()  # its wait ends (a timeout, a client gone) before it can leave the line…
    gate.leave(0.01)  # …and the slot is handed on in the meantime: no error for the leaver
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert (gate.in_flight, gate.waiting) == (0, 0), "the slot is free again, the line empty"
    await gate.enter()
    assert gate.in_flight == 1
