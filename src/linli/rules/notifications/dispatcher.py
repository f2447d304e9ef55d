"""The notification worker: reads the event log after its cursor, sends due deliveries, and
fires escalation timers.

Exactly once per event: the cursor row is locked and moved in the same transaction that creates
the notifications and deliveries of the events it read, so a crash before the commit leaves
both undone and a second dispatcher waits for the first. Deliveries are sent at least once:
each is claimed in a short transaction (a row lock, SKIP LOCKED on PostgreSQL, and a lease on
its next attempt), sent with no transaction open, and its result recorded in another short
transaction; failures are retried with exponential backoff and marked `dead` after
`max_attempts`, and a claim whose result never came (a crash mid-send) is retried when its
lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, eventlog, events
from linli.core.database import is_busy, session_scope
from linli.core.eventlog import locked_cursor
from linli.rules.models import Alarm
from linli.rules.notifications import incident_notices, messages, notice_delivery, routing
from linli.rules.notifications.channels import (
    Channel,
    DeliveryFailed,
    Message,
    Receipt,
    build_gateways,
)
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.models import (
    Delivery,
    Escalation,
    Notification,
    NotificationRoute,
)
from linli.rules.notifications.notice_delivery import (
    LEASE_SECONDS,
    Claim,
    record_claimed,
    send_claims,
)

log = logging.getLogger(__name__)

CURSOR = "notifications"
PATTERNS = ("alarm.*",)
BATCH = 200


def gateway_names(settings: NotifySettings) -> dict[str, str]:
    """Return the gateway name serving each channel the install has."""
    return {channel: gw.gateway for channel, gw in build_gateways(settings).items()}


async def dispatch_events(
    session: AsyncSession, *, settings: NotifySettings | None = None, limit: int = BATCH
) -> int:
    """Turn the alarm events logged after the cursor into notifications; return how many read."""
    settings = settings or get_notify_settings()
    cursor = await locked_cursor(session, CURSOR)
    entries = await eventlog.read_after(session, cursor.seq, patterns=PATTERNS, limit=limit)
    gateways = gateway_names(settings)
    for entry in entries:
        await _handle(session, entry, gateways, settings)
        cursor.seq = entry.seq
    if entries:
        cursor.updated_at = clock.now()
        await session.flush()
    return len(entries)


async def _handle(
    session: AsyncSession,
    entry: eventlog.EventLogEntry,
    gateways: Mapping[str, str],
    settings: NotifySettings,
) -> None:
    alarm_id = entry.payload.get("alarm_id")
    alarm = await session.get(Alarm, uuid.UUID(alarm_id)) if alarm_id else None
    if alarm is None:
        return
    if entry.subject == "alarm.changed":
        if entry.payload.get("status") in ("acknowledged", "cleared"):
            await stop_escalation(session, alarm.id)
        return
    if entry.subject != "alarm.raised" or alarm.status != "active":
        return  # acknowledged or cleared before we got to it: nobody needs waking
    urgent = tuple(settings.urgent_severities)
    route = await routing.route_for(session, alarm)
    if route is None:
        for account in await routing.nearest_readers(session, alarm):
            await routing.notify(
                session,
                account=account,
                alarm=alarm,
                kind="alarm.raised",
                dedupe_key=f"{entry.subject}:{entry.seq}",
                gateways=gateways,
                urgent=urgent,
            )
        return
    first = await routing.on_call(session, route, alarm)
    if first is None:
        log.warning("alarm %s: nobody on route %s may read it", alarm.id, route.id)
        return
    index, account = first
    await routing.notify(
        session,
        account=account,
        alarm=alarm,
        kind="alarm.raised",
        dedupe_key=f"{entry.subject}:{entry.seq}",
        gateways=gateways,
        urgent=urgent,
    )
    await _arm(session, alarm, route, index)


async def _arm(session: AsyncSession, alarm: Alarm, route: NotificationRoute, step: int) -> None:
    """Set (or reset) the alarm's escalation timer after person `step` of the route was told."""
    timer = await session.scalar(select(Escalation).where(Escalation.alarm_id == alarm.id))
    due = clock.now() + timedelta(minutes=route.ack_timeout_minutes)
    if timer is None:
        timer = Escalation(alarm_id=alarm.id, route_id=route.id, org_path=alarm.org_path)
        session.add(timer)
    timer.route_id, timer.step, timer.due_at, timer.status = route.id, step, due, "waiting"
    await session.flush()


async def stop_escalation(session: AsyncSession, alarm_id: uuid.UUID) -> None:
    """Stop the escalation timer of an alarm somebody acknowledged (or that cleared)."""
    timer = await session.scalar(
        select(Escalation).where(Escalation.alarm_id == alarm_id, Escalation.status == "waiting")
    )
    if timer is not None:
        timer.status = "stopped"
        await session.flush()


