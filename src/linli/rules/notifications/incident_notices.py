"""Incident notices delivered: a second cursor-based consumer of the event log.

For each `incident.updated` entry with action `notice` (see `linli.cases.incidents.notices`):
stage 1 and 3 tell every active staff member with a role inside the incident's area (an inbox
notification plus their preferred channels; quiet hours give way for urgent incidents), stage 2
and 3 tell every resident of the area — an SMS in their language to each one with a phone, and a
line on the incident's list of residents to phone or visit for each one without a smartphone.

Exactly once per recipient: the cursor row is locked and moved in the transaction that creates
the notifications and messages, and unique keys (account + dedupe key; notice + resident +
channel) refuse a second copy. Resident SMS are sent, retried and given up like deliveries.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.incidents import service as incidents_service
from linli.cases.incidents.models import Incident, IncidentNotice
from linli.core import clock, eventlog, i18n, localtime
from linli.core.errors import NotFound
from linli.core.eventlog import locked_cursor
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules.notifications import messages, routing
from linli.rules.notifications.channels import build_gateways
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.models import (
    NoticeMessage,
    Notification,
    NotificationPreference,
    ResidentReach,
)
from linli.security.models import StaffAccount

log = logging.getLogger(__name__)

CURSOR = "incident_notices"
PATTERNS = ("incident.updated",)
BATCH = 20  # a notice may reach thousands of residents: few notices per transaction
KIND = "incident.notice"
# A notice older than this when the consumer first reads it is history, not news (e.g. the
# notices staged before this consumer was installed): it is skipped, not sent.
STALE_AFTER = timedelta(hours=12)
# Incidents that break through quiet hours: kinds that endanger life, at these severities.
URGENT_KINDS = frozenset({"fire", "flood"})
URGENT_SEVERITIES = frozenset({"major", "critical"})
# Incident severity → the alarm severity whose channel preferences apply.
CHANNEL_SEVERITY = {
    "critical": "critical",
    "major": "major",
    "moderate": "minor",
    "minor": "warning",
}


def dedupe_key(notice_id: uuid.UUID) -> str:
    """Return the dedupe key of the staff notifications of a notice."""
    return f"{KIND}:{notice_id}"


def is_urgent(incident: Incident, stage: int) -> bool:
    """Return whether a notice breaks through quiet hours (never the all-clear)."""
    return stage != 3 and incident.kind in URGENT_KINDS and incident.severity in URGENT_SEVERITIES


def channel_severity(incident: Incident, stage: int) -> str:
    """Return the severity whose channels a notice uses; the all-clear is at most `minor`."""
    severity = CHANNEL_SEVERITY.get(incident.severity, "warning")
    if stage == 3 and routing.rank(severity) < routing.rank("minor"):
        return "minor"
    return severity


def notice_text(notice: IncidentNotice, locale: str) -> str:
    """Return the notice's words for a reader of `locale` (Chinese when written, else English)."""
    if locale.startswith("zh") and notice.text_zh:
        return notice.text_zh
    return notice.text_en


# --- the consumer --------------------------------------------------------------------------


async def dispatch_notices(
    session: AsyncSession, *, settings: NotifySettings | None = None, limit: int = BATCH
) -> int:
    """Deliver the incident notices logged after the cursor; return how many entries were read."""
    settings = settings or get_notify_settings()
    cursor = await locked_cursor(session, CURSOR)
    entries = await eventlog.read_after(session, cursor.seq, patterns=PATTERNS, limit=limit)
    gateways = {channel: gw.gateway for channel, gw in build_gateways(settings).items()}
    for entry in entries:
        if entry.payload.get("action") == "notice":
            await _deliver(session, entry, gateways)
        cursor.seq = entry.seq
    if entries:
        cursor.updated_at = clock.now()
        await session.flush()
    return len(entries)


async def _deliver(
    session: AsyncSession, entry: eventlog.EventLogEntry, gateways: Mapping[str, str]
) -> None:
    detail = entry.payload.get("detail") or {}
    try:
        notice = await session.get(IncidentNotice, uuid.UUID(str(detail.get("notice_id"))))
    except ValueError:
        notice = None
    if notice is None:
        return
    incident = await session.get(Incident, notice.incident_id)
    if incident is None:
        return
    if notice.sent_at < clock.now() - STALE_AFTER:
        log.warning("incident notice %s is older than %s: not sent", notice.id, STALE_AFTER)
        return
    if notice.stage in (1, 3):
        for account in await incidents_service.staff_in_area(session, incident):
            await notify_staff(session, account, incident, notice, gateways=gateways)
    if notice.stage in (2, 3):
        await tell_residents(session, incident, notice, gateways=gateways)


