"""District-load benchmark: a command centre's staff on the case API of a district with a year
of cases, while its devices stream readings in.

For each profile a fresh database gets the demo district and its history (`benchmarks/district`),
then one real `linli serve` (role all) runs on a free port. Locust (`benchmarks/locustfile.py`,
a process of its own) plays the staff with their bearer tokens; the simulator (in this process)
sends readings over HTTP at the rate asked. Runs, each against the same server:

* baseline: one user alone, the same mix of requests (no readings);
* ingest alone: the simulator alone at the rate asked (no users);
* N users with the simulator alongside, for each N of the profile.

Per route: p50/p95/p99 and requests/s (locust's figures, after every user has started),
failures by HTTP status (429s apart). Readings stored per second are counted in the database
over each run. On PostgreSQL, connections of the database waiting on a lock are sampled every
second. Load generator, simulator, server and database share the machine's cores.

`python -m benchmarks.load [--quick]` runs it alone and prints the figures; `--quick` is a small
smoke profile of under a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import asyncpg  # type: ignore[import-untyped]
import httpx
import psutil

from benchmarks import district, load_report
from benchmarks.simulator import _free_port
from linli.core import clock, database
from linli.core.database import session_scope
from linli.iot import rollups
from linli.twin.simulated import SimulatedDevice
from linli.twin.simulator import Simulator

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "make bench"
ALONE = "python -m benchmarks.load"
PG_DB = os.environ.get("LINLI_BENCH_LOAD_DB", "linli_load")
SQLITE_PATH = os.environ.get("LINLI_BENCH_LOAD_SQLITE", str(ROOT / "var" / "load.db"))
WAIT_S = 60.0
ROUTES = (
    "GET /api/cases",
    "GET /api/cases?status=",
    "GET /api/cases next page",
    "GET /api/cases/{id}",
    "POST /api/cases",
    "POST /api/cases/{id}/{action}",
)
CASE_ROUTES = frozenset(ROUTES)


@dataclass(frozen=True)
class Profile:
    backend: str
    url: str
    cases: int
    scale: float  # of the demo district
    users: tuple[int, ...]
    rate: int  # readings per second asked
    seconds: int  # of each run with users
    baseline_seconds: int
    ingest_seconds: int
    stop_seconds: int = 10  # for requests in flight when a run ends


def profiles(quick: bool) -> list[Profile]:
    """Return the PostgreSQL and SQLite profiles (tiny ones with `quick`)."""
    pg = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_DB}"
    lite = f"sqlite+aiosqlite:///{SQLITE_PATH}"
    if quick:
        return [
            Profile("postgresql", pg, 5_000, 0.02, (5, 20), 1_000, 5, 5, 3, 2),
            Profile("sqlite", lite, 1_000, 0.02, (10,), 200, 5, 5, 3, 2),
        ]
    return [
        Profile("postgresql", pg, 1_000_000, 1.0, (20, 200), 10_000, 40, 20, 20),
        Profile("sqlite", lite, 20_000, 1.0, (50,), 1_000, 30, 15, 15),
    ]


def _log_file(path: Path) -> BinaryIO:
    return path.open("wb")


# --- the server -------------------------------------------------------------------------


async def serve(url: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start `linli serve` (role all) on a free port against `url`; wait until it answers."""
    port = _free_port()
    env = {**os.environ, "LINLI_ENV": "development", "LINLI_DATABASE_URL": url}
    for name in ("LINLI_BUS_URL", "LINLI_MQTT_URL", "LINLI_ROLE"):
        env.pop(name, None)
    linli = Path(sys.executable).with_name("linli")
    log = Path(tempfile.gettempdir()) / f"linli-load-{port}.log"
    with _log_file(log) as out:  # the server keeps its own copy of the descriptor
        server = await asyncio.create_subprocess_exec(
            *[str(linli), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"],
            env=env,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT_S
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline and server.returncode is None:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    return server, base
            await asyncio.sleep(0.2)
    await stop(server)
    raise RuntimeError(f"the Linli server did not start; see {log}")


async def stop(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()


async def warm_up(base: str, staff: list[district.Identity]) -> None:
    """Ask a few staff members' first list and case page, so no run pays the first requests."""
    async with httpx.AsyncClient(base_url=base, timeout=300.0) as client:
        for me in staff[:: max(1, len(staff) // 4)]:
            headers = {"Authorization": f"Bearer {me.token}"}
            page = await client.get("/api/cases", params={"limit": 50}, headers=headers)
            page.raise_for_status()
            for item in page.json()["items"][:1]:
                (await client.get(f"/api/cases/{item['id']}", headers=headers)).raise_for_status()


# --- what runs beside the users ---------------------------------------------------------


async def _stored() -> int:
    async with session_scope() as session:
        return await rollups.count_readings(session)


async def _ingest(devices: list[SimulatedDevice], base: str, rate: int, days_back: float) -> Any:
    """Send readings at `rate` until cancelled; return the simulator's totals."""
    start = clock.now() - timedelta(days=days_back)
    simulator = Simulator(devices, seed=3, rate=rate, start=start, concurrency=16)
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=base, timeout=60.0, limits=limits) as client:
        return await simulator.run_at_rate(client)


async def _lock_waits(samples: list[int]) -> None:
    """Every second, count the connections of the database that wait on a lock."""
    conn = await asyncpg.connect(user="postgres", host="127.0.0.1", database=PG_DB)
    try:
        while True:
            samples.append(
                await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = $1 AND wait_event_type = 'Lock'",
                    PG_DB,
                )
            )
            await asyncio.sleep(1.0)
    finally:
        await conn.close()


# --- one run ----------------------------------------------------------------------------


def _cpu(process: psutil.Process) -> float:
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        return float(times.user + times.system)
    return 0.0


async def run_users(
    base: str,
    plan: Path,
    users: int,
    seconds: int,
    *,
    server_pid: int,
    ingest: tuple[list[SimulatedDevice], int, float] | None,
    lock_sampling: bool,
    stop_seconds: int,
) -> load_report.RunResult:
    """Run `users` locust users for `seconds`, with the simulator and lock sampler alongside."""
    out = Path(tempfile.mkdtemp(prefix="linli-load-"))
    prefix = str(out / "run")
    locust = Path(sys.executable).with_name("locust")
    server = psutil.Process(server_pid)
    side: list[asyncio.Task[Any]] = []
    samples: list[int] = []
    stored_before, began = await _stored(), time.perf_counter()
    server_cpu = _cpu(server)
    if ingest is not None:
        side.append(asyncio.create_task(_ingest(ingest[0], base, ingest[1], ingest[2])))
    if lock_sampling:
        side.append(asyncio.create_task(_lock_waits(samples)))
    with _log_file(out / "locust.log") as log:
        process = await asyncio.create_subprocess_exec(
            *[str(locust), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless"],
            *["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base],
            *[
                "--csv",
                prefix,
                "--reset-stats",
                "--only-summary",
                "--stop-timeout",
                str(stop_seconds),
            ],
            *["--exit-code-on-error", "0", "--loglevel", "WARNING"],
            env={**os.environ, "LINLI_LOAD_PLAN": str(plan)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log,
        )
    watched = psutil.Process(process.pid)
    locust_cpu = 0.0
    while process.returncode is None:
        locust_cpu = max(locust_cpu, _cpu(watched))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 0.5)
    elapsed = time.perf_counter() - began
    stored = await _stored() - stored_before
    server_cpu = _cpu(server) - server_cpu
    for task in side:
        task.cancel()
    for task in side:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if process.returncode != 0:
        raise RuntimeError(f"locust failed; see {out / 'locust.log'}")
    routes, total, errors = load_report.read_csv(prefix)
    return load_report.RunResult(
        users=users,
        seconds=round(elapsed, 1),
        routes=routes,
        total=total,
        errors=errors,
        stored_per_second=stored / elapsed if ingest else 0.0,
        lock_waits_mean=sum(samples) / len(samples) if samples else None,
        lock_waits_max=max(samples) if samples else None,
        locust_cpu=locust_cpu / elapsed,
        server_cpu=server_cpu / elapsed,
    )


async def ingest_alone(
    base: str, devices: list[SimulatedDevice], rate: int, seconds: int, days_back: float
) -> float:
    """Return readings stored per second with the simulator alone at `rate` for `seconds`."""
    before, began = await _stored(), time.perf_counter()
    task = asyncio.create_task(_ingest(devices, base, rate, days_back))
    await asyncio.sleep(seconds)
    stored, elapsed = await _stored() - before, time.perf_counter() - began
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return stored / elapsed


# --- a profile --------------------------------------------------------------------------


def _plan(built: district.District, seed: int) -> Path:
    path = Path(tempfile.mkstemp(prefix="linli-load-plan-", suffix=".json")[1])
    identities = [asdict(i) for i in built.staff]
    path.write_text(
        json.dumps({"identities": identities, "categories": built.categories, "seed": seed})
    )
    return path


async def measure(profile: Profile) -> dict[str, Any]:
    """Build the profile's district, start a server and run baseline, ingest and users."""
    print(f"[{profile.backend}] building the district and {profile.cases:,} cases…", flush=True)
    built = await district.build(profile.url, cases=profile.cases, scale=profile.scale)
    print(f"[{profile.backend}] built: {built.seconds}", flush=True)
    devices = [SimulatedDevice.model_validate(d) for d in built.devices]
    plan = _plan(built, seed=1)
    server, base = await serve(profile.url)
    pg = profile.backend == "postgresql"
    runs: dict[str, load_report.RunResult] = {}
    assert server.pid is not None

    async def users_run(users: int, seconds: int, ingest: Any) -> load_report.RunResult:
        name = "baseline" if ingest is None else f"{users} users"
        runs[name] = await run_users(
            base, plan, users, seconds,
            server_pid=server.pid or 0, ingest=ingest, lock_sampling=pg,
            stop_seconds=profile.stop_seconds,
        )  # fmt: skip
        print(f"[{profile.backend}] {name}: {runs[name].total}", flush=True)
        return runs[name]

    try:
        await warm_up(base, built.staff)
        await users_run(1, profile.baseline_seconds, None)
        alone = await ingest_alone(base, devices, profile.rate, profile.ingest_seconds, 7.0)
        print(f"[{profile.backend}] ingest alone: {alone:,.0f} readings/s", flush=True)
        for k, users in enumerate(profile.users, start=1):
            # Each run its own stretch of the simulated timeline: no reading sent twice.
            await users_run(users, profile.seconds, (devices, profile.rate, 7.0 - k))
    finally:
        await stop(server)
        await database.dispose_engine()
        plan.unlink(missing_ok=True)
    return {
        "profile": profile,
        "built": built,
        "devices": len(devices),
        "alone": alone,
        "runs": runs,
    }


async def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure every profile; return the figures."""
    figs: list[dict[str, Any]] = []
    for profile in profiles(quick):
        figs += load_report.figures(await measure(profile))
    return figs


if __name__ == "__main__":
    clock.install(clock.SystemClock())
    began = time.perf_counter()
    measured = asyncio.run(run(quick="--quick" in sys.argv[1:]))
    print("\n".join(load_report.section(measured)))
    print(f"whole load benchmark: {time.perf_counter() - began:,.0f} s")
