"""Play a month of history into the demo sites through the domain services.

The plan (`linli.twin.history_plan`, readings in `linli.twin.history_readings`) is played in
time order under a manual clock (`linli.core.clock`), so every service stamps what it writes
with the moment of the plan: cases are opened by their sources (residents' reports, patrols,
the hotline, cameras, and the alarms the devices' readings raise), moved step by step by the
staff of the site, escalated by the SLA sweep when a step runs late, explained, rated; alarms
tell the people on call (the notification worker's own function); one incident per site is
declared, run and closed; after each simulated day the staff concerned are told of its case
events (the case-notification worker's own function), so the inboxes hold the month. A
simulated day is one unit of work. Only the readings where a rule's threshold is crossed go
through ingest; the rest of the month is stored at the end as the devices' history in bulk
(`iot.service.backfill_readings`).
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.intake.models import Camera
from linli.core import clock
from linli.core.database import session_scope
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.iot.schemas import ReadingIn
from linli.org.models import OrgUnit
from linli.rules.models import Alarm
from linli.rules.notifications import service as notifications_service
from linli.security import service as security_service
from linli.security.models import RoleGrant, StaffAccount
from linli.security.permissions import Principal
from linli.twin import history_data as data
from linli.twin import history_plan as plan
from linli.twin import history_readings as readings
from linli.twin.history_cases import CaseActor, Cast, camera_code
from linli.twin.names import staff_name
from linli.twin.sites import SiteSpec

SEED = 2026
# The SLA sweep runs hourly in the history (the scheduler runs it every minute: a step is late
# by up to an hour more here, which the month's figures do not notice).
SWEEP_EVERY = timedelta(hours=1)
# What one transaction plays: a simulated day (an alarm cuts it short, so the people on call
# are told of it from the committed event log before the day goes on).
UNIT_OF_WORK = timedelta(days=1)
Progress = Callable[[str, int], None]


def _noop(_what: str, _n: int) -> None:
    return None


@dataclass(order=True)
class _Due:
    at: datetime
    order: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False)


@dataclass
class Counts:
    """What the history added to a site."""

    cases: int = 0
    steps: int = 0
    alarms: int = 0
    readings: int = 0
    notified: int = 0
    case_events: int = 0
    skipped: int = 0

    def line(self) -> str:
        """Return the counts as the loader prints them."""
        return (
            f"{self.cases} cases, {self.steps} case steps, {self.alarms} alarms, "
            f"{self.readings} readings, {self.notified} alarm events told, "
            f"{self.case_events} case events read for the inboxes"
        )


async def has_history(session: AsyncSession, site: SiteSpec) -> bool:
    """Tell whether the site's history was played already (its tour camera exists)."""
    found = await session.scalar(select(Camera.id).where(Camera.code == camera_code(site)))
    return found is not None


async def _cast(session: AsyncSession, site: SiteSpec, password: str) -> Cast:
    """Return the site's staff as principals, giving each department a handler of its own."""
    codes = {u.key: u.code for u in site.units}
    units = {
        u.code: u
        for u in await session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes.values())))
    }
    handled = set(
        await session.scalars(select(RoleGrant.unit_id).where(RoleGrant.role == "department_staff"))
    )
    for spec in site.units:
        unit = units[spec.code]
        if spec.kind != "department" or unit.id in handled:
            continue
        username = f"{site.key}.dept-{spec.code.rsplit('-', 1)[-1].lower()}"
        account = await security_service.create_account(
            session,
            username=username,
            display_name=staff_name(username, site.profile),
            password=password,
            locale="zh_Hans" if site.profile == "grid" else "en",
        )
        await security_service.grant_role(
            session, account_id=account.id, role="department_staff", unit_id=unit.id
        )
    accounts = await session.scalars(
        select(StaffAccount).where(StaffAccount.username.like(f"{site.key}.%"))
    )
    people: dict[str, Principal] = {}
    for account in accounts:
        people[account.username] = await security_service.load_principal(
            session, account, via="token"
        )
    return Cast.of(site, people, {k: units[c] for k, c in codes.items()})


