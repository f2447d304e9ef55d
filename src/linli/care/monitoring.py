"""Care on the readings pipeline and the clock: feed each stored batch of a home's devices to
its profile's monitors; fire the monitors and chain steps whose timers fell due; send the texts.

Only devices linked to a profile whose consent holds are watched; an away period silences
every monitor (the timers move on, nothing is raised).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.care import escalation
from linli.care import monitors as rules
from linli.care.adjust import is_away
from linli.care.models import CareAlert, CareDevice, CareMessage, CareMonitor, CareProfile
from linli.care.service import is_learning
from linli.core import clock
from linli.iot.events import ReadingsStored
from linli.rules.notifications import service as notify

log = logging.getLogger(__name__)
BATCH = 200


def _claimed(session: AsyncSession, stmt: Select[Any]) -> Select[Any]:
    """Lock the selected rows; PostgreSQL skips rows another worker holds."""
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


async def _monitors(session: AsyncSession, profile: CareProfile) -> dict[str, CareMonitor]:
    rows = await session.scalars(
        select(CareMonitor).where(CareMonitor.profile_id == profile.id).with_for_update()
    )
    return {m.kind: m for m in rows}


async def _raise(
    session: AsyncSession, profile: CareProfile, monitor: CareMonitor, *, at: datetime
) -> CareAlert | None:
    if monitor.kind != "sos" and await is_away(session, profile.id, at):
        return None
    alert = await escalation.open_alert(session, profile, monitor.kind, at=at)
    if alert is not None:
        monitor.alerts += 1
    return alert


async def consume_readings(session: AsyncSession, batch: ReadingsStored) -> list[CareAlert]:
    """Feed a device's new readings to the monitors of the person whose home it is in."""
    row = (
        await session.execute(
            select(CareDevice.role, CareProfile)
            .join(CareProfile, CareProfile.id == CareDevice.profile_id)
            .where(CareDevice.device_id == batch.device.id, CareProfile.withdrawn_at.is_(None))
        )
    ).first()
    if row is None:
        return []
    role, profile = row
    monitors = await _monitors(session, profile)
    tz = await rules.timezone_of(session, profile)
    learning = is_learning(profile)
    raised: list[CareAlert] = []
    for metric, ts, value in batch.readings:
        fired = rules.observe(monitors, profile, role=role, metric=metric, ts=ts, value=value,
                              tz=tz, learning=learning)  # fmt: skip
        for kind in fired:
            alert = await _raise(session, profile, monitors[kind], at=ts)
            if alert is not None:
                raised.append(alert)
    await session.flush()
    return raised


async def fire_due_monitors(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Fire the monitors whose timers fell due (claimed with row locks); return how many."""
    now = now or clock.now()
    due = list(
        await session.scalars(
            _claimed(
                session,
                select(CareMonitor)
                .where(CareMonitor.due_at <= now)
                .order_by(CareMonitor.due_at, CareMonitor.id)
                .limit(BATCH),
            )
        )
    )
    fired = 0
    for monitor in due:
        profile = await session.get(CareProfile, monitor.profile_id)
        if profile is None or not profile.active:
            monitor.due_at = None
            continue
        tz = await rules.timezone_of(session, profile)
        if rules.due_fires(monitor, now=now, tz=tz) and await _raise(
            session, profile, monitor, at=now
        ):
            fired += 1
    await session.flush()
    return fired


async def advance_due_alerts(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Take the next step of every alert whose wait is over; return how many moved."""
    now = now or clock.now()
    due: Sequence[CareAlert] = list(
        await session.scalars(
            _claimed(
                session,
                select(CareAlert)
                .where(CareAlert.next_at <= now)
                .order_by(CareAlert.next_at, CareAlert.id)
                .limit(BATCH),
            )
        )
    )
    for alert in due:
        alert.next_at = None
        await escalation.advance(session, alert, now=now)
    await session.flush()
    return len(due)


async def evaluate(session: AsyncSession, *, now: datetime | None = None) -> int:
    """One evaluation cycle: due monitors, then due chain steps."""
    now = now or clock.now()
    return await fire_due_monitors(session, now=now) + await advance_due_alerts(session, now=now)


async def send_queued(session: AsyncSession, *, limit: int = 100) -> int:
    """Send queued texts over the install's SMS gateway; a failure stays queued for a retry."""
    rows = list(
        await session.scalars(
            _claimed(
                session,
                select(CareMessage)
                .where(CareMessage.status == "queued")
                .order_by(CareMessage.created_at, CareMessage.id)
                .limit(limit),
            )
        )
    )
    sent = 0
    for message in rows:
        try:
            await notify.send_now(channel="sms", to=message.address, subject="Linli",
                                  body=message.body, locale=message.locale)  # fmt: skip
        except notify.DeliveryFailed as err:
            log.warning("care text %s not sent: %s", message.id, err)
            continue
        message.status, message.sent_at = "sent", clock.now()
        sent += 1
    await session.flush()
    return sent
