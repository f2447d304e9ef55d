"""Devices and their credentials, their readings, and ingest (`linli.iot.pipeline`).

Functions taking `principal` check and scope by it; `principal=None` means a trusted system
caller.
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, localtime
from linli.core.database import session_scope
from linli.core.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from linli.iot import broker, pipeline, repository, rollups, store
from linli.iot.models import Device, LatestReading
from linli.iot.places import place_name as place_name
from linli.iot.places import place_names as place_names
from linli.iot.schemas import (
    BucketRead,
    DeviceCreate,
    DeviceLatest,
    LatestValue,
    ReadingRead,
    ReadingSeries,
)
from linli.iot.types import DEVICE_TYPES, device_type
from linli.iot.wording import alarm_headline as alarm_headline
from linli.iot.wording import metric_label as metric_label
from linli.iot.wording import metric_words as metric_words
from linli.iot.wording import reading_text as reading_text
from linli.iot.wording import type_label as type_label
from linli.org.models import OrgUnit
from linli.registry import service as registry_service
from linli.registry.models import Building, Place
from linli.security import audit
from linli.security.permissions import Principal, actor_of, scope_or_all
from linli.security.service import hash_secret

TOKEN_PREFIX = "ld_"

ingest = pipeline.ingest
ingest_items = pipeline.ingest_items


async def backfill_readings(
    session: AsyncSession,
    device_id: uuid.UUID,
    rows: Sequence[tuple[str, datetime, float]],
    *,
    now: datetime,
) -> int:
    """Store a device's past readings (metric, ts, value) as its history at once: the closed
    hours before `now` packed with their rollups, as compaction leaves them; no rule sees them
    and the latest values stay. Return the points folded."""
    return await store.backfill(session, device_id, rows, horizon=store.compaction_horizon(now))


def _visible(principal: Principal | None) -> ColumnElement[bool]:
    return scope_or_all(principal, "devices:read", Device.org_path)


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def _placement(
    session: AsyncSession, data: DeviceCreate, principal: Principal | None
) -> tuple[float, float, OrgUnit]:
    lon, lat = data.lon, data.lat
    for kind, ref_id in (("building", data.building_id), ("place", data.place_id)):
        if ref_id is None:
            continue
        where: Building | Place
        try:
            if kind == "building":
                where = await registry_service.get_building(session, ref_id, principal=principal)
            else:
                where = await registry_service.get_place(session, ref_id, principal=principal)
        except NotFound as err:
            raise ValidationFailed(f"no such {kind}", code=f"unknown_{kind}") from err
        if lon is None or lat is None:
            lon, lat = where.lon, where.lat
    if lon is None or lat is None:
        raise ValidationFailed(
            "give lon and lat, or a building or place to take them from", code="location_required"
        )
    unit = await registry_service.locate_unit(
        session, lon=lon, lat=lat, org_unit_id=data.org_unit_id
    )
    return lon, lat, unit


async def register_device(
    session: AsyncSession, *, data: DeviceCreate, principal: Principal | None = None
) -> tuple[Device, str]:
    """Register a device and return it with its token (only its hash is kept)."""
    device_type(data.type)
    lon, lat, unit = await _placement(session, data, principal)
    if principal is not None:
        principal.require("devices:write", unit.path)
    if await repository.device_by_code(session, data.code) is not None:
        raise Conflict(f"device code '{data.code}' is taken", code="device_code_taken")
    token = _new_token()
    device = Device(
        code=data.code,
        type=data.type,
        name=data.name,
        name_zh=data.name_zh,
        lon=lon,
        lat=lat,
        org_unit_id=unit.id,
        org_path=unit.path,
        building_id=data.building_id,
        place_id=data.place_id,
        token_hash=hash_secret(token),
    )
    session.add(device)
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="device.register",
        target_type="device",
        target_id=str(device.id),
        org_path=device.org_path,
        detail={"code": device.code, "type": device.type},
    )
    return device, token


async def rotate_token(
    session: AsyncSession, device: Device, *, principal: Principal | None = None
) -> str:
    """Give a device a new token; the old one stops working at once."""
    if principal is not None:
        principal.require("devices:write", device.org_path)
    token = _new_token()
    device.token_hash = hash_secret(token)
    await audit.record(
        session,
        actor=actor_of(principal),
        action="device.token_rotate",
        target_type="device",
        target_id=str(device.id),
        org_path=device.org_path,
    )
    return token


async def authenticate_device(session: AsyncSession, *, code: str, token: str) -> Device:
    """Return the active device `code` if `token` is its token; raise otherwise."""
    device = await repository.device_by_code(session, code)
    if device is None:
        raise NotFound(f"no device '{code[:64]}'", code="unknown_device")
    if device.revoked_at is not None:
        raise Unauthenticated("this device's credentials are revoked", code="device_revoked")
    if not hmac.compare_digest(device.token_hash, hash_secret(token)):
        raise Unauthenticated("wrong device token", code="bad_device_token")
    if not device.active:
        raise Forbidden("this device is deactivated", code="device_inactive")
    return device


@dataclass(frozen=True, slots=True)
class MqttLogin:
    """How a device logs in to the broker: its site's code (the topic prefix) and password."""

    device: Device
    site: str | None
    password: str