async def play_site(
    site: SiteSpec,
    *,
    password: str,
    now: datetime,
    seed: int = SEED,
    volume: float = 1.0,
    progress: Progress = _noop,
) -> Counts:
    """Play the site's month before `now` through the services, in units of work of their own
    (`volume` scales the people's cases a day: the tests play fewer)."""
    counts = Counts()
    async with session_scope() as session:
        if await has_history(session, site):
            return counts
        cast = await _cast(session, site, password)
        tour = cast.units[plan.tour_unit(site)]
        devices = list(
            await session.scalars(
                select(Device).where(Device.org_path.like(f"{tour.path}%")).order_by(Device.code)
            )
        )
        per_type: dict[str, int] = {}
        device_rows = []
        for d in devices:
            per_type[d.type] = per_type.get(d.type, 0) + 1
            if per_type[d.type] <= readings.PER_TYPE:
                device_rows.append((d.id, d.code, d.type, d.lon))
    previous = clock.install(clock.ManualClock(now - timedelta(days=data.DAYS + 1)))
    try:
        actor = CaseActor(cast, site, seed=seed)
        start = now - timedelta(days=data.DAYS)
        queue: list[_Due] = []
        order = 0

        def push(at: datetime, kind: str, payload: Any) -> None:
            nonlocal order
            order += 1
            heapq.heappush(queue, _Due(at, order, kind, payload))

        push(start - timedelta(hours=1), "setup", None)
        for story in plan.plan_cases(site, now=now, seed=seed, volume=volume):
            push(story.opened_at, "open", story)
        rest: dict[uuid.UUID, list[readings.Row]] = {}
        for device_id, code, type_, lon in device_rows:
            month = readings.month(code, type_, site.key, lon, start=start, end=now)
            rest[device_id] = month.rest
            for batch in month.batches:
                push(batch.at, "batch", (device_id, code, batch))
        for at, step in actor.incident_plan(now):
            push(at, "incident", step)
        next_sweep = start
        while queue:
            raised = False
            async with session_scope() as session:
                until = queue[0].at + UNIT_OF_WORK
                while queue and queue[0].at <= until and not raised:
                    due = heapq.heappop(queue)
                    if due.at > now:
                        continue  # planned after "now": still ahead when the demo starts
                    while next_sweep <= due.at:
                        await actor.sweep(session, next_sweep)
                        next_sweep += SWEEP_EVERY
                    clock.install(clock.ManualClock(due.at))
                    raised = await _run(session, actor, due, push, counts)
            if raised:
                counts.notified += await _notify()
            counts.case_events += await _tell_cases()
            progress("history days", max(0, (clock.now() - start).days))
        clock.install(clock.ManualClock(now))
        async with session_scope() as session:
            await actor.sweep(session, now)
        counts.case_events += await _tell_cases()
        async with session_scope() as session:
            for device_id, rows in rest.items():
                counts.readings += len(rows)
                await iot_service.backfill_readings(session, device_id, rows, now=now)
        progress("devices' history", len(device_rows))
    finally:
        clock.install(previous)
    counts.cases, counts.steps, counts.skipped = actor.opened, actor.steps, actor.skipped
    return counts


async def _run(
    session: AsyncSession,
    actor: CaseActor,
    due: _Due,
    push: Callable[[datetime, str, Any], None],
    counts: Counts,
) -> bool:
    """Play one due item; return whether it raised an alarm (people are told before going on)."""
    if due.kind == "setup":
        await actor.setup(session)
    elif due.kind == "open":
        story: plan.Story = due.payload
        if await actor.open(session, story):
            for step in story.steps:
                push(step.at, "step", (story, step))
    elif due.kind == "step":
        await actor.step(session, *due.payload)
    elif due.kind == "incident":
        await actor.incident(session, due.payload)
    elif due.kind == "batch":
        device_id, _code, batch = due.payload
        device = await session.get(Device, device_id)
        assert device is not None
        await iot_service.ingest(
            session,
            device=device,
            readings=[ReadingIn(metric=m, ts=ts, value=v) for m, ts, v in batch.rows],
        )
        counts.readings += len(batch.rows)
        if batch.raises:
            return await _alarm_cases(session, actor, device, batch.at, push, counts)
    return False


async def _alarm_cases(
    session: AsyncSession,
    actor: CaseActor,
    device: Device,
    at: datetime,
    push: Callable[[datetime, str, Any], None],
    counts: Counts,
) -> bool:
    """Give the cases the device's new alarms opened a story of their own; return whether any
    alarm was raised."""
    alarms = list(
        await session.scalars(
            select(Alarm).where(Alarm.device_id == device.id, Alarm.raised_at >= at)
        )
    )
    counts.alarms += len(alarms)
    for alarm in alarms:
        if alarm.case_id is None:
            continue
        rng = random.Random(f"{actor.seed}:{device.code}:{at.isoformat()}")
        story = actor.adopt(alarm.case_id, device, at, rng)
        for step in story.steps:
            push(step.at, "step", (story, step))
    return bool(alarms)


async def _notify() -> int:
    """Tell the people on call of the alarms just raised, as the notification worker would."""
    return await notifications_service.drain(notifications_service.dispatch_events, 200)


async def _tell_cases() -> int:
    """Tell the staff concerned of the case events just committed (dispatched to their unit,
    handled, escalated…), as the case-notification worker would; return the entries read."""
    return await notifications_service.drain(notifications_service.dispatch_case_events, 200)
