"""Process roles: each `linli serve --role` runs its share of the work, and only that."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError
from sqlalchemy import select

from cases.conftest import build_world
from core.test_natsbus import ensure_nats
from linli.cases.models import Case
from linli.core import clock as clock_mod
from linli.core import eventlog, events
from linli.core.database import close_connections, session_scope
from linli.core.natsbus import RELAY_CURSOR, NatsBus, RelayCursor
from linli.core.settings import get_settings
from linli.runtime.extensions import periodic_tasks, workers
from linli.runtime.roles import Role, tasks_for, workers_for
from linli.web.app import create_app


@pytest.fixture
def mqtt_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings with an MQTT broker URL, so that the MQTT listener exists."""
    monkeypatch.setenv("LINLI_MQTT_URL", "mqtt://127.0.0.1:1883")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("LINLI_MQTT_URL")
    get_settings.cache_clear()


def test_each_role_runs_its_share_of_the_tasks_and_workers(mqtt_configured: None) -> None:
    everything = {w.name for w in workers()}
    assert "iot.mqtt_listener" in everything and "notifications.dispatch" in everything

    assert tasks_for(Role.API) == [] and workers_for(Role.API) == []
    assert tasks_for(Role.INGEST) == [] and tasks_for(Role.WORKER) == []
    scheduled = {t.name for t in tasks_for(Role.SCHEDULER)}
    assert scheduled == {t.name for t in periodic_tasks()} and "cases.sweep_overdue" in scheduled
    assert workers_for(Role.SCHEDULER) == []
    assert {w.name for w in workers_for(Role.INGEST)} == {"iot.mqtt_listener"}
    worker_role = {w.name for w in workers_for(Role.WORKER)}
    assert "notifications.dispatch" in worker_role and "iot.mqtt_listener" not in worker_role
    assert worker_role | {"iot.mqtt_listener"} == everything

    # `all` is the embedded install: everything, and no relay without a NATS bus.
    assert {t.name for t in tasks_for(Role.ALL)} == scheduled
    assert {w.name for w in workers_for(Role.ALL)} == everything
    bus = NatsBus("nats://127.0.0.1:4222")  # never started: only its kind matters here
    assert "core.bus_relay" in {w.name for w in workers_for(Role.WORKER, bus)}
    assert "core.bus_relay" in {w.name for w in workers_for(Role.ALL, bus)}
    assert "core.bus_relay" not in {w.name for w in workers_for(Role.API, bus)}


def test_several_http_processes_serve_only_the_api_role_with_a_bus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a shared bus a live page would see its own process's events alone; other roles
    hold what runs once (the MQTT listener, periodic tasks, SQLite's one writer)."""
    from typer.testing import CliRunner

    from linli.cli import app

    monkeypatch.delenv("LINLI_BUS_URL", raising=False)
    get_settings.cache_clear()
    for role in ("all", "ingest", "api"):
        result = CliRunner().invoke(app, ["serve", "--role", role, "--workers", "2"])
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.replace("│", " ").split())  # rich draws a box around it
        assert "only the api role, with LINLI_BUS_URL set" in said
    get_settings.cache_clear()


