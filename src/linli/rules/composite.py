"""Composite rules: "smoke AND a temperature rise in the same flat".

A composite rule (`kind = "composite"`) fires for one group of devices — those sharing a
building, a place, an org unit, or one device (`within`) — when `all` (or `any`) of its member
rules have open alarms on devices of that group, the `all` ones raised at most `window_seconds`
apart; it clears when that no longer holds. Members may be composites themselves (their alarms
count like any other), never in a cycle.

Evaluation is a cursor-based worker over the `alarm.*` events of the event log, like the
notification dispatcher: the cursor row is locked and moved in the transaction that raises or
clears the composite alarms, so each logged event is handled exactly once. The composite alarm
needs a device as its source: it is the device of the earliest member alarm of the group
(which belongs to the group, so the group of an open composite alarm is its device's group).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from linli.core import clock, eventlog, events
from linli.core.database import is_busy, session_scope
from linli.core.errors import ValidationFailed
from linli.core.eventlog import locked_cursor
from linli.iot.models import Device
from linli.rules import evaluation, schedule
from linli.rules.models import Alarm, Rule
from linli.rules.schemas import CompositeParams
from linli.security.permissions import Principal

log = logging.getLogger(__name__)

CURSOR = "rules.composite"
PATTERNS = ("alarm.*",)
BATCH = 200
POLL_SECONDS = 30.0

GROUP_COLUMN: dict[str, InstrumentedAttribute[Any]] = {
    "building": Device.building_id,
    "place": Device.place_id,
    "device": Device.id,
    "unit": Device.org_unit_id,
}


# --- definition ----------------------------------------------------------------------------


def _compatible(member_within: str, within: str) -> bool:
    """Return whether a member composite's groups lie inside the parent's groups."""
    return member_within in (within, "device") or within == "unit"


def _overlaps(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


async def check_definition(
    session: AsyncSession,
    *,
    raw: dict[str, Any],
    scope_path: str,
    rule_id: uuid.UUID | None = None,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """Return a composite's normalised params, or raise ValidationFailed with a clear code."""
    try:
        params = CompositeParams.model_validate(raw)
    except ValidationError as err:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in err.errors(include_url=False)
        ]
        code = "too_few_members" if any(e["field"] == "members" for e in errors) else "bad_params"
        raise ValidationFailed(
            "invalid composite rule parameters", code=code, errors=errors
        ) from err
    if len(set(params.members)) != len(params.members):
        raise ValidationFailed("a member rule is listed twice", code="duplicate_member")
    if rule_id is not None and rule_id in params.members:
        raise ValidationFailed("a composite rule cannot be its own member", code="rule_cycle")
    for member_id in params.members:
        member = await session.get(Rule, member_id)
        if member is None or (
            principal is not None and not principal.can("rules:read", member.scope_path)
        ):
            raise ValidationFailed(
                f"unknown member rule {member_id}", code="unknown_member", rule_id=str(member_id)
            )
        if not member.active:
            raise ValidationFailed(
                f"member rule '{member.name}' is inactive",
                code="inactive_member",
                rule_id=str(member_id),
            )
        if not _overlaps(member.scope_path, scope_path):
            raise ValidationFailed(
                f"member rule '{member.name}' applies outside this rule's scope",
                code="member_out_of_scope",
                rule_id=str(member_id),
            )
        if member.kind == "composite" and not _compatible(
            str(member.params.get("within")), params.within
        ):
            raise ValidationFailed(
                f"member rule '{member.name}' groups by {member.params.get('within')}, "
                f"which does not fit inside one {params.within}",
                code="incompatible_scope",
                rule_id=str(member_id),
            )
    if rule_id is not None:
        cycle = await _cycle_through(session, rule_id, params.members)
        if cycle:
            names = " → ".join(cycle)
            raise ValidationFailed(f"the members form a cycle: {names}", code="rule_cycle")
    dumped: dict[str, Any] = params.model_dump(mode="json")
    return dumped


async def _cycle_through(
    session: AsyncSession, rule_id: uuid.UUID, members: Sequence[uuid.UUID]
) -> list[str]:
    """Return the names along a path from `members` back to `rule_id`, or [] if none."""
    rule = await session.get(Rule, rule_id)
    start = rule.name if rule is not None else str(rule_id)
    stack: list[tuple[uuid.UUID, list[str]]] = [(m, [start]) for m in members]
    seen: set[uuid.UUID] = set()
    while stack:
        current, path = stack.pop()
        if current == rule_id:
            return [*path, start]
        if current in seen:
            continue
        seen.add(current)
        node = await session.get(Rule, current)
        if node is None or node.kind != "composite":
            continue
        for child in node.params.get("members", []):
            stack.append((uuid.UUID(str(child)), [*path, node.name]))
    return []


