"""Device status: online/offline from silence, battery from the latest `battery` reading.

A device is offline when it has been silent longer than `OFFLINE_FACTOR` times its type's
expected interval (`DeviceType.interval_s`), online otherwise; one never heard from stays
"unknown" until it is silent that long after registration. A periodic task (`refresh_status`)
judges every active device and records `device.online` / `device.offline` events for changes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events
from linli.core.errors import ValidationFailed
from linli.core.pagination import Page, PageQuery, keyset_page
from linli.iot import repository
from linli.iot.models import Device, LatestReading
from linli.iot.types import DEVICE_TYPES
from linli.org.models import OrgUnit
from linli.security.permissions import Principal, scope_or_all

STATUSES = ("online", "offline", "unknown")
OFFLINE_FACTOR = 3
DEFAULT_INTERVAL_S = 600.0
BATCH = 1000


class DeviceOnline(events.Event):
    subject: ClassVar[str] = "device.online"
    device_id: uuid.UUID
    device_code: str
    last_seen_at: datetime | None = None


class DeviceOffline(events.Event):
    subject: ClassVar[str] = "device.offline"
    device_id: uuid.UUID
    device_code: str
    last_seen_at: datetime | None = None


def offline_after(device_type: str) -> timedelta:
    """Return how long a device of this type may be silent before it counts as offline."""
    kind = DEVICE_TYPES.get(device_type)
    interval = kind.interval_s if kind is not None else DEFAULT_INTERVAL_S
    return timedelta(seconds=interval * OFFLINE_FACTOR)


def judge(device: Device, now: datetime) -> str:
    """Return the status the device has at `now`."""
    limit = offline_after(device.type)
    if device.last_seen_at is None:
        return "offline" if now - device.created_at > limit else "unknown"
    return "online" if now - device.last_seen_at <= limit else "offline"


async def refresh_status(session: AsyncSession) -> int:
    """Judge every active device, keep its battery level, record events; return changes."""
    changed, after = 0, None
    while True:
        done, after = await refresh_status_batch(session, after=after)
        changed += done
        if after is None:
            return changed


async def refresh_status_batch(
    session: AsyncSession, *, after: str | None = None
) -> tuple[int, str | None]:
    """Judge the next `BATCH` active devices by code after `after`; return the changes and the
    code to go on after (None: all judged). The task runs each batch in its own unit of work,
    so the device rows it changes (the rows ingest locks) are held only that long."""
    now = clock.now()
    changed = 0
    stmt = select(Device).where(Device.active.is_(True)).order_by(Device.code).limit(BATCH)
    if after is not None:
        stmt = stmt.where(Device.code > after)
    devices = list(await session.scalars(stmt))
    if not devices:
        return 0, None
    batteries = {
        device_id: value
        for device_id, value in await session.execute(
            select(LatestReading.device_id, LatestReading.value).where(
                LatestReading.metric == "battery",
                LatestReading.device_id.in_([d.id for d in devices]),
            )
        )
    }
    for device in devices:
        battery = batteries.get(device.id)
        if battery is not None and battery != device.battery:
            device.battery = battery
        status = judge(device, now)
        if status == device.status:
            continue
        device.status = status
        changed += 1
        if status == "unknown":
            continue
        kind = DeviceOnline if status == "online" else DeviceOffline
        events.record(
            session,
            kind(
                org_path=device.org_path,
                device_id=device.id,
                device_code=device.code,
                last_seen_at=device.last_seen_at,
            ),
        )
    await session.flush()
    return changed, (devices[-1].code if len(devices) == BATCH else None)


async def list_devices(
    session: AsyncSession,
    *,
    principal: Principal | None,
    status: str | None = None,
    type: str | None = None,
    unit: OrgUnit | None = None,
    paging: PageQuery = PageQuery(),
) -> Page[Device]:
    """Return a page of the devices the principal may read (of a status, if given), by code."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(STATUSES)}", code="bad_status")
    where = scope_or_all(principal, "devices:read", Device.org_path)
    stmt = repository.devices(where, type=type, unit_path=unit.path if unit else None)
    if status is not None:
        stmt = stmt.where(Device.status == status)
    return await keyset_page(session, stmt, repository.DEVICE_ORDER, paging)
