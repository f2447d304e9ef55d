"""Fault-test helpers: a Mosquitto that keeps its sessions on disk and can be killed and
restarted on the same port, the MQTT listener as a `linli iot listen` subprocess, and a QoS 1
publisher that remembers exactly which readings the broker acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiomqtt
from mqtt_broker import SERVICE_PASSWORD, SERVICE_USER, free_port

from linli.iot import broker

MOSQUITTO = "/usr/sbin/mosquitto"
LONG_WAIT = 60.0  # seconds: bound of waits that include a process restart


@dataclass
class DurableBroker:
    """A Mosquitto with persistence on, restartable on the same port and directory."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def service_url(self) -> str:
        return f"mqtt://{SERVICE_USER}:{SERVICE_PASSWORD}@127.0.0.1:{self.port}"

    def configure(self, files: broker.BrokerFiles) -> None:
        linli_conf = broker.write_broker_files(self.directory, files)
        (self.directory / "mosquitto.conf").write_text(
            f"listener {self.port} 127.0.0.1\n"
            "persistence true\n"
            f"persistence_location {self.directory}/\n"
            "autosave_interval 1\nautosave_on_changes true\n"
            "max_queued_messages 100000\n"
            f"pid_file {self.directory / broker.PID_FILE}\n"
            + ("user root\n" if os.geteuid() == 0 else "")
            + f"log_dest file {self.directory / 'mosquitto.log'}\n"
            + linli_conf.read_text(),
            encoding="utf-8",
        )

    async def start(self) -> None:
        conf = self.directory / "mosquitto.conf"
        self.process = await asyncio.create_subprocess_exec(
            MOSQUITTO, "-c", str(conf), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        await until(self._accepts, what="mosquitto listens", wait=10.0)

    async def _accepts(self) -> bool:
        assert self.process is not None
        if self.process.returncode is not None:
            raise RuntimeError(f"mosquitto exited: {self.log()}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(sig)
        await asyncio.wait_for(self.process.wait(), 10.0)

    def log(self) -> str:
        path = self.directory / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


class ListenerProcess:
    """`linli iot listen` in its own process, against the test's database."""

    def __init__(self, database_url: str, broker_url: str, log: Path) -> None:
        self.database_url, self.broker_url, self.log = database_url, broker_url, log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "LINLI_DATABASE_URL": self.database_url, "LINLI_ENV": "test"}
        env.pop("LINLI_MQTT_URL", None)
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "from linli.cli import app; app()",
                "iot", "listen", "--url", self.broker_url,
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def kill(self) -> None:
        """SIGKILL: no chance to finish, commit or acknowledge anything in flight."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 10.0)
            except TimeoutError:
                await self.kill()


@dataclass
class Publisher:
    """Publishes one reading per message, QoS 1, and records what the broker acknowledged."""

    port: int
    code: str
    password: str
    topic: str
    start: datetime
    acked: list[tuple[datetime, float]] = field(default_factory=list)
    sent: int = 0

    def reading(self, n: int) -> tuple[datetime, float]:
        return self.start + timedelta(milliseconds=n), float(n % 1000)

    async def publish(self, count: int) -> None:
        """Publish the next `count` readings; reconnect (and resend the unacked) on failure."""
        goal = self.sent + count
        deadline = time.monotonic() + LONG_WAIT
        while self.sent < goal:
            try:
                async with aiomqtt.Client(
                    "127.0.0.1", self.port, username=self.code, password=self.password,
                    identifier=f"{self.code}-{uuid.uuid4().hex[:6]}", timeout=5.0,
                ) as client:  # fmt: skip
                    while self.sent < goal:
                        ts, value = self.reading(self.sent)
                        body = {"m": "pm25", "v": value, "t": ts.timestamp()}
                        await client.publish(self.topic, json.dumps(body), qos=1)
                        self.acked.append((ts, value))  # PUBACK received
                        self.sent += 1
            except aiomqtt.MqttError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)  # the broker is restarting: try again


async def until(
    check: Callable[[], bool | Awaitable[bool]], *, what: str, wait: float = LONG_WAIT
) -> None:
    """Wait until `check()` holds, at most `wait` seconds (polling, not sleeping blindly)."""
    deadline = time.monotonic() + wait
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(*parts: DurableBroker | ListenerProcess):  # type: ignore[no-untyped-def]
    """Stop the given processes however the test ends."""
    try:
        yield
    finally:
        for part in reversed(parts):
            with contextlib.suppress(Exception):
                await part.stop()
