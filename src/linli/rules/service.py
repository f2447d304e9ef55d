"""Threshold rules, their evaluation on ingest batches, and the alarms they raise and clear.

Functions taking `principal` check and scope by it; `principal=None` means a trusted system
caller.
"""

from __future__ import annotations

import logging
import math
import operator
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events
from linli.core.database import page
from linli.core.errors import Conflict, LinliError, NotFound, ValidationFailed
from linli.core.ids import new_id
from linli.iot.models import Device
from linli.iot.types import DEVICE_TYPES
from linli.org import service as org_service
from linli.rules import repository
from linli.rules.events import AlarmChanged, AlarmEvent, AlarmRaised
from linli.rules.models import OPS, SEVERITIES, Alarm, ThresholdRule
from linli.rules.schemas import RuleCreate
from linli.security import audit
from linli.security.permissions import Principal, actor_of

log = logging.getLogger(__name__)

Sample = tuple[str, datetime, float]
"""(metric, ts, value) of one stored reading."""

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def breaches(rule: ThresholdRule, value: float) -> bool:
    """Return whether `value` breaches the rule."""
    return _COMPARE[rule.op](value, rule.threshold)


# --- rules -----------------------------------------------------------------------------------


def check_rule(data: RuleCreate) -> None:
    """Raise ValidationFailed unless type, metric, op, severity and threshold make sense."""
    kind = DEVICE_TYPES.get(data.device_type)
    if kind is None:
        raise ValidationFailed(
            f"unknown device type '{data.device_type}'",
            code="unknown_device_type",
            types=sorted(DEVICE_TYPES),
        )
    if data.metric not in kind.metrics:
        raise ValidationFailed(
            f"{kind.name} has no metric '{data.metric}'",
            code="unknown_metric",
            metrics=sorted(kind.metrics),
        )
    if data.op not in OPS:
        raise ValidationFailed(f"unknown operator '{data.op}'", code="unknown_op", ops=list(OPS))
    if data.severity not in SEVERITIES:
        raise ValidationFailed(
            f"unknown severity '{data.severity}'", code="unknown_severity", severities=SEVERITIES
        )
    if not math.isfinite(data.threshold):
        raise ValidationFailed("threshold must be a finite number", code="bad_threshold")


async def create_rule(
    session: AsyncSession, *, data: RuleCreate, principal: Principal | None = None
) -> ThresholdRule:
    """Check and save a threshold rule applying inside the scope unit's subtree."""
    check_rule(data)
    if data.case_category is not None:
        from linli.cases import service as cases_service

        await cases_service.get_category(session, data.case_category)  # unknown_category, 422
    scope = await org_service.get_unit(session, data.scope_unit_id)
    if principal is not None:
        principal.require("rules:write", scope.path)
    rule = ThresholdRule(**data.model_dump(), scope_path=scope.path, created_by=actor_of(principal))
    session.add(rule)
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="rule.create",
        target_type="threshold_rule",
        target_id=str(rule.id),
        org_path=rule.scope_path,
        detail={"name": rule.name, "when": f"{rule.metric} {rule.op} {rule.threshold:g}"},
    )
    return rule


def _rules_visible(principal: Principal | None) -> ColumnElement[bool]:
    if principal is None:
        return true()
    # A rule is visible inside the granted subtrees, and so is one set above them that applies.
    above = {
        "/" + "/".join(parts[: n + 1]) + "/"
        for path in principal.paths_for("rules:read")
        for parts in [path.strip("/").split("/")]
        for n in range(len(parts))
    }
    return or_(
        principal.scope("rules:read", ThresholdRule.scope_path),
        ThresholdRule.scope_path.in_(sorted(above)),
    )


async def list_rules(
    session: AsyncSession,
    *,
    principal: Principal | None,
    device_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ThresholdRule], int]:
    """Return a page of the rules that apply within the principal's scope."""
    stmt = repository.rules(_rules_visible(principal), device_type=device_type)
    return await page(session, stmt, limit=limit, offset=offset)


# --- evaluation ------------------------------------------------------------------------------


async def evaluate(
    session: AsyncSession, *, device: Device, samples: Sequence[Sample]
) -> list[Alarm]:
    """Raise, update or clear the device's alarms for new readings; return alarms changed."""
    if not samples:
        return []
    rules = [
        r
        for r in await repository.active_rules(session, device.type)
        if device.org_path.startswith(r.scope_path)
    ]
    if not rules:
        return []
    by_metric: dict[str, list[ThresholdRule]] = defaultdict(list)
    for rule in rules:
        by_metric[rule.metric].append(rule)
    open_by_rule = {
        a.rule_id: a
        for a in await repository.open_alarms(session, device.id, [r.id for r in rules])
    }
    changed: list[Alarm] = []
    for metric, ts, value in sorted(samples, key=lambda s: s[1]):
        for rule in by_metric.get(metric, ()):
            alarm = open_by_rule.get(rule.id)
            if breaches(rule, value):
                if alarm is None:
                    alarm = await _raise(session, rule=rule, device=device, ts=ts, value=value)
                    open_by_rule[rule.id] = alarm
                    changed.append(alarm)
                else:
                    alarm.last_value, alarm.last_value_at = value, ts
            elif alarm is not None:
                await _clear(session, alarm=alarm, device=device, ts=ts, value=value)
                del open_by_rule[rule.id]
                changed.append(alarm)
    return changed


