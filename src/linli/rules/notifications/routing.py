"""Who is told of an alarm, over which channels, and what quiet hours hold back.

Recipients: the on-call list (`NotificationRoute`) of the nearest org unit above the alarm whose
minimum severity the alarm reaches — its first person, then the next on escalation; without a
route, every staff member holding `alarms:read` at the nearest level above the alarm.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.core import clock, events, i18n
from linli.core.errors import NotFound
from linli.core.localtime import zone
from linli.iot import service as iot_service
from linli.iot.models import Device
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules.models import SEVERITIES, Alarm, Rule
from linli.rules.notifications.events import NotificationCreated
from linli.rules.notifications.messages import AlarmSource, alarm_link, alarm_message
from linli.rules.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationRoute,
)
from linli.security import service as security_service
from linli.security.models import RoleGrant, StaffAccount
from linli.security.permissions import ROLES

DEFAULT_CHANNELS: dict[str, list[str]] = {
    "critical": ["inapp", "push", "email", "sms", "voice"],
    "major": ["inapp", "push", "email", "sms"],
    "minor": ["inapp", "email"],
    "warning": ["inapp"],
}
# Channels that never wake anybody: quiet hours leave them alone.
SILENT_CHANNELS = frozenset({"inapp", "email"})


def rank(severity: str) -> int:
    """Return how severe a severity is: 0 is the worst."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def path_prefixes(path: str) -> list[str]:
    """Return the paths of a unit and of every unit above it (`/a/b/` → `/a/`, `/a/b/`)."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


async def route_for(session: AsyncSession, alarm: Alarm) -> NotificationRoute | None:
    """Return the nearest route above the alarm whose minimum severity the alarm reaches."""
    routes = await session.scalars(
        select(NotificationRoute).where(
            NotificationRoute.unit_path.in_(path_prefixes(alarm.org_path))
        )
    )
    fitting = [r for r in routes if rank(alarm.severity) <= rank(r.severity_min)]
    if not fitting:
        return None
    return max(fitting, key=lambda r: (len(r.unit_path), rank(r.severity_min)))


async def may_read(session: AsyncSession, account: StaffAccount, org_path: str) -> bool:
    """Return whether an active account holds `alarms:read` at `org_path`."""
    if not account.active:
        return False
    principal = await security_service.load_principal(session, account, via="system")
    return principal.can("alarms:read", org_path)


async def on_call(
    session: AsyncSession, route: NotificationRoute, alarm: Alarm, *, start: int = 0
) -> tuple[int, StaffAccount] | None:
    """Return the first person of the route from position `start` who may read the alarm."""
    for index in range(start, len(route.staff_ids)):
        account = await session.get(StaffAccount, uuid.UUID(route.staff_ids[index]))
        if account is not None and await may_read(session, account, alarm.org_path):
            return index, account
    return None


async def nearest_readers(session: AsyncSession, alarm: Alarm) -> list[StaffAccount]:
    """Return the active staff holding `alarms:read` at the nearest level above the alarm."""
    roles = [name for name, perms in ROLES.items() if "alarms:read" in perms]
    rows = await session.execute(
        select(OrgUnit.path, StaffAccount)
        .join(RoleGrant, RoleGrant.unit_id == OrgUnit.id)
        .join(StaffAccount, StaffAccount.id == RoleGrant.account_id)
        .where(
            OrgUnit.path.in_(path_prefixes(alarm.org_path)),
            RoleGrant.role.in_(roles),
            StaffAccount.active.is_(True),
        )
    )
    found = [(path, account) for path, account in rows]
    if not found:
        return []
    deepest = max(len(path) for path, _ in found)
    unique = {a.id: a for path, a in found if len(path) == deepest}
    return sorted(unique.values(), key=lambda a: a.username)


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(pref: NotificationPreference | None, when: datetime, timezone: str) -> bool:
    """Return whether `when` falls in the person's quiet hours (local time, may span midnight)."""
    if pref is None or not pref.quiet_start or not pref.quiet_end:
        return False
    start, end = _parse(pref.quiet_start), _parse(pref.quiet_end)
    local = when.astimezone(zone(timezone)).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def address_for(pref: NotificationPreference | None, channel: str) -> str | None:
    """Return where a channel reaches the person, or None if they gave no address for it."""
    if channel == "inapp":
        return ""
    if pref is None:
        return None
    if channel == "email":
        return pref.email
    if channel in ("sms", "voice"):
        return pref.phone
    if channel == "push" and pref.push_endpoint and pref.push_p256dh and pref.push_auth:
        keys = {"endpoint": pref.push_endpoint, "p256dh": pref.push_p256dh, "auth": pref.push_auth}
        return json.dumps(keys)
    return None


