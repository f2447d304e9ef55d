"""Evaluation: rules applied to ingest batches and absence sweeps; alarms raised, re-opened
after a flap, and cleared; their events published (held back while an alarm is shelved)."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events
from linli.core.errors import LinliError
from linli.core.ids import new_id
from linli.iot.models import Device
from linli.iot.types import DEVICE_TYPES
from linli.org import service as org_service
from linli.rules import engine, repository
from linli.rules.events import AlarmChanged, AlarmEvent, AlarmRaised
from linli.rules.models import Alarm, Rule, RuleState

log = logging.getLogger(__name__)

Sample = tuple[str, datetime, float]
"""(metric, ts, value) of one stored reading."""


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
    ids = [r.id for r in rules]
    open_by_rule = {a.rule_id: a for a in await repository.open_alarms(session, device.id, ids)}
    state_by_rule = {s.rule_id: s for s in await repository.states(session, device.id, ids)}
    ordered = sorted(samples, key=lambda s: s[1])
    by_metric: dict[str, list[Sample]] = defaultdict(list)
    for sample in ordered:
        by_metric[sample[0]].append(sample)
    extremes = {m: (min(s[2] for s in xs), max(s[2] for s in xs)) for m, xs in by_metric.items()}
    changed: list[Alarm] = []
    for rule in rules:
        mine = ordered if rule.metric is None else by_metric.get(rule.metric, [])
        if not mine:
            continue
        state = state_by_rule.get(rule.id)
        params = engine.parse(rule)
        track = engine.Track(
            open=rule.id in open_by_rule,
            breach_started_at=state.breach_started_at if state else None,
            breach_value=state.breach_value if state else None,
        )
        if (
            rule.metric is not None
            and not track.open
            and track.breach_started_at is None
            and not engine.may_breach(params, *extremes[rule.metric])
        ):
            continue  # a quiet threshold rule that no reading of this batch crosses
        if rule.kind == "rate" and rule.metric is not None:
            track.prev = await repository.reading_before(
                session, device.id, rule.metric, mine[0][1]
            )
        for _, ts, value in mine:
            verdict = engine.step(params, track, ts, value)
            alarm = open_by_rule.get(rule.id)
            if verdict is None:
                continue
            if verdict.action == "raise":
                alarm = await _raise(session, rule=rule, device=device, ts=ts, value=verdict.value)
                open_by_rule[rule.id] = alarm
                changed.append(alarm)
            elif alarm is not None and verdict.action == "update":
                alarm.last_value, alarm.last_value_at = verdict.value, ts
            elif alarm is not None:
                await _clear(session, alarm=alarm, device=device, ts=ts, value=verdict.value)
                del open_by_rule[rule.id]
                changed.append(alarm)
        _keep_state(session, rule=rule, device=device, state=state, track=track)
    return changed


def _keep_state(
    session: AsyncSession,
    *,
    rule: Rule,
    device: Device,
    state: RuleState | None,
    track: engine.Track,
) -> None:
    """Save a pending breach so that minimum durations hold across batches and restarts."""
    if state is None:
        if track.breach_started_at is None:
            return
        state = RuleState(id=new_id(), rule_id=rule.id, device_id=device.id)
        session.add(state)
    state.breach_started_at, state.breach_value = track.breach_started_at, track.breach_value


async def sweep_absence(session: AsyncSession) -> list[Alarm]:
    """Raise alarms for devices silent longer than their absence rules allow; clear the rest."""
    now = clock.now()
    changed: list[Alarm] = []
    for rule in await repository.active_rules(session, kind="absence"):
        heard = await repository.last_heard(session, rule.device_type, rule.scope_path, rule.metric)
        open_by_device = {
            a.device_id: a for a in await repository.open_alarms_of_rule(session, rule.id)
        }
        for device, last in heard:
            since = last or device.created_at  # a device never heard from counts from its birth
            silent = (now - since).total_seconds()
            alarm = open_by_device.get(device.id)
            if engine.silent_too_long(rule, since, now):
                if alarm is None:
                    changed.append(
                        await _raise(session, rule=rule, device=device, ts=now, value=silent)
                    )
                else:
                    alarm.last_value, alarm.last_value_at = silent, now
            elif alarm is not None:
                await _clear(session, alarm=alarm, device=device, ts=now, value=silent)
                changed.append(alarm)
    return changed


async def _raise(
    session: AsyncSession, *, rule: Rule, device: Device, ts: datetime, value: float
) -> Alarm:
    if rule.flap_seconds:
        since = ts - timedelta(seconds=rule.flap_seconds)
        recent = await repository.last_cleared_since(session, device.id, rule.id, since)
        if recent is not None:
            return await _reopen(
                session, alarm=recent, rule=rule, device=device, ts=ts, value=value
            )
    alarm = Alarm(
        id=new_id(),
        rule_id=rule.id,
        rule_version=rule.version,
        device_id=device.id,
        device_code=device.code,
        lon=device.lon,
        lat=device.lat,
        metric=rule.metric or "*",
        org_unit_id=device.org_unit_id,
        org_path=device.org_path,
        severity=rule.severity,
        status="active",
        raised_at=ts,
        value=value,
        last_value=value,
        last_value_at=ts,
        flaps=0,
    )
    session.add(alarm)
    await session.flush()
    if rule.case_category:
        alarm.case_id = await _open_case(session, alarm=alarm, rule=rule, device=device)
    publish(session, AlarmRaised, alarm, device)
    return alarm


async def _reopen(
    session: AsyncSession, *, alarm: Alarm, rule: Rule, device: Device, ts: datetime, value: float
) -> Alarm:
    """Re-open an alarm that cleared moments ago: a flap, not a new episode."""
    alarm.status = "active"
    alarm.rule_version = rule.version
    alarm.flaps += 1
    alarm.cleared_at = alarm.clear_value = None
    alarm.acknowledged_at = alarm.acknowledged_by = alarm.ack_note = None
    alarm.last_value, alarm.last_value_at = value, ts
    await session.flush()
    publish(session, AlarmChanged, alarm, device)
    return alarm


async def _open_case(
    session: AsyncSession, *, alarm: Alarm, rule: Rule, device: Device
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
    unit = f" {metric.unit}" if metric and metric.unit and rule.kind == "threshold" else ""
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
            f"{engine.describe(rule)}. Severity: {rule.severity}."
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
    publish(session, AlarmChanged, alarm, device)


def publish(session: AsyncSession, kind: type[AlarmEvent], alarm: Alarm, device: Device) -> None:
    # A shelved alarm stays quiet until its shelf time is over, except for clearing.
    shelved = alarm.shelved_until is not None and alarm.shelved_until > clock.now()
    if shelved and alarm.status != "cleared":
        return
    events.record(
        session,
        kind(
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
        ),
    )
