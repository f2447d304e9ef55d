"""Demo benchmark: what the embedded demo costs while nobody uses it, and whether the simulator
keeps its interval.

The commands `make demo` runs, on a fresh SQLite file: `linli demo load` (both sites), then
one `linli serve` (role `all`) and `linli simulate` at the demo's interval. Measured: the
server's CPU (a share of one core, from /proc) with no simulator and nobody signed in, then
while the simulator runs; the simulator's achieved time between rounds next to the one it was
asked for; and the lines of the server log that say something failed ("database is locked",
"QueuePool", "Traceback").
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.simulator import _figure, _free_port

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("LINLI_BENCH_DEMO_DIR", str(ROOT / "var" / "bench-demo")))
SCALE = os.environ.get("LINLI_BENCH_DEMO_SCALE", "1.0")
INTERVAL = float(os.environ.get("LINLI_BENCH_DEMO_INTERVAL", "60"))
IDLE_SECONDS = 60.0
ROUNDS = 4
FAILURES = re.compile(r"database is locked|QueuePool|Traceback")
ROUND_LINE = re.compile(r"round (\d+) ")


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cpu_share(pid: int, seconds: float) -> float:
    """Return the share of one core (%) process `pid` uses over the next `seconds`."""
    before, began = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return 100 * (cpu_seconds(pid) - before) / (time.monotonic() - began)


async def _linli(env: dict[str, str], *args: str, log: Path) -> asyncio.subprocess.Process:
    handle = log.open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from linli.cli import app; app()", *args,
        env=env, stdout=handle, stderr=asyncio.subprocess.STDOUT, cwd=WORK,
    )  # fmt: skip


def _text(path: Path) -> str:
    return path.read_text(errors="replace")


def _fresh_work_dir() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for name in ("linli.db", "linli.db-wal", "linli.db-shm"):
        (WORK / name).unlink(missing_ok=True)


async def _round_times(log: Path, process: asyncio.subprocess.Process, rounds: int) -> list[float]:
    """Return when each of the simulator's first `rounds` rounds was reported (monotonic)."""
    seen: dict[int, float] = {}
    while len(seen) < rounds and process.returncode is None:
        for match in ROUND_LINE.finditer(_text(log)):
            seen.setdefault(int(match.group(1)), time.monotonic())
        await asyncio.sleep(0.2)
    return [seen[n] for n in sorted(seen)]


async def run() -> list[dict[str, Any]]:
    """Start the demo as `make demo` does and measure it; return the figures."""
    _fresh_work_dir()
    port = _free_port()
    env = {
        **os.environ,
        "LINLI_ENV": "development",
        "LINLI_DATABASE_URL": f"sqlite+aiosqlite:///{WORK / 'linli.db'}",
    }
    devices = WORK / "demo-devices.json"
    for args in (
        ("db", "upgrade"),
        ("demo", "load", "--scale", SCALE, "--devices-file", str(devices)),
    ):
        step = await _linli(env, *args, log=WORK / "load.log")
        if await step.wait():
            raise RuntimeError(f"linli {' '.join(args)} failed; see {WORK / 'load.log'}")
    server_log, sim_log = WORK / "server.log", WORK / "simulator.log"
    server = await _linli(env, "serve", "--port", str(port), "--no-migrate", log=server_log)
    simulator: asyncio.subprocess.Process | None = None
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(240):
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
        idle = await cpu_share(server.pid, IDLE_SECONDS)
        simulator = await _linli(
            env, "simulate", "--url", f"http://127.0.0.1:{port}", "--devices", str(devices),
            "--interval", str(INTERVAL), log=sim_log,
        )  # fmt: skip
        began, cpu_before = time.monotonic(), cpu_seconds(server.pid)
        times = await asyncio.wait_for(
            _round_times(sim_log, simulator, ROUNDS), timeout=INTERVAL * ROUNDS * 4
        )
        busy = 100 * (cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - began)
    except TimeoutError:
        times, busy = [], 100 * (cpu_seconds(server.pid) - cpu_before) / (time.monotonic() - began)
    finally:
        for process in (simulator, server):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()
    achieved = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else float("nan")
    failures = len(FAILURES.findall(_text(server_log)))
    count = _text(devices).count('"code"')
    what = f"embedded demo (SQLite, scale {SCALE}, {count} devices)"
    return [
        _figure(f"{what}: server CPU, nobody signed in, no simulator", idle, "% of a core"),
        _figure(f"{what}: server CPU while the simulator runs", busy, "% of a core"),
        _figure(f"{what}: simulator round interval asked", INTERVAL, "s"),
        _figure(f"{what}: simulator round interval achieved", achieved, "s"),
        _figure(f"{what}: server log lines saying a failure", failures, "lines"),
    ]


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(run()), indent=1, ensure_ascii=False))
