"""IoT's contributions: devices and ingest API, the MQTT listener, command timeouts, readings
maintenance (compaction, retention, partitions), CLI."""

from __future__ import annotations

import asyncio

import typer
from fastapi import APIRouter

from linli.core import clock
from linli.core.settings import get_settings
from linli.iot import events
from linli.runtime.extensions import Extension
from linli.runtime.scheduler import PeriodicTask, Worker

# Seconds compaction waits for a device's row lock before leaving the device for next round.
COMPACTION_LOCK_WAIT = 0.2
# Seconds after start before the first retention and compaction runs: each walks every device
# (one short transaction each), which a server just started has better things to do than.
MAINTENANCE_AFTER = 300.0


def _routers() -> list[APIRouter]:
    from linli.iot import api, ingest_api

    return [ingest_api.router, api.router, ingest_api.metrics_router]


def _cli() -> list[tuple[str, typer.Typer]]:
    from linli.iot.cli import app

    return [("iot", app)]


async def _expire_commands() -> int:
    from linli.core.database import session_scope
    from linli.iot import commands

    async with session_scope() as session:
        return await commands.expire_commands(session)


async def _apply_retention() -> int:
    from linli.core.database import session_scope
    from linli.iot import store

    now = clock.now()
    async with session_scope() as session:
        devices = await store.devices_for_retention(session)
    removed = 0
    for device_id, device_type in devices:
        # One short unit of work per device (on SQLite every transaction holds the one write
        # lock from its start).
        async with session_scope() as session:
            removed += await store.apply_device_retention(session, device_id, device_type, now=now)
    return removed


async def _compact_readings() -> int:
    from linli.core.database import is_busy, session_scope
    from linli.iot import store

    horizon = store.compaction_horizon()
    async with session_scope() as session:
        due = await store.devices_to_compact(session, horizon)
    folded = 0
    for device_id in due:
        # One unit of work per device: its row lock, which holds up that device's ingest, is
        # held only while its own hours are folded, and waited for only briefly: a device
        # whose batch is under way is left for the next round.
        try:
            async with session_scope() as session:
                folded += await store.compact_device(
                    session, device_id, horizon=horizon, lock_wait=COMPACTION_LOCK_WAIT
                )
        except Exception as err:
            if not is_busy(err):
                raise
    return folded


async def _maintain_partitions() -> int:
    from linli.core.database import session_scope
    from linli.iot import partitions

    now = clock.now()
    # Two units of work: partitions made stay made even if dropping old ones gives up (busy).
    async with session_scope() as session:
        created = await partitions.ensure_partitions(session, now=now)
    async with session_scope() as session:
        dropped = await partitions.drop_expired(session, now=now)
    return len(created) + len(dropped)


async def _refresh_status() -> int:
    from linli.core.database import session_scope
    from linli.iot import status

    changed, after = 0, None
    while True:
        # One unit of work per batch: the device rows it changes are the rows ingest locks.
        async with session_scope() as session:
            done, after = await status.refresh_status_batch(session, after=after)
        changed += done
        if after is None:
            return changed


async def _quarantine_retention() -> int:
    from linli.core.database import session_scope
    from linli.iot import quarantine

    async with session_scope() as session:
        return await quarantine.apply_retention(session)


def _tasks() -> list[PeriodicTask]:
    return [
        PeriodicTask("iot.refresh_status", lambda: 60.0, _refresh_status),
        PeriodicTask(
            "iot.quarantine_retention", lambda: 3600.0, _quarantine_retention, MAINTENANCE_AFTER
        ),
        PeriodicTask("iot.expire_commands", lambda: 60.0, _expire_commands),
        PeriodicTask("iot.apply_retention", lambda: 3600.0, _apply_retention, MAINTENANCE_AFTER),
        PeriodicTask("iot.compact_readings", lambda: 600.0, _compact_readings, MAINTENANCE_AFTER),
        # Runs first at start (as every task does), so a new server has its partitions at once.
        PeriodicTask("iot.partitions", lambda: 3600.0, _maintain_partitions),
    ]


def _workers() -> list[Worker]:
    url = get_settings().mqtt_url
    if not url:
        return []

    async def listen(stop: asyncio.Event) -> None:
        from linli.iot.mqtt import run_listener

        await run_listener(url, stop=stop)

    return [Worker("iot.mqtt_listener", listen, role="ingest")]


extension = Extension(
    name="iot",
    models=("linli.iot.models",),
    routers=_routers,
    cli=_cli,
    tasks=_tasks,
    workers=_workers,
    pipelines=(events.readings,),
)
