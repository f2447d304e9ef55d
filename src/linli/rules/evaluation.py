"""Evaluation: rules applied to ingest batches and absence sweeps; alarms raised, re-opened
after a flap, and cleared; their events published (held back while an alarm is shelved)."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events
from linli.core.errors import LinliError
from linli.core.ids import new_id
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.rules import case_policy, engine, repository, schedule, titles
from linli.rules.events import AlarmChanged, AlarmEvent, AlarmRaised
from linli.rules.models import Alarm, Rule, RuleState
from linli.rules.schemas import AnomalyParams, ThresholdParams

log = logging.getLogger(__name__)

Sample = tuple[str, datetime, float]
"""(metric, ts, value) of one stored reading."""


@dataclass(frozen=True, slots=True)
class _Known:
    """An active rule as the engine needs it: parsed once per rule version, not per batch."""

    id: uuid.UUID
    kind: str
    metric: str | None
    scope_path: str
    params: engine.Params


@dataclass(slots=True)
class _Applicable:
    """The rules applying to devices at one org path, indexed for one batch's choice."""

    rules: list[_Known]
    # metric → (positions in `rules`, op codes, thresholds) of its threshold rules
    thresholds: dict[
        str, tuple[npt.NDArray[np.intp], npt.NDArray[np.int8], npt.NDArray[np.float64]]
    ]
    by_metric: dict[str | None, npt.NDArray[np.intp]]  # metric (None: any) → positions in `rules`
    position: dict[uuid.UUID, int]  # rule id → position in `rules`


@dataclass(slots=True)
class _RuleSet:
    fingerprint: tuple[object, ...]
    rules: list[_Known]
    by_path: dict[str, _Applicable] = field(default_factory=dict)


_rule_sets: dict[str, _RuleSet] = {}


async def _rule_set(
    session: AsyncSession, device_type: str, device_id: uuid.UUID
) -> tuple[_RuleSet, int, int]:
    """Return the active rules of a device type (reloaded only when they changed) and the
    numbers of the device's open alarms and saved rule states."""
    fingerprint, alarms, states = await repository.rules_fingerprint(
        session, device_type, device_id
    )
    found = _rule_sets.get(device_type)
    if found is None or found.fingerprint != fingerprint:
        rules = [
            _Known(r.id, r.kind, r.metric, r.scope_path, engine.parse(r))
            for r in await repository.active_rules(session, device_type)
        ]
        found = _rule_sets[device_type] = _RuleSet(fingerprint, rules)
    return found, alarms, states


def _applicable(rule_set: _RuleSet, org_path: str) -> _Applicable:
    found = rule_set.by_path.get(org_path)
    if found is not None:
        return found
    rules = [r for r in rule_set.rules if org_path.startswith(r.scope_path)]
    grouped: dict[str, list[int]] = defaultdict(list)
    of_metric: dict[str | None, list[int]] = defaultdict(list)
    for position, rule in enumerate(rules):
        of_metric[rule.metric].append(position)
        if rule.metric is not None and isinstance(rule.params, ThresholdParams):
            grouped[rule.metric].append(position)
    thresholds = {}
    for metric, positions in grouped.items():
        params = [rules[i].params for i in positions]
        thresholds[metric] = (
            np.array(positions, dtype=np.intp),
            np.array([engine.OP_CODES[p.op] for p in params], dtype=np.int8),  # type: ignore[union-attr]
            np.array([p.threshold for p in params], dtype=np.float64),  # type: ignore[union-attr]
        )
    by_metric = {m: np.array(p, dtype=np.intp) for m, p in of_metric.items()}
    index = {rule.id: n for n, rule in enumerate(rules)}
    found = rule_set.by_path[org_path] = _Applicable(rules, thresholds, by_metric, index)
    return found