def describe(rule: Rule) -> str:
    """Return a composite rule's condition in words."""
    p = rule.params
    return (
        f"{p.get('op')} of {len(p.get('members', []))} rules alarmed in the same "
        f"{p.get('within')} within {p.get('window_seconds')} s"
    )


# --- evaluation ----------------------------------------------------------------------------


async def evaluate_events(session: AsyncSession, *, limit: int = BATCH) -> int:
    """Re-evaluate the composites touched by the alarm events logged after the cursor; return
    how many events were read."""
    cursor = await locked_cursor(session, CURSOR)
    entries = await eventlog.read_after(session, cursor.seq, patterns=PATTERNS, limit=limit)
    if not entries:
        return 0
    composites = list(
        await session.scalars(select(Rule).where(Rule.kind == "composite", Rule.active.is_(True)))
    )
    for entry in entries:
        await _handle(session, entry, composites)
        cursor.seq = entry.seq
    cursor.updated_at = clock.now()
    await session.flush()
    return len(entries)


async def _handle(
    session: AsyncSession, entry: eventlog.EventLogEntry, composites: Sequence[Rule]
) -> None:
    rule_id, alarm_id = entry.payload.get("rule_id"), entry.payload.get("alarm_id")
    if not rule_id or not alarm_id:
        return
    parents = [c for c in composites if str(rule_id) in {str(m) for m in c.params["members"]}]
    if not parents:
        return
    alarm = await session.get(Alarm, uuid.UUID(str(alarm_id)))
    device = await session.get(Device, alarm.device_id) if alarm is not None else None
    if device is None:
        return
    for parent in parents:
        await evaluate_group(session, parent, device)


async def evaluate_group(session: AsyncSession, rule: Rule, device: Device) -> Alarm | None:
    """Raise, keep or clear the composite's alarm for the group `device` belongs to."""
    within = str(rule.params["within"])
    column = GROUP_COLUMN[within]
    key = getattr(device, column.key)
    if key is None:
        return None  # a device outside any building cannot share one
    in_group: ColumnElement[bool] = column == key
    members = [uuid.UUID(str(m)) for m in rule.params["members"]]
    alarms = list(
        await session.scalars(
            select(Alarm)
            .join(Device, Device.id == Alarm.device_id)
            .where(in_group, Alarm.rule_id.in_(members), Alarm.status != "cleared")
            .order_by(Alarm.raised_at, Alarm.id)
        )
    )
    chosen = _holding(rule.params, members, alarms)
    mine = await session.scalar(
        select(Alarm)
        .join(Device, Device.id == Alarm.device_id)
        .where(in_group, Alarm.rule_id == rule.id, Alarm.status != "cleared")
    )
    now = clock.now()
    if chosen and mine is None:
        if not schedule.in_schedule(rule.schedule, now):
            return None
        source = await session.get(Device, chosen[0].device_id)
        assert source is not None
        return await evaluation._raise(
            session, rule=rule, device=source, ts=now, value=float(len(chosen))
        )
    if mine is None:
        return None
    if chosen:
        mine.last_value, mine.last_value_at = float(len(chosen)), now
        return mine
    source = await session.get(Device, mine.device_id)
    assert source is not None
    await evaluation._clear(session, alarm=mine, device=source, ts=now, value=float(len(alarms)))
    return mine


def _holding(
    params: dict[str, Any], members: Sequence[uuid.UUID], alarms: Sequence[Alarm]
) -> list[Alarm]:
    """Return member alarms (earliest first) that satisfy the composite, or [] if none do."""
    if not alarms:
        return []
    if params["op"] == "any":
        return list(alarms)
    window = timedelta(seconds=int(params["window_seconds"]))
    wanted = set(members)
    for i, first in enumerate(alarms):
        picked: dict[uuid.UUID, Alarm] = {}
        for alarm in alarms[i:]:
            if alarm.raised_at - first.raised_at > window:
                break
            picked.setdefault(alarm.rule_id, alarm)
        if set(picked) == wanted:
            return sorted(picked.values(), key=lambda a: a.raised_at)
    return []


async def run_once(*, limit: int = BATCH) -> int:
    """Evaluate one batch of events in its own unit of work; return how many were read."""
    async with session_scope() as session:
        return await evaluate_events(session, limit=limit)


async def run_worker(stop: asyncio.Event) -> None:
    """Evaluate composites until `stop` is set: woken by alarm events, else every 30 s."""
    wake = asyncio.Event()

    async def on_alarm(_event: events.Event) -> None:
        wake.set()

    subscription = events.get_bus().subscribe("alarm.*", on_alarm)
    try:
        while not stop.is_set():
            wake.clear()
            try:
                while await run_once() == BATCH:
                    pass
            except Exception as err:
                if not is_busy(err):
                    log.exception("composite rule evaluation failed")
                else:  # its unit of work gave up whole: the next round picks it up
                    log.info("composite rule evaluation found the database busy; trying again")
            waiter = asyncio.ensure_future(wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            for task in (waiter, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        subscription.close()
