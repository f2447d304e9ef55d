"""The district-load benchmark's figures (for results.json) and its docs/benchmarks.md section."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Any

COMMAND = "make bench"
ALONE = "python -m benchmarks.load"
TARGET_P99_MS = 100.0
TARGET_RPS = 1500.0
TARGET_INGEST = 0.95
# The locustfile records requests refused with 429 under this name, apart from their routes.
REFUSED = "refused (429)"
STATS = (
    ("requests/s", "per_second", "requests/s"),
    ("p50", "p50", "ms"),
    ("p95", "p95", "ms"),
    ("p99", "p99", "ms"),
)


@dataclass
class RouteStats:
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float
    p99: float


@dataclass
class RunResult:
    users: int
    seconds: float
    routes: dict[str, RouteStats]
    total: RouteStats
    errors: dict[str, int]  # "HTTP 429", "HTTP 500", "no answer" → count
    stored_per_second: float = 0.0
    lock_waits_mean: float | None = None
    lock_waits_max: int | None = None
    locust_cpu: float = 0.0  # share of one core
    server_cpu: float = 0.0

    @property
    def answered_per_second(self) -> float:
        """Return the requests per second the server answered (refused ones left out)."""
        refused = self.routes.get(REFUSED)
        return self.total.per_second - (refused.per_second if refused else 0.0)


def _stats(row: dict[str, str]) -> RouteStats:
    def ms(key: str) -> float:
        value = row.get(key, "N/A")
        return float(value) if value not in ("", "N/A") else 0.0

    return RouteStats(
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        per_second=float(row["Requests/s"]),
        p50=ms("50%"),
        p95=ms("95%"),
        p99=ms("99%"),
    )


def read_csv(prefix: str) -> tuple[dict[str, RouteStats], RouteStats, dict[str, int]]:
    """Return locust's figures per route and for all routes, and the failures by kind."""
    routes: dict[str, RouteStats] = {}
    total = RouteStats(0, 0, 0.0, 0.0, 0.0, 0.0)
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                total = _stats(row)
            else:
                routes[row["Name"]] = _stats(row)
    errors: dict[str, int] = {}
    with open(f"{prefix}_failures.csv", newline="") as f:
        for row in csv.DictReader(f):
            found = re.search(r"HTTP \d+|no answer", row["Error"])
            key = found.group(0) if found else "other"
            errors[key] = errors.get(key, 0) + int(row["Occurrences"])
    return routes, total, errors


_ABOUT = """
idle machine). A fresh PostgreSQL database holds the demo's Bao'an district (2,782 devices) and
1,000,000 cases of the year before today (one INSERT … SELECT over `generate_series`, then
ANALYZE; their timelines are not written), spread over its grids and categories with a year's
status mix (about 95 % closed or rejected); 21 staff accounts of different units and roles
(district, street and community operators, an inspector, grid workers, department staff) hold
API tokens. One `linli serve` (role all) answers. Locust users (`benchmarks/locustfile.py`),
each a member of staff working without pause, send the mix of a command centre: half case lists
(`GET /api/cases?limit=50`: all, by a status their role works on, or the next page), a fifth
case pages of listed cases, the rest case reports and transitions the case page allowed them.
Alongside, the simulator sends readings over HTTP at the rate asked (all the district's devices,
as `linli simulate --rate` does); readings stored per second are counted in the database. The
baselines, measured in the same run against the same server: the same mix from one user alone,
and the simulator alone. Latencies are locust's, after every user has started; failures are
counted by HTTP status, 429s apart. A request refused with 429 is counted in a row of its own
(`refused (429)`), not under its route, and throughput targets count answered requests only;
a refused user waits as long as the answer's `Retry-After` asks (at most 5 s), as API clients
must.
During the user runs the connections waiting on a lock
(`pg_stat_activity`, `wait_event_type = 'Lock'`) are sampled every second. A smaller profile
runs on the embedded SQLite: 20,000 cases, 50 users, 1,000 readings/s asked. Load generator,
simulator, server and database share the machine's cores, and the CPU each of the first two
takes is shown.
"""