async def sweep_escalations(
    session: AsyncSession, *, settings: NotifySettings | None = None, limit: int = 100
) -> int:
    """Tell the next person of the route for each unacknowledged alarm whose timer is due."""
    settings = settings or get_notify_settings()
    due = await session.scalars(
        select(Escalation)
        .where(Escalation.status == "waiting", Escalation.due_at <= clock.now())
        .order_by(Escalation.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    gateways = gateway_names(settings)
    fired = 0
    for timer in list(due):
        alarm = await session.get(Alarm, timer.alarm_id)
        route = await session.get(NotificationRoute, timer.route_id)
        if alarm is None or route is None or alarm.status != "active":
            timer.status = "stopped"
            continue
        following = await routing.on_call(session, route, alarm, start=timer.step + 1)
        if following is None:
            timer.status = "exhausted"
            continue
        index, account = following
        await routing.notify(
            session,
            account=account,
            alarm=alarm,
            kind="alarm.escalated",
            dedupe_key=f"alarm.escalated:{alarm.id}:{index}",
            gateways=gateways,
            urgent=tuple(settings.urgent_severities),
        )
        timer.step = index
        timer.due_at = clock.now() + timedelta(minutes=route.ack_timeout_minutes)
        fired += 1
    await session.flush()
    return fired


async def claim_due(
    session: AsyncSession, *, limit: int = 50, lease_seconds: float = LEASE_SECONDS
) -> list[Claim]:
    """Claim the deliveries that are due and return what to send for each.

    A claim counts the attempt and moves the delivery's next attempt a lease ahead: once the
    claiming transaction commits, nobody else takes it, and if its result is never recorded
    (the dispatcher stopped mid-send) it comes due again when the lease runs out.
    """
    now = clock.now()
    due = list(
        await session.scalars(
            select(Delivery)
            .where(Delivery.status.in_(("queued", "failed")), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    claims: list[Claim] = []
    for delivery in due:
        notification = await session.get(Notification, delivery.notification_id)
        assert notification is not None
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=lease_seconds)
        message = Message(
            delivery_id=delivery.id,
            notification_id=notification.id,
            channel=delivery.channel,
            to=delivery.address,
            subject=notification.title,
            body=_with_link(notification),
            locale=notification.locale,
            data={"notification_id": str(notification.id), "severity": notification.severity},
        )
        claims.append(Claim(delivery.id, delivery.attempts, now, message))
    await session.flush()
    return claims


def _with_link(notification: Notification) -> str:
    """Return a notification's text as sent outside the site: its words, then where to open it."""
    if not notification.link:
        return notification.body
    return (
        f"{notification.body}\n{messages.link_line(notification.link, locale=notification.locale)}"
    )


async def record_result(
    session: AsyncSession, claim: Claim, result: Receipt | DeliveryFailed, settings: NotifySettings
) -> None:
    """Record what the gateway said of a claimed delivery (unless the claim was lost)."""
    await record_claimed(session, Delivery, claim, result, settings)


async def send_due(
    gateways: Mapping[str, Channel],
    *,
    settings: NotifySettings | None = None,
    limit: int = 50,
) -> int:
    """Send the deliveries that are due; return how many were tried.

    Three steps, so that no transaction is open while a gateway is called (on SQLite an open
    transaction holds the one write lock): claim them in one short unit of work, call the
    gateways outside any, then record each result in a short unit of work of its own.
    """
    settings = settings or get_notify_settings()
    async with session_scope() as session:
        claims = await claim_due(session, limit=limit)
    return await send_claims(gateways, claims, Delivery, settings)


async def run_once(
    gateways: Mapping[str, Channel] | None = None, *, settings: NotifySettings | None = None
) -> tuple[int, int]:
    """Read the new alarm and incident-notice events, then send what is due (deliveries and
    residents' SMS), each in its own unit of work."""
    settings = settings or get_notify_settings()
    gateways = gateways if gateways is not None else build_gateways(settings)
    read = 0
    while True:
        async with session_scope() as session:
            batch = await dispatch_events(session, settings=settings)
        read += batch
        if batch < BATCH:
            break
    while True:  # incident notices: their own cursor, same exactly-once pattern
        async with session_scope() as session:
            batch = await incident_notices.dispatch_notices(session, settings=settings)
        read += batch
        if batch < incident_notices.BATCH:
            break
    sent = await send_due(gateways, settings=settings)
    sent += await notice_delivery.send_due_messages(gateways, settings=settings)
    return read, sent


async def sweep() -> int:
    """Run the escalation sweep in its own unit of work (the periodic task)."""
    async with session_scope() as session:
        return await sweep_escalations(session)


async def run_worker(stop: asyncio.Event) -> None:
    """Dispatch until `stop` is set: woken by alarm events, else every `poll_seconds`."""
    settings = get_notify_settings()
    gateways = build_gateways(settings)

    async def once() -> None:
        await run_once(gateways, settings=settings)

    await follow(
        stop, ("alarm.*", "incident.updated"), once, poll_seconds=settings.poll_seconds,
        what="notification dispatch",
    )  # fmt: skip


async def follow(
    stop: asyncio.Event,
    subjects: Sequence[str],
    once: Callable[[], Awaitable[None]],
    *,
    poll_seconds: float,
    what: str,
) -> None:
    """Run `once` until `stop` is set: again whenever an event of `subjects` is published on
    the bus, else every `poll_seconds` (a busy database is tried again, not a failure)."""
    wake = asyncio.Event()

    async def woken(_event: events.Event) -> None:
        wake.set()

    subscriptions = [events.get_bus().subscribe(subject, woken) for subject in subjects]
    try:
        while not stop.is_set():
            wake.clear()
            try:
                await once()
            except Exception as err:
                if not is_busy(err):
                    log.exception("%s failed", what)
                else:  # nothing of the unit of work that gave up was kept: just go again
                    log.info("%s found the database busy; trying again", what)
            waiter = asyncio.ensure_future(wake.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait(
                {waiter, stopper}, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            for task in (waiter, stopper):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        for subscription in subscriptions:
            subscription.close()
