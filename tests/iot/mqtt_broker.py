"""A private Mosquitto for the MQTT tests: a free port, Linli's generated password file and ACL.

Nothing here touches the shared broker on 1883; each broker lives in the test's temp directory
and is stopped (and waited for) when the test ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

from linli.core.database import session_scope
from linli.iot import broker
from linli.iot.mqtt import run_listener

MOSQUITTO = "/usr/sbin/mosquitto"
SERVICE_USER = "linli"
SERVICE_PASSWORD = "service-secret"
WAIT = 5.0  # seconds: the bound of every wait; the happy path takes milliseconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Broker:
    port: int
    directory: Path
    process: asyncio.subprocess.Process

    @property
    def service_url(self) -> str:
        return f"mqtt://{SERVICE_USER}:{SERVICE_PASSWORD}@127.0.0.1:{self.port}"

    def client(self, username: str, password: str) -> aiomqtt.Client:
        """A device-side client (clean session, its own id)."""
        return aiomqtt.Client(
            "127.0.0.1",
            self.port,
            username=username,
            password=password,
            identifier=f"{username}-{uuid.uuid4().hex[:8]}",
            timeout=WAIT,
        )

    def log(self) -> str:
        path = self.directory / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), WAIT)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@contextlib.asynccontextmanager
async def linli_broker(directory: Path) -> AsyncIterator[Broker]:
    """A private broker holding the credentials and ACL Linli generates for the stored devices."""
    async with session_scope() as session:
        files = await broker.broker_files(
            session, service_user=SERVICE_USER, service_password=SERVICE_PASSWORD
        )
    running = await start_broker(directory, files)
    try:
        yield running
    finally:
        await running.stop()


async def start_broker(directory: Path, files: broker.BrokerFiles) -> Broker:
    """Write Linli's files, start Mosquitto on a free port and wait until it accepts clients."""
    linli_conf = broker.write_broker_files(directory, files)
    port = free_port()
    conf = directory / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\n"
        "persistence false\n"
        # As root, Mosquitto would drop to user `mosquitto`, who cannot read the temp directory.
        + ("user root\n" if os.geteuid() == 0 else "")
        + f"log_dest file {directory / 'mosquitto.log'}\n"
        "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
        + linli_conf.read_text(),
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        MOSQUITTO, "-c", str(conf), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    running = Broker(port=port, directory=directory, process=process)
    deadline = time.monotonic() + WAIT
    while True:
        if process.returncode is not None:
            err = (await process.stderr.read()).decode() if process.stderr else ""
            raise RuntimeError(f"mosquitto exited: {err}{running.log()}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            return running
        if time.monotonic() > deadline:
            await running.stop()
            raise RuntimeError(f"mosquitto did not listen on {port}: {running.log()}")
        await asyncio.sleep(0.01)


async def until(check: Callable[[], bool | Awaitable[bool]], *, what: str) -> None:
    """Wait until `check()` holds, at most `WAIT` seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.01)


class Listener:
    """Linli's MQTT listener run as a task of the test, started and stopped at will."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.identifier = f"linli-test-{uuid.uuid4().hex[:8]}"  # fixed for this test's restarts
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop = asyncio.Event()
        ready = asyncio.Event()
        self._task = asyncio.create_task(
            run_listener(
                self.url,
                stop=self._stop,
                identifier=self.identifier,
                poll_seconds=WAIT,
                ready=ready,
            )
        )
        try:
            await asyncio.wait_for(ready.wait(), WAIT)
        except TimeoutError:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, WAIT)
            self._task = None
