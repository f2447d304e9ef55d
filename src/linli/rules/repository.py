"""Rules and alarms queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.rules.models import Alarm, ThresholdRule


async def active_rules(session: AsyncSession, device_type: str) -> list[ThresholdRule]:
    """Return the active rules for a device type, oldest first."""
    stmt = (
        select(ThresholdRule)
        .where(ThresholdRule.device_type == device_type, ThresholdRule.active.is_(True))
        .order_by(ThresholdRule.created_at, ThresholdRule.id)
    )
    return list(await session.scalars(stmt))


async def open_alarms(
    session: AsyncSession, device_id: uuid.UUID, rule_ids: Sequence[uuid.UUID]
) -> list[Alarm]:
    """Return the device's open (not cleared) alarms of these rules."""
    if not rule_ids:
        return []
    stmt = select(Alarm).where(
        Alarm.device_id == device_id, Alarm.rule_id.in_(rule_ids), Alarm.status != "cleared"
    )
    return list(await session.scalars(stmt))


def rules(where: ColumnElement[bool], *, device_type: str | None = None) -> Select[ThresholdRule]:
    """Select rules matching `where`, by name."""
    stmt = select(ThresholdRule).where(where)
    if device_type is not None:
        stmt = stmt.where(ThresholdRule.device_type == device_type)
    return stmt.order_by(ThresholdRule.name, ThresholdRule.id)


def alarms(
    where: ColumnElement[bool],
    *,
    statuses: Sequence[str] = (),
    open: bool | None = None,
    device_id: uuid.UUID | None = None,
    severity: str | None = None,
) -> Select[Alarm]:
    """Select alarms matching the filters, newest first."""
    stmt = select(Alarm).where(where)
    if statuses:
        stmt = stmt.where(Alarm.status.in_(statuses))
    if open is not None:
        stmt = stmt.where(Alarm.status != "cleared" if open else Alarm.status == "cleared")
    if device_id is not None:
        stmt = stmt.where(Alarm.device_id == device_id)
    if severity is not None:
        stmt = stmt.where(Alarm.severity == severity)
    return stmt.order_by(Alarm.raised_at.desc(), Alarm.id.desc())
