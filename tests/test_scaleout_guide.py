"""The README's scale-out guide, run exactly as written: PostgreSQL (a database of its own), NATS
(a stream of its own), a Mosquitto configured only by `linli iot broker-config`, the four roles as
processes, `linli simulate` over MQTT and HTTP. Only what the guide's own variables name is
substituted (database, bus, stream, broker port and directory) and each HTTP role gets a free
`LINLI_PORT`; the test fails when the docs drift from what works.

Select it with `pytest -m scaleout`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import httpx
import nats
import pytest
from nats.js.errors import NotFoundError
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from guide_docs import (
    Command,
    api_token_synopsis,
    exported,
    operations_mqtt_block,
    scale_out_guide,
    section,
    stated_count,
    tour_token_command,
    with_address,
)
from guide_run import GuideRun, Started, free_port, listening, pg_admin, ready, until
from linli.core import database
from linli.core.natsbus import NatsBus
from linli.iot import rollups

pytestmark = pytest.mark.scaleout

NATS_URL = os.environ.get("LINLI_TEST_NATS_URL", "nats://127.0.0.1:4222")
PG_URL = os.environ.get("LINLI_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/linli")
HAVE_MOSQUITTO = bool(shutil.which("mosquitto") or os.path.exists("/usr/sbin/mosquitto"))
SUBSTITUTED = (
    "LINLI_DATABASE_URL", "LINLI_BUS_URL", "LINLI_BUS_STREAM", "LINLI_MQTT_URL",
    "LINLI_MQTT_BROKER_DIR",
)  # fmt: skip
ROLES_WITH_HTTP = ("api", "ingest")


def test_the_docs_give_the_same_commands_as_the_guide() -> None:
    guide = scale_out_guide()
    lines = {" ".join(c.words) for c in guide}
    assert " ".join(tour_token_command().words) in lines  # the tour's token command is run
    synopsis = api_token_synopsis().split()
    assert any(c.words[:3] == synopsis[:3] and len(c.words) == len(synopsis) for c in guide)
    # The operations guide sets the broker up with the same commands and settings.
    operations = operations_mqtt_block()
    for command in operations:
        if command.is_export:
            assert command.exports().items() <= exported(guide).items(), command.line
        elif command.words[:3] == ["linli", "iot", "broker-config"] or (
            command.long_running and command.words[:2] != ["linli", "serve"]
        ):
            assert " ".join(command.words) in lines, command.line
    # The subjects the README names are the ones the bus uses.
    readme = section((Path(__file__).parent.parent / "README.md").read_text(), "## Scale-out")
    assert "`<stream in lower case>.>` (`linli.>` for `LINLI`)" in " ".join(readme.split())
    assert NatsBus("nats://x", stream="LINLI").prefix == "linli"
    assert NatsBus("nats://x", stream="LINLISO").prefix == "linliso"


async def _stored(url: str) -> int:
    engine = database.create_engine(url)
    try:
        async with AsyncSession(engine) as session:
            return await rollups.count_readings(session)
    finally:
        await engine.dispose()


async def _watch_alarms(api: str, token: str, seen: list[dict[str, object]]) -> None:
    """Collect the alarms the API's live stream sends (they are raised in the ingest process)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=api, timeout=None) as client,
        client.stream("GET", "/api/events/stream", headers=headers) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                event = json.loads(line.removeprefix("data: "))
                if str(event.get("subject", "")).startswith("alarm."):
                    seen.append(event)


def _accepted(output: str) -> tuple[int, int]:
    """Return what a `linli simulate` run says was accepted and failed."""
    (done,) = re.findall(r"accepted (\d+), rejected (\d+), errors (\d+)", output)
    return int(done[0]), int(done[1]) + int(done[2])