async def _place(session: AsyncSession, alarm: Alarm, locale: str) -> tuple[str, str]:
    """Return the alarm unit's name in `locale` and its calendar's time zone."""
    try:
        unit = await org_service.get_unit(session, alarm.org_unit_id)
    except NotFound:
        return alarm.org_path, "UTC"
    name = unit.name_zh if locale.startswith("zh") and unit.name_zh else unit.name
    return name, await org_service.site_timezone(session, unit)


async def _source(session: AsyncSession, alarm: Alarm, unit_name: str, locale: str) -> AlarmSource:
    """Return where an alarm came from in people's words, in `locale` (its device's place, its
    rule's kind)."""
    device = await session.get(Device, alarm.device_id)
    rule = await session.get(Rule, alarm.rule_id)
    place = await iot_service.place_name(session, device, locale) if device else None
    return AlarmSource(
        device_type=device.type if device else "",
        device_code=alarm.device_code,
        place=place or alarm.device_code,
        unit=unit_name,
        kind=rule.kind if rule else "threshold",
        case_id=alarm.case_id,
    )


async def notify(
    session: AsyncSession,
    *,
    account: StaffAccount,
    alarm: Alarm,
    kind: str,
    dedupe_key: str,
    gateways: Mapping[str, str],
    urgent: frozenset[str] | tuple[str, ...] = ("critical",),
) -> Notification | None:
    """Create one person's inbox notification and its queued deliveries (None if done before).

    `gateways` maps each channel the install serves to its gateway's name.
    """
    existing = await session.scalar(
        select(Notification.id).where(
            Notification.account_id == account.id, Notification.dedupe_key == dedupe_key
        )
    )
    if existing is not None:
        return None
    pref = await session.get(NotificationPreference, account.id)
    unit_name, unit_zone = await _place(session, alarm, account.locale)
    timezone = (pref.timezone if pref and pref.timezone else None) or unit_zone
    now = clock.now()
    # The text says when in the site's zone, as every page does; quiet hours are the person's own.
    source = await _source(session, alarm, unit_name, i18n.normalise(account.locale) or "en")
    message = alarm_message(
        alarm,
        locale=account.locale,
        timezone=unit_zone,
        source=source,
        escalated=kind == "alarm.escalated",
    )
    wanted = (pref.channels.get(alarm.severity) if pref else None) or DEFAULT_CHANNELS.get(
        alarm.severity, ["inapp"]
    )
    quiet = alarm.severity not in urgent and in_quiet_hours(pref, now, timezone)
    suppressed = [c for c in wanted if quiet and c not in SILENT_CHANNELS]
    notification = Notification(
        account_id=account.id,
        dedupe_key=dedupe_key,
        kind=kind,
        alarm_id=alarm.id,
        org_path=alarm.org_path,
        severity=alarm.severity,
        locale=message.locale,
        title=message.subject[:300],
        body=message.body[:4000],
        link=alarm_link(alarm),
        suppressed=suppressed,
    )
    return await store_notification(
        session, notification, pref=pref, wanted=wanted, gateways=gateways, now=now
    )


async def store_notification(
    session: AsyncSession,
    notification: Notification,
    *,
    pref: NotificationPreference | None,
    wanted: Sequence[str],
    gateways: Mapping[str, str],
    now: datetime,
) -> Notification:
    """Store a notification with a queued delivery per wanted channel (unless held back by quiet
    hours, unserved or without an address) and record its live event."""
    await store_notifications(session, [(notification, pref, wanted)], gateways=gateways, now=now)
    return notification


Pending = tuple[Notification, NotificationPreference | None, Sequence[str]]
"""A notification to store, with its person's preferences and the channels they want."""


async def store_notifications(
    session: AsyncSession,
    pending: Sequence[Pending],
    *,
    gateways: Mapping[str, str],
    now: datetime,
) -> None:
    """Store notifications (one event's, for several people) as `store_notification` does, in
    two statements: the notifications, then their deliveries."""
    if not pending:
        return
    session.add_all([notification for notification, _, _ in pending])
    await session.flush()
    for notification, pref, wanted in pending:
        for channel in dict.fromkeys(wanted):
            address = address_for(pref, channel)
            if channel in notification.suppressed or channel not in gateways or address is None:
                continue
            session.add(
                Delivery(
                    notification_id=notification.id,
                    account_id=notification.account_id,
                    org_path=notification.org_path,
                    channel=channel,
                    gateway=gateways[channel],
                    address=address or None,
                    status="queued",
                    attempts=0,
                    next_attempt_at=now,
                )
            )
        events.record(
            session,
            NotificationCreated(
                org_path=notification.org_path,
                notification_id=notification.id,
                account_id=notification.account_id,
                alarm_id=notification.alarm_id,
                kind=notification.kind,
                severity=notification.severity,
                title=notification.title,
                link=notification.link,
            ),
        )
    await session.flush()
