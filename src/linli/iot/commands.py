"""Downlink commands to devices over MQTT: recorded first, published after the commit.

`send_command` records a `DeviceCommand` as `pending` (an outbox row) and an event; the MQTT
listener, woken by the event or by its poll, publishes pending commands on the device's `down`
topic and marks them `sent`; the device's acknowledgement on `ack` makes them `acknowledged` or
`failed`; `expire_commands` marks the ones nobody acknowledged in time as `timed_out`.
A command may reach a device twice (at-least-once); devices act on a `command_id` once.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.iot import broker
from linli.iot.models import Device, DeviceCommand
from linli.security import audit
from linli.security.permissions import Principal

DEFAULT_TIMEOUT = timedelta(minutes=5)
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PARAMS_BYTES = 4096
ACK_STATUSES = {"ok": "acknowledged", "failed": "failed"}
FINAL = ("acknowledged", "failed")

Publish = Callable[[str, bytes], Awaitable[None]]


class CommandRequested(events.Event):
    """A command waits to be published to its device."""

    subject: ClassVar[str] = "iot.command_requested"
    command_id: uuid.UUID
    device_code: str


async def send_command(
    session: AsyncSession,
    *,
    device: Device,
    name: str,
    params: dict[str, Any] | None = None,
    actor: str,
) -> DeviceCommand:
    """Record a command for `device`; it is published once the transaction commits."""
    if not NAME.fullmatch(name):
        raise ValidationFailed("a command name is 1-64 of A-Z a-z 0-9 _ -", code="bad_name")
    params = params or {}
    try:
        size = len(json.dumps(params, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise ValidationFailed("params must be plain JSON", code="bad_params") from err
    if size > MAX_PARAMS_BYTES:
        raise ValidationFailed(f"params are limited to {MAX_PARAMS_BYTES} bytes", code="bad_params")
    if not device.active:
        raise Conflict("this device is deactivated", code="device_inactive")
    command = DeviceCommand(
        device_id=device.id,
        org_path=device.org_path,
        name=name,
        params=params,
        status="pending",
        actor=actor,
    )
    session.add(command)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="device.command",
        target_type="device",
        target_id=str(device.id),
        org_path=device.org_path,
        detail={"command_id": str(command.id), "name": name},
    )
    events.record(
        session,
        CommandRequested(org_path=device.org_path, command_id=command.id, device_code=device.code),
    )
    return command


async def latest_commands(
    session: AsyncSession, device: Device, *, limit: int = 20
) -> list[DeviceCommand]:
    """Return a device's latest commands, newest first (check access before calling)."""
    stmt = (
        select(DeviceCommand)
        .where(DeviceCommand.device_id == device.id)
        .order_by(DeviceCommand.created_at.desc())
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def get_command(
    session: AsyncSession, command_id: uuid.UUID, *, principal: Principal | None = None
) -> DeviceCommand:
    """Return a command the principal may read, or raise NotFound."""
    command = await session.get(DeviceCommand, command_id)
    if command is None or (
        principal is not None and not principal.can("devices:read", command.org_path)
    ):
        raise NotFound("command not found", code="command_not_found")
    return command


def command_payload(command: DeviceCommand) -> bytes:
    """Return the JSON a device receives on its `down` topic."""
    body = {"command_id": str(command.id), "name": command.name, "params": command.params}
    return json.dumps(body, separators=(",", ":")).encode()


async def dispatch_pending(session: AsyncSession, *, publish: Publish, limit: int = 100) -> int:
    """Publish up to `limit` pending commands, oldest first, and mark them sent."""
    stmt = (
        select(DeviceCommand)
        .where(DeviceCommand.status == "pending")
        .order_by(DeviceCommand.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    commands = list(await session.scalars(stmt))
    if not commands:
        return 0
    ids = {c.device_id for c in commands}
    devices = {d.id: d for d in await session.scalars(select(Device).where(Device.id.in_(ids)))}
    sites = await broker.site_codes(session, [d.org_path for d in devices.values()])
    for command in commands:
        device = devices[command.device_id]
        site = sites[broker.root_id(device.org_path)]
        await publish(broker.topic(site, device.code, "down"), command_payload(command))
        command.status, command.sent_at = "sent", clock.now()
    return len(commands)


async def record_ack(
    session: AsyncSession, *, device: Device, command_id: uuid.UUID, status: str, detail: str = ""
) -> DeviceCommand:
    """Record a device's acknowledgement; a repeated one changes nothing."""
    new_status = ACK_STATUSES.get(status)
    if new_status is None:
        raise ValidationFailed("status must be 'ok' or 'failed'", code="bad_ack_status")
    command = await session.get(DeviceCommand, command_id)
    if command is None or command.device_id != device.id:
        raise NotFound("no such command for this device", code="command_not_found")
    if command.status in FINAL:
        return command
    # A late acknowledgement still says what the device did, so it overrides `timed_out`.
    command.status, command.acknowledged_at = new_status, clock.now()
    command.detail = detail[:500] or None
    return command


async def expire_commands(session: AsyncSession, *, after: timedelta = DEFAULT_TIMEOUT) -> int:
    """Mark commands unacknowledged (or unsent) for longer than `after` as timed out."""
    cutoff = clock.now() - after
    result = await session.execute(
        update(DeviceCommand)
        .where(
            or_(
                (DeviceCommand.status == "sent") & (DeviceCommand.sent_at < cutoff),
                (DeviceCommand.status == "pending") & (DeviceCommand.created_at < cutoff),
            )
        )
        .values(status="timed_out")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
