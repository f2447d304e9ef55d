"""Process roles: what one `linli serve --role …` process runs.

* `api` — HTTP only: pages, JSON API, SSE. Stateless; run as many as the load needs.
* `ingest` — the HTTP routes tagged `ingest` (device ingest) and `health`, plus the workers of
  role `ingest` (the MQTT listener).
* `worker` — the workers of role `worker` (notification dispatcher, composite rules…) and, with
  a bus, the relay that publishes the event log to NATS. No HTTP.
* `scheduler` — every extension's periodic tasks (SLA sweep, absence sweep, retention…). Safe to
  run several: the timers they fire are claimed with row locks. No HTTP.
* `all` — everything in one process: the embedded install.

What belongs to which role comes from the extension registry (a task's kind, a worker's `role`,
a route's tags), never from domain names. With `LINLI_BUS_URL` set every role talks to the
others over NATS JetStream (`linli.core.natsbus`); without it the bus stays in-process.

Each process's database work is split into workload classes with their own connections
(`linli.core.database.Workload`): `http_workload` gives a request's class from the role and the
route's tags, the scheduler gives workers and periodic tasks theirs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from enum import StrEnum
from functools import partial

from fastapi import APIRouter
from starlette.routing import BaseRoute

from linli.core import events
from linli.core.database import Workload, dispose_engine
from linli.core.natsbus import NatsBus, run_relay
from linli.core.settings import get_settings
from linli.runtime.extensions import load_extensions, periodic_tasks, workers
from linli.runtime.scheduler import PeriodicTask, Scheduler, Worker

log = logging.getLogger(__name__)


class Role(StrEnum):
    API = "api"
    INGEST = "ingest"
    WORKER = "worker"
    SCHEDULER = "scheduler"
    ALL = "all"


HTTP_ROLES = frozenset({Role.API, Role.INGEST, Role.ALL})
# Roles serving only part of the routes: the route tags they keep.
ROUTE_TAGS: dict[Role, frozenset[str]] = {Role.INGEST: frozenset({"ingest", "health"})}


def serves_http(role: Role) -> bool:
    """Return whether processes of `role` run the web server."""
    return role in HTTP_ROLES


def keeps_route(role: Role, route: BaseRoute) -> bool:
    """Return whether the app of a `role` process serves `route`."""
    tags = ROUTE_TAGS.get(role)
    if tags is None:
        return True
    return bool(tags.intersection(str(t) for t in getattr(route, "tags", None) or ()))


def http_workload(role: Role, tags: Iterable[str]) -> Workload:
    """Return the connection class of a request to a route with `tags` in a `role` process:
    an ingest process is all `ingest`, an api process all `api`, `all` splits them by tag."""
    if role is Role.INGEST or (role is Role.ALL and "ingest" in tags):
        return Workload.INGEST
    return Workload.API


def routes_of(role: Role, router: APIRouter) -> APIRouter:
    """Return `router`, or for a role serving part of the routes a router with that part."""
    if role not in ROUTE_TAGS:
        return router
    kept = APIRouter()
    # Only the router's own routes: ingest and health routes are not nested in sub-routers.
    kept.routes.extend(r for r in router.routes if keeps_route(role, r))
    return kept


def tasks_for(role: Role) -> list[PeriodicTask]:
    """Return the periodic tasks a `role` process runs."""
    return periodic_tasks() if role in (Role.SCHEDULER, Role.ALL) else []


def workers_for(role: Role, bus: events.EventBus | None = None) -> list[Worker]:
    """Return the workers a `role` process runs; with a NATS bus the worker role relays."""
    chosen = [w for w in workers() if role is Role.ALL or w.role == role]
    if role in (Role.WORKER, Role.ALL) and isinstance(bus, NatsBus):
        chosen.append(Worker("core.bus_relay", partial(run_relay, bus)))
    return chosen


@asynccontextmanager
async def running(role: Role) -> AsyncIterator[None]:
    """Connect the bus, run the role's tasks and workers, and tear it all down on exit."""
    load_extensions()  # the MQTT listener stores readings: the pipeline must be in place
    settings = get_settings()
    bus: NatsBus | None = None
    previous: events.EventBus | None = None
    if settings.bus_url:
        bus = NatsBus(settings.bus_url, stream=settings.bus_stream, name=f"linli-{role}")
        await bus.start()
        previous = events.install_bus(bus)
    tasks, loops = tasks_for(role), workers_for(role, bus)
    scheduler = Scheduler(tasks, loops)
    scheduler.start()
    log.info(
        "linli %s role running: %d periodic tasks, workers: %s, bus: %s",
        role,
        len(tasks),
        ", ".join(w.name for w in loops) or "none",
        "nats" if bus is not None else "in-process",
    )
    try:
        yield
    finally:
        await scheduler.stop()
        if previous is not None:
            events.install_bus(previous)
        if bus is not None:
            await bus.close()
        await dispose_engine()


async def run_headless(role: Role) -> None:
    """Run a role without HTTP until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(sig, stop.set)
    async with running(role):
        await stop.wait()
