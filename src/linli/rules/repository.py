"""Rules and alarms queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, bindparam, cast, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core.pagination import newest_first, oldest_first
from linli.iot.models import Device, LatestReading
from linli.rules.models import Alarm, Rule, RuleState, RuleVersion

# The orders of the rule and alarm lists (a unique key last, for keyset pages).
RULE_ORDER = oldest_first(Rule.name, Rule.id)
ALARM_ORDER = newest_first(Alarm.raised_at, Alarm.id)


async def active_rules(
    session: AsyncSession, device_type: str | None = None, *, kind: str | None = None
) -> list[Rule]:
    """Return the active rules (of a device type, of a kind), oldest first."""
    stmt = select(Rule).where(Rule.active.is_(True))
    if device_type is not None:
        stmt = stmt.where(Rule.device_type == device_type)
    if kind is not None:
        stmt = stmt.where(Rule.kind == kind)
    return list(await session.scalars(stmt.order_by(Rule.created_at, Rule.id)))


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


async def states(
    session: AsyncSession, device_id: uuid.UUID, rule_ids: Sequence[uuid.UUID]
) -> list[RuleState]:
    """Return the device's saved state for these rules."""
    if not rule_ids:
        return []
    stmt = select(RuleState).where(
        RuleState.device_id == device_id, RuleState.rule_id.in_(rule_ids)
    )
    return list(await session.scalars(stmt))


def _fingerprint(dialect: str) -> Select[Any]:
    mine = (Rule.active.is_(True), Rule.device_type == bindparam("device_type"))
    # The smallest and largest ids (random bits) tell apart rule sets of equal size and versions;
    # taken as text in the same pass over the rules (PostgreSQL has no min or max of a uuid),
    # compared bytewise (a locale's collation costs more than the rest of the query).
    text_id = cast(Rule.id, String).collate("C" if dialect == "postgresql" else "BINARY")
    alarms = (
        select(func.count())
        .where(Alarm.device_id == bindparam("device_id"), Alarm.status != "cleared")
        .scalar_subquery()
    )
    states = (
        select(func.count()).where(RuleState.device_id == bindparam("device_id")).scalar_subquery()
    )
    return select(
        func.count(), func.sum(Rule.version), func.min(text_id), func.max(text_id), alarms, states
    ).where(*mine)


_FINGERPRINTS: dict[str, Select[Any]] = {}  # dialect name → the query, built once (every batch)


async def rules_fingerprint(
    session: AsyncSession, device_type: str, device_id: uuid.UUID
) -> tuple[tuple[object, ...], int, int]:
    """Return, in one query, a value that changes whenever the active rules of a device type
    change, and the numbers of the device's open alarms and saved rule states."""
    dialect = session.get_bind().dialect.name
    stmt = _FINGERPRINTS.get(dialect)
    if stmt is None:
        stmt = _FINGERPRINTS[dialect] = _fingerprint(dialect)
    params = {"device_type": device_type, "device_id": device_id}
    row = (await session.execute(stmt, params)).one()
    return (int(row[0]), int(row[1] or 0), row[2], row[3]), int(row[4]), int(row[5])


async def rules_by_id(session: AsyncSession, rule_ids: Sequence[uuid.UUID]) -> list[Rule]:
    """Return the rules with these ids."""
    return list(await session.scalars(select(Rule).where(Rule.id.in_(rule_ids))))


async def open_alarms_of_device(session: AsyncSession, device_id: uuid.UUID) -> list[Alarm]:
    """Return the device's open (not cleared) alarms, of any rule."""
    stmt = select(Alarm).where(Alarm.device_id == device_id, Alarm.status != "cleared")
    return list(await session.scalars(stmt))


async def states_of_device(session: AsyncSession, device_id: uuid.UUID) -> list[RuleState]:
    """Return the device's saved rule states, of any rule."""
    return list(await session.scalars(select(RuleState).where(RuleState.device_id == device_id)))


async def last_cleared_since(
    session: AsyncSession, device_id: uuid.UUID, rule_id: uuid.UUID, since: datetime
) -> Alarm | None:
    """Return the pair's alarm cleared at or after `since`, newest first."""
    stmt = (
        select(Alarm)
        .where(
            Alarm.device_id == device_id,
            Alarm.rule_id == rule_id,
            Alarm.status == "cleared",
            Alarm.cleared_at >= since,
        )
        .order_by(Alarm.cleared_at.desc())
        .limit(1)
    )
    alarm: Alarm | None = await session.scalar(stmt)
    return alarm


async def last_heard(
    session: AsyncSession, device_type: str, scope_path: str, metric: str | None
) -> list[tuple[Device, datetime | None]]:
    """Return the active devices of a type in scope with their newest reading time (of `metric`)."""
    newest = select(LatestReading.device_id, func.max(LatestReading.ts).label("ts")).group_by(
        LatestReading.device_id
    )
    if metric is not None:
        newest = newest.where(LatestReading.metric == metric)
    sub = newest.subquery()
    stmt = (
        select(Device, sub.c.ts)
        .outerjoin(sub, sub.c.device_id == Device.id)
        .where(
            Device.type == device_type,
            Device.active.is_(True),
            Device.org_path.startswith(scope_path),
        )
        .order_by(Device.code)
    )
    return [(d, ts) for d, ts in (await session.execute(stmt)).all()]


def rules(where: ColumnElement[bool], *, device_type: str | None = None) -> Select[Rule]:
    """Select rules matching `where` (to be ordered by `RULE_ORDER`)."""
    stmt = select(Rule).where(where)
    if device_type is not None:
        stmt = stmt.where(Rule.device_type == device_type)
    return stmt


def alarms(
    where: ColumnElement[bool],
    *,
    statuses: Sequence[str] = (),
    open: bool | None = None,
    device_id: uuid.UUID | None = None,
    severity: str | None = None,
) -> Select[Alarm]:
    """Select alarms matching the filters (to be ordered by `ALARM_ORDER`)."""
    stmt = select(Alarm).where(where)
    if statuses:
        stmt = stmt.where(Alarm.status.in_(statuses))
    if open is not None:
        stmt = stmt.where(Alarm.status != "cleared" if open else Alarm.status == "cleared")
    if device_id is not None:
        stmt = stmt.where(Alarm.device_id == device_id)
    if severity is not None:
        stmt = stmt.where(Alarm.severity == severity)
    return stmt


async def open_alarms_of_rule(session: AsyncSession, rule_id: uuid.UUID) -> list[Alarm]:
    """Return every open (not cleared) alarm of a rule."""
    stmt = select(Alarm).where(Alarm.rule_id == rule_id, Alarm.status != "cleared")
    return list(await session.scalars(stmt))


async def forget_states(session: AsyncSession, rule_id: uuid.UUID) -> None:
    """Delete every device's saved state of a rule."""
    await session.execute(delete(RuleState).where(RuleState.rule_id == rule_id))


async def versions(session: AsyncSession, rule_id: uuid.UUID) -> list[RuleVersion]:
    """Return a rule's versions, oldest first."""
    stmt = select(RuleVersion).where(RuleVersion.rule_id == rule_id).order_by(RuleVersion.version)
    return list(await session.scalars(stmt))