async def evaluate(
    session: AsyncSession, *, device: Device, samples: Sequence[Sample]
) -> list[Alarm]:
    """Raise, update or clear the device's alarms for new readings; return alarms changed.

    Rules are cached per device type (parsed once per version); quiet threshold rules are
    skipped with one vectorised comparison per metric against the batch's extremes.
    """
    if not samples:
        return []
    rule_set, alarms, states = await _rule_set(session, device.type, device.id)
    applicable = _applicable(rule_set, device.org_path)
    if not applicable.rules:
        return []
    ordered = sorted(samples, key=itemgetter(1))  # cheap: ingest hands them over in order
    by_metric: dict[str, list[Sample]] = defaultdict(list)
    for sample in ordered:
        by_metric[sample[0]].append(sample)
    open_by_rule = (
        {a.rule_id: a for a in await repository.open_alarms_of_device(session, device.id)}
        if alarms
        else {}
    )
    state_by_rule = (
        {s.rule_id: s for s in await repository.states_of_device(session, device.id)}
        if states
        else {}
    )
    # A rule runs if it watches a metric of the batch (or any metric) and, for a threshold
    # rule, a reading may cross it or an alarm or a pending breach of it is open.
    run = np.zeros(len(applicable.rules), dtype=np.bool_)
    for metric in (None, *by_metric):
        positions = applicable.by_metric.get(metric)
        if positions is not None:
            run[positions] = True
    for metric, (positions, ops, limits) in applicable.thresholds.items():
        xs = by_metric.get(metric)
        if not xs:
            continue
        values = [s[2] for s in xs]
        quiet = ~engine.breach_candidates(ops, limits, min(values), max(values))
        run[positions[quiet]] = False
    held = [
        *open_by_rule,
        *(r for r, s in state_by_rule.items() if s.breach_started_at is not None),
    ]
    for rule_id in held:
        at = applicable.position.get(rule_id)
        if at is not None:
            metric = applicable.rules[at].metric
            run[at] = metric is None or metric in by_metric
    chosen = [applicable.rules[int(n)] for n in np.flatnonzero(run)]
    if not chosen:
        return []
    loaded = {r.id: r for r in await repository.rules_by_id(session, [r.id for r in chosen])}
    changed: list[Alarm] = []
    for known in chosen:
        rule = loaded[known.id]
        mine = ordered if rule.metric is None else by_metric[rule.metric]
        state = state_by_rule.get(rule.id)
        params = known.params
        track = engine.Track(
            open=rule.id in open_by_rule,
            breach_started_at=state.breach_started_at if state else None,
            breach_value=state.breach_value if state else None,
        )
        if isinstance(params, AnomalyParams):  # every reading steps it: the detector learns all
            saved = state.detector if state else None
            track.detector = engine.new_detector(params, saved)
            if saved and saved.get("at"):
                track.detector_at = datetime.fromisoformat(saved["at"])
        if rule.kind == "rate" and rule.metric is not None:
            track.prev = await iot_service.reading_before(
                session, device.id, rule.metric, mine[0][1]
            )
        for _, ts, value in mine:
            verdict = engine.step(params, track, ts, value)
            alarm = open_by_rule.get(rule.id)
            if verdict is None:
                continue
            if verdict.action == "raise" and not schedule.in_schedule(rule.schedule, ts):
                track.open = False  # outside the rule's schedule: no alarm (rules.schedule)
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
    """Save a pending breach so that minimum durations hold across batches and restarts, and an
    anomaly rule's learned detector."""
    if state is None:
        if track.breach_started_at is None and track.detector is None:
            return
        state = RuleState(id=new_id(), rule_id=rule.id, device_id=device.id)
        session.add(state)
    state.breach_started_at, state.breach_value = track.breach_started_at, track.breach_value
    if track.detector is not None:
        # A new dict each time, so the JSON column sees the change.
        at = track.detector_at.isoformat() if track.detector_at else None
        state.detector = {**track.detector.to_state(), "at": at}


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
            # A new alarm only inside the rule's window, for silence inside it (rules.schedule).
            if (alarm is not None and engine.silent_too_long(rule, since, now)) or (
                alarm is None and schedule.silence_alarms(rule.schedule, rule.params, since, now)
            ):
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
    if rule.case_category:  # open, attach or no case: rules.case_policy
        alarm.case_id = await case_policy.case_for(
            session, alarm=alarm, rule=rule, device=device, open_case=_open_case
        )
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
    return await titles.open_alarm_case(session, alarm=alarm, rule=rule, device=device)


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