async def mqtt_logins(
    session: AsyncSession, *, codes: Sequence[str] | None = None
) -> list[MqttLogin]:
    """Return the active, unrevoked devices (only `codes`, if given) by code, with their MQTT
    logins (passwords derived from the secret key, never stored)."""
    stmt = select(Device).where(Device.active.is_(True), Device.revoked_at.is_(None))
    if codes:
        stmt = stmt.where(Device.code.in_(codes))
    devices = list(await session.scalars(stmt.order_by(Device.code)))
    sites = await broker.site_codes(session, [d.org_path for d in devices])
    return [
        MqttLogin(d, sites.get(broker.root_id(d.org_path)), broker.mqtt_password(d))
        for d in devices
    ]


async def newest_reading_at(session: AsyncSession, codes: Sequence[str]) -> datetime | None:
    """Return the time of the newest reading stored for any of the devices `codes`."""
    stmt = (
        select(func.max(LatestReading.ts))
        .join(Device, Device.id == LatestReading.device_id)
        .where(Device.code.in_(codes))
    )
    return await session.scalar(stmt) if codes else None


async def get_device(
    session: AsyncSession, device_id: uuid.UUID, *, principal: Principal | None = None
) -> Device:
    """Return a device the principal may read, or raise NotFound."""
    device = await session.get(Device, device_id)
    if device is None or (
        principal is not None and not principal.can("devices:read", device.org_path)
    ):
        raise NotFound("device not found", code="device_not_found")
    return device


async def latest_values(session: AsyncSession, device: Device) -> list[LatestValue]:
    """Return the newest value of each metric the device has reported."""
    metrics = DEVICE_TYPES[device.type].metrics if device.type in DEVICE_TYPES else {}
    return [
        LatestValue(
            metric=row.metric,
            unit=metrics[row.metric].unit if row.metric in metrics else "",
            ts=row.ts,
            value=row.value,
        )
        for row in await repository.latest(session, device.id)
    ]


async def readings(
    session: AsyncSession,
    device: Device,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 1000,
) -> list[rollups.Point]:
    """Return a device's readings in [start, end), oldest first, at most `limit`."""
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("'end' must be after 'start'", code="bad_range")
    return await rollups.points(
        session, device.id, metric=metric, start=start, end=end, limit=limit
    )


async def reading_before(
    session: AsyncSession, device_id: uuid.UUID, metric: str, ts: datetime
) -> tuple[datetime, float] | None:
    """Return the (ts, value) of a device's newest `metric` reading before `ts`, if any."""
    return await rollups.point_before(session, device_id, metric, ts)


def _unit_of(device_type_name: str, metric: str) -> str:
    kind = DEVICE_TYPES.get(device_type_name)
    found = kind.metrics.get(metric) if kind is not None else None
    return found.unit if found is not None else ""