def intro() -> list[str]:
    """Return the text that opens the district-load section of docs/benchmarks.md."""
    return [
        "## District load",
        "",
        f"`{ALONE}` (part of `make bench`; `--quick` for a smoke run, under a minute on an "
        + " ".join(_ABOUT.split()),
        "",
        f"Targets (PostgreSQL, 200 users): p99 < {TARGET_P99_MS:.0f} ms on every case route, "
        f">= {TARGET_RPS:,.0f} requests/s, ingest >= {TARGET_INGEST:.0%} of the rate asked, "
        "throughput rising from 20 to 200 users.",
        "",
    ]


def _figure(name: str, value: float, unit: str, **where: Any) -> dict[str, Any]:
    """Return one figure; `where` says which profile, run, route and statistic it is."""
    return {
        "name": name,
        "value": round(float(value), 2),
        "unit": unit,
        "command": COMMAND,
        "group": "load",
        **where,
    }


def figures(measured: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the flat figures of one profile's measurement."""
    profile, built, runs = measured["profile"], measured["built"], measured["runs"]
    tag = f"{profile.backend}, {profile.cases:,} cases"
    title = (
        f"{profile.backend}: {profile.cases:,} cases, "
        f"{' and '.join(str(u) for u in profile.users)} users, "
        f"{profile.rate:,} readings/s asked"
    )
    out = [
        _figure(
            f"load: seeding, demo district + {profile.cases:,} cases, ANALYZE ({tag})",
            sum(built.seconds.values()),
            "s",
            profile=profile.backend,
            run="seeding",
        ),
        *(
            _figure(
                f"load: seeding, {part} ({tag})",
                seconds,
                "s",
                profile=profile.backend,
                run="seeding",
            )
            for part, seconds in built.seconds.items()
        ),
        _figure(
            f"load: ingest alone, {profile.rate:,}/s asked, {measured['devices']:,} devices: "
            f"stored ({tag})",
            measured["alone"],
            "readings/s",
            profile=profile.backend,
            run="ingest alone",
        ),
    ]
    for run, result in runs.items():
        where = {"profile": profile.backend, "run": run}
        for route, stats in [*sorted(result.routes.items()), ("all routes", result.total)]:
            for label, key, unit in STATS:
                out.append(
                    _figure(
                        f"load: {run}, {route}, {label} ({tag})",
                        getattr(stats, key),
                        unit,
                        route=route,
                        stat=label,
                        **where,
                    )
                )
            out.append(
                _figure(
                    f"load: {run}, {route}, requests ({tag})",
                    stats.requests,
                    "requests",
                    route=route,
                    stat="requests",
                    **where,
                )
            )
        out.append(
            _figure(
                f"load: {run}, answered requests/s, 429s left out ({tag})",
                round(result.answered_per_second, 1),
                "requests/s",
                stat="answered/s",
                **where,
            )
        )
        not_429 = sum(n for code, n in result.errors.items() if code != "HTTP 429")
        out += [
            _figure(
                f"load: {run}, HTTP 429 answers ({tag})",
                result.errors.get("HTTP 429", 0),
                "answers",
                stat="429",
                **where,
            ),
            _figure(
                f"load: {run}, failed requests other than 429 ({tag})",
                not_429,
                "requests",
                stat="errors",
                **where,
            ),
            *(
                _figure(f"load: {run}, {code} ({tag})", n, "requests", stat=code, **where)
                for code, n in sorted(result.errors.items())
                if code != "HTTP 429"
            ),
            _figure(
                f"load: {run}, load generator CPU ({tag})",
                100 * result.locust_cpu,
                "% of a core",
                stat="locust cpu",
                **where,
            ),
            _figure(
                f"load: {run}, server process CPU ({tag})",
                100 * result.server_cpu,
                "% of a core",
                stat="server cpu",
                **where,
            ),
        ]
        if run != "baseline":
            out.append(
                _figure(
                    f"load: {run}, readings stored alongside, {profile.rate:,}/s asked ({tag})",
                    result.stored_per_second,
                    "readings/s",
                    stat="ingest",
                    **where,
                )
            )
            out.append(
                _figure(
                    f"load: {run}, ingest achieved / asked ({tag})",
                    result.stored_per_second / profile.rate,
                    "ratio",
                    stat="ingest ratio",
                    **where,
                )
            )
        if result.lock_waits_mean is not None:
            out.append(
                _figure(
                    f"load: {run}, connections waiting on a lock, mean of 1 s samples ({tag})",
                    result.lock_waits_mean,
                    "connections",
                    stat="lock waits",
                    **where,
                )
            )
            out.append(
                _figure(
                    f"load: {run}, connections waiting on a lock, max ({tag})",
                    result.lock_waits_max or 0,
                    "connections",
                    stat="lock max",
                    **where,
                )
            )
    users = [r for r in runs if r != "baseline"]
    if len(users) >= 2:
        low, high = runs[users[0]].answered_per_second, runs[users[-1]].answered_per_second
        out.append(
            _figure(
                f"load: throughput {users[-1]} / {users[0]} ({tag})",
                high / low if low else 0.0,  # 0: nothing answered with fewer users
                "ratio",
                profile=profile.backend,
                run="ratio",
                stat="ratio",
            )
        )
    if runs["baseline"].answered_per_second > 0:
        out.append(
            _figure(
                f"load: throughput {users[-1]} / baseline one user ({tag})",
                runs[users[-1]].answered_per_second / runs["baseline"].answered_per_second,
                "ratio",
                profile=profile.backend,
                run="ratio",
                stat="baseline ratio",
            )
        )
    return [{**f, "title": title} for f in out]


def _value(figs: list[dict[str, Any]], **where: Any) -> float | None:
    for f in figs:
        if all(f.get(k) == v for k, v in where.items()):
            return float(f["value"])
    return None


def _verdicts(figs: list[dict[str, Any]], profile: str, top: str, low: str) -> list[str]:
    """Say, for each target, what was measured and whether it is met."""
    p99 = [
        (f["route"], f["value"])
        for f in figs
        if f.get("profile") == profile
        and f.get("run") == top
        and f.get("stat") == "p99"
        and f.get("route") not in ("all routes", REFUSED)
    ]
    worst = max(p99, key=lambda rv: rv[1]) if p99 else ("no route (nothing answered)", 0.0)
    rps = _value(figs, profile=profile, run=top, stat="answered/s") or 0.0
    ingest = _value(figs, profile=profile, run=top, stat="ingest ratio") or 0.0
    ratio = _value(figs, profile=profile, run="ratio", stat="ratio")

    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    lines = [
        f"- p99 < {TARGET_P99_MS:.0f} ms on every case route at {top}: worst is {worst[0]} at "
        f"{worst[1]:,.0f} ms — {met(bool(p99) and worst[1] < TARGET_P99_MS)}",
        f"- >= {TARGET_RPS:,.0f} requests/s answered (429s left out) at {top}: {rps:,.0f} — "
        f"{met(rps >= TARGET_RPS)}",
        f"- ingest >= {TARGET_INGEST:.0%} of asked at {top}: {ingest:.0%} — "
        f"{met(ingest >= TARGET_INGEST)}",
    ]
    if ratio is not None:
        lines.append(f"- throughput rising from {low} to {top}: x{ratio:.2f} — {met(ratio > 1)}")
    return lines


def section(figs: list[dict[str, Any]]) -> list[str]:
    """Return the markdown of the district-load section (empty without load figures)."""
    load = [f for f in figs if f.get("group") == "load"]
    lines: list[str] = []
    for profile in dict.fromkeys(f["profile"] for f in load):
        mine = [f for f in load if f["profile"] == profile]
        runs = [
            r
            for r in dict.fromkeys(f["run"] for f in mine)
            if r.endswith(("user", "users")) or r == "baseline"
        ]
        lines += [
            f"### {mine[0]['title']}",
            "",
            "| run | route | requests/s | p50 ms | p95 ms | p99 ms | requests |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for run in runs:
            routes = dict.fromkeys(f["route"] for f in mine if f["run"] == run and "route" in f)
            for route in routes:
                cells = [
                    _value(mine, run=run, route=route, stat=s) or 0.0
                    for s in ("requests/s", "p50", "p95", "p99", "requests")
                ]
                lines.append(
                    f"| {run} | {route} | "
                    + " | ".join(
                        f"{c:,.0f}" if i != 0 else f"{c:,.1f}" for i, c in enumerate(cells)
                    )
                    + " |"
                )
        lines += ["", "| figure | value | unit |", "| --- | ---: | --- |"]
        lines += [
            f"| {f['name'].removeprefix('load: ')} | {f['value']:,} | {f['unit']} |"
            for f in mine
            if "route" not in f
        ]
        users = [r for r in runs if r != "baseline"]
        if users and profile == "postgresql":
            lines += ["", "Targets:", *_verdicts(load, profile, users[-1], users[0])]
        lines.append("")
    return lines
