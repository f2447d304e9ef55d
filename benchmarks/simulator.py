"""Simulator benchmark: `linli simulate --rate` at its top rate against a real Linli server.

A fresh PostgreSQL database gets the demo's devices (both sites, 0.1 scale); `linli serve --role
ingest` (the ingest routes and the MQTT listener) runs as its own process, its listener on the
shared Mosquitto (127.0.0.1:1883) under a session of its own, dropped at the end. The simulator,
in this process, asks for more than the machine can take and sends a fixed number of readings
over HTTP (`POST /api/ingest`, one batch per device per round), then over MQTT (compact QoS 1
messages, one connection per device). The figures are readings stored per second: rows counted
in the database, not messages sent. Simulator, server, Mosquitto and PostgreSQL share the
machine's cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiomqtt
import httpx

from benchmarks.__main__ import fresh_database, load_demo
from linli.core import clock, database
from linli.core.database import session_scope
from linli.iot import rollups
from linli.twin.mqtt_sender import MqttSender, devices_from_database
from linli.twin.simulated import SimulatedDevice
from linli.twin.simulator import Simulator

COMMAND = "make bench"
PG_URL = os.environ.get(
    "LINLI_BENCH_SIM_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/linli_bench_sim"
)
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883
SCALE = 0.1
ASKED = 100_000  # readings/s asked for: above what the machine takes, so the run is at its top
READINGS = 200_000  # per transport: two rounds of about 290 readings per device
WAIT_S = 60.0  # for the server to start and for MQTT readings to be stored


def _figure(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"name": name, "value": round(value, 2), "unit": unit, "command": COMMAND}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _stored() -> int:
    """Return the readings stored, in all their forms (recent rows and packed hours)."""
    async with session_scope() as session:
        return await rollups.count_readings(session)


async def _devices() -> list[SimulatedDevice]:
    """The demo's devices with their HTTP tokens and MQTT credentials."""
    listed = await load_demo(SCALE)
    async with session_scope() as session:
        mqtt = {d.code: d for d in await devices_from_database(session)}
    return [
        SimulatedDevice.model_validate(
            {
                **d,
                "mqtt_password": mqtt[str(d["code"])].mqtt_password,
                "mqtt_site": mqtt[str(d["code"])].mqtt_site,
            }
        )
        for d in listed
    ]


async def _serve(url: str, broker_url: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start `linli serve` on a free port and wait until it answers."""
    port = _free_port()
    env = {
        **os.environ,
        "LINLI_ENV": "development",
        "LINLI_DATABASE_URL": url,
        "LINLI_MQTT_URL": broker_url,
    }
    env.pop("LINLI_BUS_URL", None)
    linli = Path(sys.executable).with_name("linli")
    server = await asyncio.create_subprocess_exec(
        *[
            str(linli),
            "serve",
            "--role",
            "ingest",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-migrate",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_S
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    return server, base
            if server.returncode is not None:
                break
            await asyncio.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        server.kill()
    await server.wait()
    raise RuntimeError("the Linli server did not start")


async def _over_http(devices: list[SimulatedDevice], base: str) -> float:
    """Return readings stored per second over HTTP (acknowledged once stored)."""
    before = await _stored()
    start = clock.now() - timedelta(days=7)
    simulator = Simulator(devices, seed=1, rate=ASKED, start=start, concurrency=16)
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as client:
        began = time.perf_counter()
        totals = await simulator.run_at_rate(client, count=READINGS)
        elapsed = time.perf_counter() - began
    assert totals.errors == 0 and totals.rejected == 0, totals
    stored = await _stored() - before
    assert stored == totals.accepted == READINGS, (stored, totals)
    return stored / elapsed


async def _over_mqtt(devices: list[SimulatedDevice]) -> tuple[float, float]:
    """Return readings acknowledged by the broker and stored by the listener per second."""
    before = await _stored()
    start = clock.now() - timedelta(days=3)  # a timeline of its own: no duplicates of HTTP's
    simulator = Simulator(devices, seed=2, rate=ASKED, start=start, concurrency=64)
    async with MqttSender(f"mqtt://{MQTT_HOST}:{MQTT_PORT}") as sender:
        # Connect every device first: logging in is not part of the rate.
        await asyncio.gather(*(sender.connect(d) for d in simulator.devices))
        began = time.perf_counter()
        totals = await simulator.run_at_rate(sender, count=READINGS)
        acked = time.perf_counter() - began
    assert totals.errors == 0, totals
    deadline, stored = time.monotonic() + WAIT_S, 0
    while time.monotonic() < deadline:
        stored = await _stored() - before
        if stored >= totals.accepted:
            break
        await asyncio.sleep(0.1)
    return totals.accepted / acked, stored / (time.perf_counter() - began)


async def _forget_session(client_id: str) -> None:
    """Drop the listener's persistent session from the shared broker."""
    with contextlib.suppress(aiomqtt.MqttError):
        async with aiomqtt.Client(
            MQTT_HOST, MQTT_PORT, identifier=client_id, clean_session=True, timeout=5
        ):
            pass


async def run() -> list[dict[str, Any]]:
    """Measure the simulator's top rate over HTTP and over MQTT; return the figures."""
    await fresh_database(PG_URL)
    devices = await _devices()
    client_id = f"linli-bench-sim-{uuid.uuid4().hex[:8]}"
    server, base = await _serve(PG_URL, f"mqtt://{MQTT_HOST}:{MQTT_PORT}?client_id={client_id}")
    try:
        http_stored = await _over_http(devices, base)
        mqtt_acked, mqtt_stored = await _over_mqtt(devices)
    finally:
        server.terminate()
        await server.wait()
        await _forget_session(client_id)
        await database.dispose_engine()
    cores = f"simulator, one `linli serve --role ingest`, PostgreSQL on {os.cpu_count()} cores"
    run = f"{len(devices)} demo devices, {READINGS:,} readings, {ASKED:,}/s asked"
    return [
        _figure(f"simulate --rate over HTTP, {run}: stored ({cores})", http_stored, "readings/s"),
        _figure(
            f"simulate --rate over MQTT via Mosquitto, {run}: stored ({cores}, and Mosquitto)",
            mqtt_stored,
            "readings/s",
        ),
        _figure(
            "simulate --rate over MQTT: acknowledged by Mosquitto (QoS 1 PUBACK)",
            mqtt_acked,
            "readings/s",
        ),
    ]


if __name__ == "__main__":
    import json

    clock.install(clock.SystemClock())
    print(json.dumps(asyncio.run(run()), indent=1, ensure_ascii=False))
