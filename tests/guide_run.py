"""Running a guide's commands as an operator would: each line through `bash -c`, long-running
ones (servers, the broker) in the background, each in its own process group, all stopped at the
end whatever happened."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from guide_docs import Command

WAIT = 60.0  # seconds: the bound of every wait for a process (two busy cores start them slowly)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Started:
    """A background process of the guide and where its output goes."""

    command: Command
    process: asyncio.subprocess.Process
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class GuideRun:
    """Runs commands in `cwd` with `env`, remembering every process it started."""

    env: dict[str, str]
    cwd: Path
    logs: Path
    started: list[Started] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    async def run(self, command: Command, *, limit_s: float = 240.0) -> str:
        """Run a command to its end; return its output, failing on a non-zero exit."""
        process = await asyncio.create_subprocess_exec(
            "bash", "-c", command.line, env=self.env, cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            out, _ = await asyncio.wait_for(process.communicate(), limit_s)
        except TimeoutError:
            _stop_group(process, signal.SIGKILL)
            await process.wait()
            raise AssertionError(f"`{command.line}` still running after {limit_s} s") from None
        text = out.decode(errors="replace")
        self.transcript.append(f"$ {command.line}\n{text}")
        assert process.returncode == 0, f"`{command.line}` exited {process.returncode}:\n{text}"
        return text

    async def start(self, command: Command, *, extra: dict[str, str] | None = None) -> Started:
        """Start a long-running command in the background (output to a log file)."""
        log = self.logs / f"{len(self.started):02d}-{command.words[0]}.log"
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                "bash", "-c", command.line, env={**self.env, **(extra or {})}, cwd=self.cwd,
                stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        port = int(extra["LINLI_PORT"]) if extra and "LINLI_PORT" in extra else None
        started = Started(command, process, log, port)
        self.started.append(started)
        return started

    async def stop_all(self) -> None:
        """Stop every process started (SIGTERM to its group, then SIGKILL), newest first."""
        for started in reversed(self.started):
            _stop_group(started.process, signal.SIGTERM)
        for started in reversed(self.started):
            try:
                await asyncio.wait_for(started.process.wait(), 20)
            except TimeoutError:
                _stop_group(started.process, signal.SIGKILL)
                await started.process.wait()
        # bash may have left the command's own process behind it in the group
        for started in self.started:
            _stop_group(started.process, signal.SIGKILL)

    def report(self) -> str:
        """Return what ran and the tail of every background process's output."""
        parts = [*self.transcript[-6:]]
        for started in self.started:
            parts.append(f"--- {started.command.line}\n{started.output()[-3000:]}")
        return "\n".join(parts)


def _stop_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)  # the group this run started, and only it


async def until(
    check: Callable[[], Awaitable[bool]], *, what: str, run: GuideRun, within: float = WAIT
) -> None:
    """Wait until `check()` holds, failing with the run's report after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        for started in run.started:
            if started.process.returncode is not None:
                raise AssertionError(f"`{started.command.line}` exited\n{run.report()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}\n{run.report()}")
        await asyncio.sleep(0.1)


async def ready(started: Started, run: GuideRun, *, text: str | None = None) -> None:
    """Wait until a background process serves HTTP (`/healthz`), or says `text`, or listens."""

    async def check() -> bool:
        if text is not None:
            return text in started.output()
        assert started.port is not None
        try:
            async with httpx.AsyncClient(base_url=started.url, timeout=2.0) as client:
                return (await client.get("/healthz")).status_code == 200
        except httpx.TransportError:
            return False

    await until(check, what=f"`{started.command.line}` is ready", run=run)


async def listening(port: int) -> bool:
    """Tell whether something accepts connections on 127.0.0.1:`port`."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def pg_admin(url: str, sql: str) -> None:
    """Run `sql` (`{db}`: the URL's database) on the server's admin database, as the test
    fixtures do to make and drop their databases."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username or "postgres", host=parsed.host, port=parsed.port or 5432,
        database="postgres",
    )  # fmt: skip
    try:
        await conn.execute(sql.format(db=parsed.database))
    finally:
        await conn.close()
