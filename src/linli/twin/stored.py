"""What `linli simulate` asks the database (`LINLI_DATABASE_URL`): the devices with their MQTT
logins (derived with `LINLI_SECRET_KEY`), and where a run should start so that a rerun sends
new readings instead of the ones already stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from linli.core import clock
from linli.core.settings import get_settings
from linli.twin.simulated import SimulatedDevice


def database_readable() -> bool:
    """Tell whether the configured database can be asked (a missing SQLite file is not made)."""
    url = make_url(get_settings().database_url)
    if url.get_backend_name() != "sqlite":
        return True
    name = url.database or ""
    return name not in ("", ":memory:") and Path(name).exists()


def stored_devices() -> list[SimulatedDevice]:
    """Return the active devices with their MQTT logins."""
    from linli.core.database import dispose_engine, session_scope
    from linli.twin.mqtt_sender import devices_from_database

    async def read() -> list[SimulatedDevice]:
        try:
            async with session_scope() as session:
                return await devices_from_database(session)
        finally:
            await dispose_engine()

    return asyncio.run(read())


def newest_stored(codes: Sequence[str]) -> datetime | None:
    """Return the time of the newest reading stored for any of the devices `codes`."""
    from linli.core.database import dispose_engine, session_scope
    from linli.iot import service as iot_service

    async def read() -> datetime | None:
        try:
            async with session_scope() as session:
                return await iot_service.newest_reading_at(session, codes)
        finally:
            await dispose_engine()

    return asyncio.run(read())


def continue_after(newest: datetime, *, catch_up: timedelta) -> datetime:
    """Return where a run at a rate starts after readings up to `newest`: the next second, but
    not more than `catch_up` back, and never ahead of the wall clock."""
    now = clock.now().replace(microsecond=0)
    return min(now, max(now - catch_up, newest.replace(microsecond=0) + timedelta(seconds=1)))
