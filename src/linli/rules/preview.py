"""Replay stored readings through a rule without writing: "would have fired N times, here"."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock
from linli.core.errors import ValidationFailed
from linli.iot import service as iot_service
from linli.rules import engine, repository, schedule
from linli.rules.models import Rule
from linli.rules.schemas import DevicePreview, RulePreview
from linli.rules.service import get_rule
from linli.security.permissions import Principal

MAX_READINGS_PER_DEVICE = 200_000


async def preview_rule(
    session: AsyncSession,
    rule_id: uuid.UUID,
    *,
    days: int = 7,
    principal: Principal | None = None,
) -> RulePreview:
    """Count the alarms the rule would have raised in the last `days`, per device in scope."""
    if not 1 <= days <= 90:
        raise ValidationFailed("'days' must be between 1 and 90", code="bad_days")
    rule = await get_rule(session, rule_id, principal=principal)
    end = clock.now()
    start = end - timedelta(days=days)
    found: list[DevicePreview] = []
    heard = await repository.last_heard(session, rule.device_type, rule.scope_path, rule.metric)
    for device, _ in heard:
        if principal is not None and not principal.can("rules:read", device.org_path):
            continue  # a rule set above the caller's units is previewed on their devices only
        rows = await iot_service.readings(
            session,
            device,
            metric=rule.metric,
            start=start,
            end=end,
            limit=MAX_READINGS_PER_DEVICE,
        )
        times = [r.ts for r in rows]
        fired = (
            _silences(rule, times, start, end)
            if rule.kind == "absence"
            else _replay(rule, [(r.ts, r.value) for r in rows])
        )
        if fired:
            found.append(
                DevicePreview(device_code=device.code, fires=len(fired), first_at=fired[0])
            )
    return RulePreview(
        rule_id=rule.id, start=start, end=end, fires=sum(d.fires for d in found), devices=found
    )


def _replay(rule: Rule, readings: list[tuple[datetime, float]]) -> list[datetime]:
    params, track = engine.parse(rule), engine.Track()
    fired: list[datetime] = []
    cleared_at: datetime | None = None
    for ts, value in readings:
        verdict = engine.step(params, track, ts, value)
        if verdict is None:
            continue
        if verdict.action == "raise" and not schedule.in_schedule(rule.schedule, ts):
            track.open = False  # outside the rule's schedule: no alarm, as in evaluation
            continue
        if verdict.action == "clear":
            cleared_at = ts
        elif verdict.action == "raise":
            flap = cleared_at is not None and ts - cleared_at < timedelta(seconds=rule.flap_seconds)
            if not flap:  # a flap re-opens the previous alarm rather than raising one
                fired.append(ts)
    return fired


def _silences(rule: Rule, times: list[datetime], start: datetime, end: datetime) -> list[datetime]:
    silent = timedelta(seconds=int(rule.params["silent_seconds"]))
    fired: list[datetime] = []
    for before, after in zip([start, *times], [*times, end], strict=True):
        if after - before > silent and schedule.in_schedule(rule.schedule, before + silent):
            fired.append(before + silent)
    return fired