@contextlib.asynccontextmanager
async def _services(base: Path) -> AsyncIterator[tuple[str, str]]:
    """A database and a stream of the test's own, dropped afterwards."""
    db_name = f"linli_guide_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    db_url = make_url(PG_URL).set(database=db_name).render_as_string(hide_password=False)
    stream = f"LINLIG{uuid.uuid4().hex[:10].upper()}"
    await pg_admin(db_url, 'CREATE DATABASE "{db}"')
    try:
        yield db_url, stream
    finally:
        await pg_admin(db_url, 'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            nc = await nats.connect(NATS_URL, connect_timeout=2, allow_reconnect=False)
            with contextlib.suppress(NotFoundError):
                await nc.jetstream().delete_stream(stream)
            await nc.close()
        shutil.rmtree(base, ignore_errors=True)


def _workspace() -> Path:
    """Return a fresh directory for the run: `work` (where the commands run), `logs`."""
    base = Path(tempfile.mkdtemp(prefix="linli-guide-"))
    base.chmod(0o755)  # Mosquitto, as its own user, reaches its files below
    (base / "work").mkdir()
    (base / "logs").mkdir()
    return base


async def _nats_up() -> bool:
    try:
        nc = await nats.connect(NATS_URL, connect_timeout=2, allow_reconnect=False)
    except Exception:
        return False
    await nc.close()
    return True


async def test_the_scale_out_guide_runs_as_written() -> None:
    if not HAVE_MOSQUITTO or not await _nats_up():
        pytest.skip("needs mosquitto and NATS (scripts/services.sh starts them)")
    guide = scale_out_guide()
    written = exported(guide)
    assert set(SUBSTITUTED) <= written.keys(), "the guide must set these, so they can differ"
    base = _workspace()
    async with _services(base) as (db_url, stream):
        mqtt_port = free_port()
        ports = {role: free_port() for role in ROLES_WITH_HTTP}
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env |= written | {
            "LINLI_DATABASE_URL": db_url,
            "LINLI_BUS_URL": NATS_URL,
            "LINLI_BUS_STREAM": stream,
            "LINLI_MQTT_URL": with_address(written["LINLI_MQTT_URL"], "127.0.0.1", mqtt_port),
            "LINLI_MQTT_BROKER_DIR": str(base / "mosquitto"),
            "LINLI_BASE_URL": f"http://127.0.0.1:{ports['ingest']}",  # the simulator's target
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            "COLUMNS": "200",
        }
        run = GuideRun(env, base / "work", base / "logs")
        try:
            await _follow(run, guide, db_url=db_url, ports=ports, mqtt_port=mqtt_port)
        finally:
            await run.stop_all()
        assert all(s.process.returncode is not None for s in run.started)


async def _follow(
    run: GuideRun, guide: list[Command], *, db_url: str, ports: dict[str, int], mqtt_port: int
) -> None:
    """Run the guide line by line, checking what each step promises."""
    pending: list[Started] = []
    by_role: dict[str, Started] = {}
    token = ""
    alarms: list[dict[str, object]] = []
    watcher: asyncio.Task[None] | None = None
    accepted: list[int] = []
    try:
        for command in guide:
            if command.is_export:
                continue
            if command.long_running:
                role = command.role
                extra = {"LINLI_PORT": str(ports[role])} if role in ports else None
                started = await run.start(command, extra=extra)
                by_role[role or command.words[0]] = started
                pending.append(started)
                continue
            for started in pending:  # what the guide started is up before the next step
                await _until_ready(started, run, mqtt_port)
            pending.clear()
            if command.words[:2] == ["linli", "simulate"] and watcher is None:
                watcher = asyncio.create_task(_watch_alarms(by_role["api"].url, token, alarms))
            output = await run.run(command)
            if command.words[:3] == ["linli", "staff", "token"]:
                token = output.strip().splitlines()[-1]
                assert token.startswith("lt_"), output
            elif command.words[:3] == ["linli", "iot", "broker-config"]:
                _check_broker_files(Path(run.env["LINLI_MQTT_BROKER_DIR"]))
            elif command.words[:2] == ["linli", "simulate"]:
                assert "already stored" not in output, output  # a rerun sends new readings
                count, failed = _accepted(output)
                assert count == int(command.words[command.words.index("--count") + 1]), output
                assert failed == 0, output
                accepted.append(count)
                want = sum(accepted)  # over MQTT, stored once the listener has committed

                async def all_stored(want: int = want) -> bool:
                    return await _stored(db_url) == want

                try:
                    await until(all_stored, what=f"{want} readings are stored", run=run)
                except AssertionError as err:
                    raise AssertionError(f"{await _stored(db_url)} stored: {err}") from None
                if len(accepted) > 1:
                    assert "continuing after the newest reading stored" in output, output
            elif command.words[:3] == ["linli", "iot", "count-readings"]:
                assert f"{sum(accepted):,} readings stored" in output, output
                assert stated_count(command) == sum(accepted), command.line
        api = by_role["api"].url
        await _check_token(api, token)

        async def alarm_seen() -> bool:
            return any(a.get("subject") == "alarm.raised" for a in alarms)

        await until(alarm_seen, what="an alarm reaches the API's live stream", run=run)
        await _check_rotation(api, token, mqtt_port, run)
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher


async def _until_ready(started: Started, run: GuideRun, mqtt_port: int) -> None:
    role = started.command.role
    if role is None:  # the broker
        await until(lambda: listening(mqtt_port), what="mosquitto listens", run=run)
    elif role in ROLES_WITH_HTTP:
        await ready(started, run)
        if role == "ingest":
            await ready(started, run, text="MQTT listener subscribed")
    else:
        await ready(started, run, text=f"linli {role} role running")


def _check_broker_files(directory: Path) -> None:
    """The files Mosquitto reads as its own user: theirs (when we are root), nobody else's."""
    for name in ("passwd", "acl"):
        path = directory / name
        assert path.stat().st_mode & 0o777 == 0o640, oct(path.stat().st_mode)
        if os.geteuid() == 0:
            assert path.owner() == "mosquitto"


async def _check_token(api: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=api) as client:
        me = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "baoan.admin", me.text


async def _check_rotation(api: str, token: str, mqtt_port: int, run: GuideRun) -> None:
    """Rotating a device's credentials through the API process lets its new MQTT password in
    at once: the API rewrites the broker's files and Mosquitto reloads them."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api) as client:
        page = await client.get("/api/devices", params={"limit": 1}, headers=headers)
        assert page.status_code == 200, page.text
        device = page.json()["items"][0]
        rotated = await client.post(f"/api/devices/{device['id']}/token", headers=headers)
    assert rotated.status_code == 200, rotated.text
    login = rotated.json()

    async def logs_in() -> bool:
        with contextlib.suppress(aiomqtt.MqttError):
            async with aiomqtt.Client(
                "127.0.0.1", mqtt_port, username=login["mqtt_username"],
                password=login["mqtt_password"], identifier=f"guide-{uuid.uuid4().hex[:6]}",
                timeout=5,
            ):  # fmt: skip
                return True
        return False

    await until(logs_in, what="the rotated MQTT password is accepted by the broker", run=run)
    _check_broker_files(Path(run.env["LINLI_MQTT_BROKER_DIR"]))