async def series(
    session: AsyncSession,
    device: Device,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: str | None = None,
    agg: str = "avg",
    max_points: int | None = None,
    limit: int = 1000,
) -> ReadingSeries:
    """Return raw readings, or bucketed aggregates when `bucket` is given or `max_points` is
    exceeded (the finest of 1m/1h/1d that fits is then chosen)."""
    if bucket is not None and bucket not in rollups.BUCKETS:
        raise ValidationFailed(
            f"bucket must be one of {', '.join(rollups.BUCKETS)}", code="bad_bucket"
        )
    if agg not in rollups.AGGREGATES:
        raise ValidationFailed(
            f"agg must be one of {', '.join(rollups.AGGREGATES)}", code="bad_agg"
        )
    if bucket is None and max_points is None:
        rows = await readings(session, device, metric=metric, start=start, end=end, limit=limit)
        return ReadingSeries(
            device_id=device.id, items=[ReadingRead.model_validate(r) for r in rows]
        )
    end = end or clock.now()
    start = start or end - timedelta(days=1)
    if end <= start:
        raise ValidationFailed("'end' must be after 'start'", code="bad_range")
    if bucket is None:
        assert max_points is not None
        total = await rollups.count_readings(
            session, device.id, metric=metric, start=start, end=end
        )
        if total <= max_points:
            rows = await readings(
                session, device, metric=metric, start=start, end=end, limit=max_points
            )
            return ReadingSeries(
                device_id=device.id, items=[ReadingRead.model_validate(r) for r in rows]
            )
        metrics = 1 if metric is not None else max(1, len(DEVICE_TYPES[device.type].metrics))
        bucket = rollups.choose_bucket(start, end, max(1, max_points // metrics))
    found = await rollups.buckets(
        session, device.id, bucket=bucket, start=start, end=end, metric=metric
    )
    stats = [
        BucketRead(
            metric=b.metric, ts=b.start, min=b.min, max=b.max, avg=b.avg, count=b.count, last=b.last
        )
        for b in found
    ]
    items = [ReadingRead(metric=b.metric, ts=b.ts, value=getattr(b, agg)) for b in stats]
    return ReadingSeries(device_id=device.id, items=items, bucket=bucket, agg=agg, buckets=stats)


CSV_PAGE = 5000


async def export_csv(
    device_id: uuid.UUID,
    device_code: str,
    *,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    timezone: str = "UTC",
) -> AsyncIterator[str]:
    """Yield a device's readings as CSV lines, a page at a time (check access before calling).

    Times are ISO 8601 on the wall clock of `timezone` (the site's), with its offset, so a
    spreadsheet shows the hours people saw on the pages and a program still reads the instant.

    The export reads in its own read-only session, page by page on the key (ts, metric), so a
    long export streams in constant memory and outlives the request's session.
    """
    yield "device,metric,ts,value\n"
    after: tuple[datetime, str] | None = None
    while True:
        async with session_scope() as session:
            rows = await rollups.points(
                session, device_id, metric=metric, start=start, end=end, after=after, limit=CSV_PAGE
            )
        if not rows:
            return
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for r in rows:
            ts = localtime.iso_local(r.ts, timezone)
            writer.writerow((device_code, r.metric, ts, repr(r.value)))
        yield out.getvalue()
        after = (rows[-1].ts, rows[-1].metric)


async def latest_for(
    session: AsyncSession,
    *,
    principal: Principal | None,
    device_ids: Sequence[uuid.UUID] = (),
    unit: OrgUnit | None = None,
    limit: int = 5000,
) -> list[DeviceLatest]:
    """Return the latest values of the given devices, or of every device in a unit's subtree."""
    if not device_ids and unit is None:
        raise ValidationFailed("give device_ids or unit_id", code="devices_required")
    where = _visible(principal)
    if device_ids:
        where = and_(where, Device.id.in_(list(device_ids)))
    if unit is not None:
        where = and_(where, Device.org_path.startswith(unit.path, autoescape=True))
    return [
        DeviceLatest(
            device_id=d.id,
            device_code=d.code,
            metric=r.metric,
            unit=_unit_of(d.type, r.metric),
            ts=r.ts,
            value=r.value,
        )
        for d, r in await repository.latest_of_devices(session, where, limit=limit)
    ]