async def _place(session: AsyncSession, incident: Incident) -> tuple[OrgUnit | None, str]:
    try:
        unit = await org_service.get_unit(session, incident.unit_id)
    except NotFound:
        return None, "UTC"
    return unit, await org_service.site_timezone(session, unit)


async def notify_staff(
    session: AsyncSession,
    account: StaffAccount,
    incident: Incident,
    notice: IncidentNotice,
    *,
    gateways: Mapping[str, str],
) -> Notification | None:
    """Give one staff member the notice in their inbox and preferred channels (once)."""
    key = dedupe_key(notice.id)
    existing = await session.scalar(
        select(Notification.id).where(
            Notification.account_id == account.id, Notification.dedupe_key == key
        )
    )
    if existing is not None:
        return None
    pref = await session.get(NotificationPreference, account.id)
    unit, unit_zone = await _place(session, incident)
    timezone = (pref.timezone if pref and pref.timezone else None) or unit_zone
    locale = i18n.normalise(account.locale) or "en"
    place = reach_place(unit, locale) if unit else incident.org_path
    severity = channel_severity(incident, notice.stage)
    context = {
        "stage": notice.stage,
        "title": incident.title,
        "severity_label": i18n.translations(locale).gettext(incident.severity.capitalize()),
        "text": notice_text(notice, locale),
        "place": place,
        "sent_at": localtime.format_when(notice.sent_at, timezone=unit_zone, locale=locale),
    }
    subject = messages.render("incident_subject.txt", locale=locale, **context)
    body = messages.render("incident_body.txt", locale=locale, **context)
    wanted = (pref.channels.get(severity) if pref else None) or routing.DEFAULT_CHANNELS.get(
        severity, ["inapp"]
    )
    now = clock.now()
    quiet = not is_urgent(incident, notice.stage) and routing.in_quiet_hours(pref, now, timezone)
    suppressed = [c for c in wanted if quiet and c not in routing.SILENT_CHANNELS]
    notification = Notification(
        account_id=account.id,
        dedupe_key=key,
        kind=KIND,
        alarm_id=None,
        org_path=incident.org_path,
        severity=severity,
        locale=locale,
        title=subject[:300],
        body=body[:4000],
        link=f"/incidents/{incident.id}",
        suppressed=suppressed,
    )
    return await routing.store_notification(
        session, notification, pref=pref, wanted=wanted, gateways=gateways, now=now
    )


def reach_place(unit: OrgUnit, locale: str) -> str:
    """Return a unit's name in `locale` (its Chinese name for Chinese, if it has one)."""
    return unit.name_zh if locale.startswith("zh") and unit.name_zh else unit.name


async def tell_residents(
    session: AsyncSession,
    incident: Incident,
    notice: IncidentNotice,
    *,
    gateways: Mapping[str, str],
) -> int:
    """Queue an SMS to each resident of the area with a phone and list those without a
    smartphone for a call or a visit; return how many messages were made (none twice)."""
    residents = await incidents_service.residents_in_area(session, incident)
    if not residents:
        return 0
    reaches = {
        r.resident_id: r
        for r in await session.scalars(
            select(ResidentReach).where(ResidentReach.resident_id.in_([r.id for r in residents]))
        )
    }
    done = {
        (resident_id, channel)
        for resident_id, channel in await session.execute(
            select(NoticeMessage.resident_id, NoticeMessage.channel).where(
                NoticeMessage.notice_id == notice.id
            )
        )
    }
    unit, _ = await _place(session, incident)
    now = clock.now()
    made = 0
    for resident in residents:
        reach = reaches.get(resident.id)
        locale = i18n.normalise(reach.language if reach else None) or "en"
        place = reach_place(unit, locale) if unit else incident.org_path
        subject = messages.render(
            "incident_sms_subject.txt", locale=locale, stage=notice.stage, place=place
        )
        body = notice_text(notice, locale)
        wanted: list[tuple[str, str | None, str]] = []
        if resident.phone and "sms" in gateways:
            wanted.append(("sms", resident.phone, "queued"))
        if reach is not None and not reach.has_smartphone:
            wanted.append((reach.method, None, "listed"))
        for channel, address, status in wanted:
            if (resident.id, channel) in done:
                continue
            session.add(
                NoticeMessage(
                    notice_id=notice.id,
                    resident_id=resident.id,
                    org_path=resident.org_path,
                    channel=channel,
                    gateway=gateways["sms"] if channel == "sms" else "list",
                    locale=locale,
                    address=address,
                    subject=subject[:300],
                    body=body[:4000],
                    status=status,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
            made += 1
    await session.flush()
    return made