async def test_the_ingest_role_serves_device_ingest_and_health_only(db: str) -> None:
    transport = httpx.ASGITransport(app=create_app(Role.INGEST))
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        assert (await client.get("/healthz")).status_code == 200
        ingest = await client.post("/api/ingest", json={"readings": []})
        assert ingest.status_code == 401  # the route is there; the device has no token
        for path in ("/api/cases", "/login", "/api/events/stream", "/api/devices"):
            missing = await client.get(path)
            assert missing.status_code == 404, path
            assert missing.json()["code"] == "not_found"

    transport = httpx.ASGITransport(app=create_app(Role.API))
    async with httpx.AsyncClient(transport=transport, base_url="http://linli.test") as client:
        assert (await client.get("/api/cases")).status_code == 401
        assert (await client.post("/api/ingest", json={"readings": []})).status_code == 401


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(check: Callable[[], object], *, within: float = 60.0) -> None:
    """Await `check()` until it is true, failing after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"still not true after {within} s")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def serving(
    role: str, database_url: str, log: Path, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run `linli serve --role <role>` in its own process until the block ends."""
    await close_connections()  # the other process gets fresh connections
    port = _free_port()
    full_env = {
        **os.environ,
        "LINLI_DATABASE_URL": database_url,
        "LINLI_ESCALATION_SWEEP_SECONDS": "1",
        **{f"LINLI_{k.upper()}": v for k, v in env.items()},
    }
    full_env.pop("LINLI_ROLE", None)
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from linli.cli import app; app()",
            "serve", "--role", role, "--no-migrate", "--port", str(port),
            env=full_env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        if role in ("api", "ingest", "all"):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

                async def healthy() -> bool:
                    assert proc.returncode is None, f"linli serve --role {role} ended"
                    try:
                        return (await client.get("/healthz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await until(healthy)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=20)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _case_state(case_id: uuid.UUID) -> tuple[bool, int]:
    async with session_scope() as session:
        case = await session.get(Case, case_id, populate_existing=True)
        assert case is not None
        return case.overdue, case.escalation_level


async def test_only_the_scheduler_role_fires_a_due_sla_timer_and_its_events_cross_nats(
    db: str, clock: clock_mod.ManualClock, tmp_path: Path
) -> None:
    url = ensure_nats()
    stream = f"LINLI_T{uuid.uuid4().hex[:12].upper()}"
    world = await build_world()
    case = await world.report()  # 60 minutes to register, reported months before the wall clock
    assert await _case_state(case.id) == (False, 0)
    listener = NatsBus(url, stream=stream)  # the test process is "process B"
    await listener.start()
    seen: list[events.Event] = []

    async def on_case(event: events.Event) -> None:
        seen.append(event)

    listener.subscribe("case.*", on_case)
    try:
        api_log = tmp_path / "api.log"
        async with serving("api", db, api_log, bus_url=url, bus_stream=stream):
            # An SLA sweep runs at once and then every second where periodic tasks run; the
            # api process must leave the due case alone for several of those periods.
            for _ in range(30):
                assert await _case_state(case.id) == (False, 0), api_log.read_text()
                await asyncio.sleep(0.1)
        assert "linli api role running: 0 periodic tasks, workers: none" in api_log.read_text()
        assert seen == []

        scheduler_log = tmp_path / "scheduler.log"
        async with serving("scheduler", db, scheduler_log, bus_url=url, bus_stream=stream):
            await until(lambda: _case_state_overdue(case.id))
            # Events the scheduler process committed reach this process through NATS.
            await until(lambda: any(e.envelope().get("case_id") == str(case.id) for e in seen))
        async with session_scope() as session:
            stored = await session.scalar(select(Case).where(Case.id == case.id))
        assert stored is not None and stored.overdue
        actions = {e.envelope().get("action") for e in seen}
        assert "overdue" in actions or "escalated" in actions, actions
    finally:
        await listener.close()
        nc = await nats.connect(url)
        with contextlib.suppress(NotFoundError):
            await nc.jetstream().delete_stream(stream)
        await nc.close()


async def _case_state_overdue(case_id: uuid.UUID) -> bool:
    overdue, _ = await _case_state(case_id)
    return overdue


async def test_the_worker_role_relays_events_that_were_only_logged(
    db: str, clock: clock_mod.ManualClock, tmp_path: Path
) -> None:
    url = ensure_nats()
    stream = f"LINLI_T{uuid.uuid4().hex[:12].upper()}"
    listener = NatsBus(url, stream=stream)
    await listener.start()
    seen: list[events.Event] = []

    async def on_case(event: events.Event) -> None:
        seen.append(event)

    listener.subscribe("case.*", on_case)

    async def relay_ready() -> bool:
        async with session_scope() as session:
            return await session.get(RelayCursor, RELAY_CURSOR) is not None

    try:
        worker_log = tmp_path / "worker.log"
        async with serving("worker", db, worker_log, bus_url=url, bus_stream=stream):
            await until(relay_ready)
            # This process publishes in-process only, as a process cut off from NATS would:
            # the events are in the log, and the worker's relay takes them to every process.
            world = await build_world()
            case = await world.report()
            await until(lambda: any(e.envelope().get("case_id") == str(case.id) for e in seen))
        assert "core.bus_relay" in worker_log.read_text()
        async with session_scope() as session:
            logged = await eventlog.read_after(session, 0, patterns=("case.*",))
        relayed = [e for e in seen if e.envelope().get("case_id") == str(case.id)]
        assert [e.id for e in relayed] == [entry.id for entry in logged]
        assert [e.seq for e in relayed] == [entry.seq for entry in logged]
    finally:
        await listener.close()
        nc = await nats.connect(url)
        with contextlib.suppress(NotFoundError):
            await nc.jetstream().delete_stream(stream)
        await nc.close()