async def _raise(
    session: AsyncSession, *, rule: ThresholdRule, device: Device, ts: datetime, value: float
) -> Alarm:
    alarm = Alarm(
        id=new_id(),
        rule_id=rule.id,
        device_id=device.id,
        device_code=device.code,
        lon=device.lon,
        lat=device.lat,
        metric=rule.metric,
        org_unit_id=device.org_unit_id,
        org_path=device.org_path,
        severity=rule.severity,
        status="active",
        raised_at=ts,
        value=value,
        last_value=value,
        last_value_at=ts,
    )
    session.add(alarm)
    await session.flush()
    if rule.case_category:
        alarm.case_id = await _open_case(session, alarm=alarm, rule=rule, device=device)
    events.record(session, _event(AlarmRaised, alarm, device))
    return alarm


async def _open_case(
    session: AsyncSession, *, alarm: Alarm, rule: ThresholdRule, device: Device
) -> uuid.UUID | None:
    from linli.cases import service as cases_service

    assert rule.case_category is not None
    try:
        await cases_service.get_category(session, rule.case_category)
    except LinliError:
        # A category removed since the rule was made must not cost the device its readings.
        log.error("alarm %s: no case category '%s'", alarm.id, rule.case_category)
        return None
    metric = DEVICE_TYPES[device.type].metrics.get(alarm.metric)
    unit = f" {metric.unit}" if metric and metric.unit else ""
    reading = f"{alarm.metric} = {alarm.value:g}{unit}"
    case = await cases_service.open_case_from_alarm(
        session,
        alarm_id=alarm.id,
        category_code=rule.case_category,
        unit=await org_service.get_unit(session, device.org_unit_id),
        title=f"{rule.name}: {device.name}, {reading}"[:200],
        description=(
            f"Device {device.code} ({device.type}) reported {reading} at "
            f"{alarm.raised_at.isoformat()}; rule '{rule.name}' fires when "
            f"{rule.metric} {rule.op} {rule.threshold:g}. Severity: {rule.severity}."
        ),
        lon=device.lon,
        lat=device.lat,
    )
    case_id: uuid.UUID = case.id
    return case_id


async def _clear(
    session: AsyncSession, *, alarm: Alarm, device: Device, ts: datetime, value: float
) -> None:
    alarm.status = "cleared"
    alarm.cleared_at = ts
    alarm.clear_value = value
    # The cleared row must leave the open-alarm index before a new alarm of the pair is added.
    await session.flush()
    if alarm.case_id is not None:
        from linli.cases import service as cases_service

        await cases_service.record_alarm_cleared(session, case_id=alarm.case_id, alarm_id=alarm.id)
    events.record(session, _event(AlarmChanged, alarm, device))


def _event(kind: type[AlarmEvent], alarm: Alarm, device: Device) -> AlarmEvent:
    return kind(
        org_path=alarm.org_path,
        alarm_id=alarm.id,
        rule_id=alarm.rule_id,
        device_code=device.code,
        device_type=device.type,
        metric=alarm.metric,
        value=alarm.clear_value if alarm.status == "cleared" else alarm.last_value,
        severity=alarm.severity,
        status=alarm.status,
        lon=device.lon,
        lat=device.lat,
        case_id=alarm.case_id,
    )


# --- alarms ----------------------------------------------------------------------------------


async def list_alarms(
    session: AsyncSession,
    *,
    principal: Principal | None,
    statuses: Sequence[str] = (),
    open: bool | None = None,
    device_id: uuid.UUID | None = None,
    severity: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Alarm], int]:
    """Return a page of the alarms the principal may read, newest first."""
    where = true() if principal is None else principal.scope("alarms:read", Alarm.org_path)
    stmt = repository.alarms(
        where, statuses=statuses, open=open, device_id=device_id, severity=severity
    )
    return await page(session, stmt, limit=limit, offset=offset)


async def get_alarm(
    session: AsyncSession, alarm_id: uuid.UUID, *, principal: Principal | None = None
) -> Alarm:
    """Return an alarm the principal may read, or raise NotFound."""
    alarm = await session.get(Alarm, alarm_id)
    if alarm is None or (
        principal is not None and not principal.can("alarms:read", alarm.org_path)
    ):
        raise NotFound("alarm not found", code="alarm_not_found")
    return alarm


async def acknowledge_alarm(
    session: AsyncSession, alarm: Alarm, *, note: str = "", principal: Principal | None = None
) -> Alarm:
    """Mark an active alarm as seen by a person; it stays open until the readings clear it."""
    if principal is not None:
        principal.require("alarms:write", alarm.org_path)
    if alarm.status != "active":
        raise Conflict(f"the alarm is {alarm.status}, not active", code="alarm_not_active")
    alarm.status = "acknowledged"
    alarm.acknowledged_at = clock.now()
    alarm.acknowledged_by = actor_of(principal)
    alarm.ack_note = note or None
    await session.flush()
    await audit.record(
        session,
        actor=actor_of(principal),
        action="alarm.acknowledge",
        target_type="alarm",
        target_id=str(alarm.id),
        org_path=alarm.org_path,
        detail={"note": note} if note else None,
    )
    device = await session.get(Device, alarm.device_id)
    assert device is not None
    events.record(session, _event(AlarmChanged, alarm, device))
    return alarm
