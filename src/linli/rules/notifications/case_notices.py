"""Case events told to the staff who act on them: a consumer of the event log, plugged in as
the rules extension's `notifications.cases` worker.

The case domain only logs what happens (`case.changed`); this reads those entries after its
own cursor (`case_notices`) and, in the transaction that moves the cursor, gives each person
concerned (`case_recipients`) an inbox card in their language — what happened, the case's
reference and title, times in the site's zone, a link to the case — and a queued delivery on
each other channel they chose for the case's weight. So each event is told exactly once per
person, even after a crash or with rival workers, and a change that rolled back was never
logged, so never told. Deliveries are sent afterwards, claimed, sent with no transaction open
and recorded (`dispatcher.send_due`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases.models import CaseEvent
from linli.core import clock, eventlog, i18n, localtime
from linli.core.database import session_scope
from linli.core.eventlog import locked_cursor
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules.notifications import dispatcher, messages, routing
from linli.rules.notifications.case_recipients import CaseNews, as_uuid, news_of, recipients
from linli.rules.notifications.channels import Channel, build_gateways
from linli.rules.notifications.config import NotifySettings, get_notify_settings
from linli.rules.notifications.models import Notification, NotificationPreference
from linli.security.models import StaffAccount

log = logging.getLogger(__name__)

CURSOR = "case_notices"
PATTERNS = ("case.changed",)
BATCH = 200
# An event older than this when first read is history, not news (the log before this consumer
# was installed, or a worker stopped for days): it is skipped, not told.
STALE_AFTER = timedelta(days=1)
# A case's priority (1 urgent … 4 low) → the alarm severity whose channel preferences apply.
CHANNEL_SEVERITY = {1: "major", 2: "minor"}
# Missed deadlines weigh at least `minor` (in-app and e-mail by default).
LATE = frozenset({"escalated", "overdue"})
NOTE_CHARS = 300


def kind_of(news: CaseNews) -> str:
    """Return the notification kind of a case event (`case.dispatched`, `case.overdue`…)."""
    return f"case.{news.what}"


def dedupe_key(entry: eventlog.EventLogEntry) -> str:
    """Return the key that keeps one event from telling a person twice."""
    return f"case:{entry.id}"


def channel_severity(news: CaseNews) -> str:
    """Return the severity whose channels tell of `news`: by the case's priority, and at least
    `minor` for a missed deadline."""
    severity = CHANNEL_SEVERITY.get(news.priority, "warning")
    if news.what in LATE and routing.rank(severity) > routing.rank("minor"):
        return "minor"
    return severity


@dataclass
class Lookups:
    """Units and site zones read once per batch of events."""

    units: dict[uuid.UUID, OrgUnit | None] = field(default_factory=dict)
    zones: dict[uuid.UUID, str] = field(default_factory=dict)

    async def unit(self, session: AsyncSession, unit_id: uuid.UUID | None) -> OrgUnit | None:
        if unit_id is None:
            return None
        if unit_id not in self.units:
            self.units[unit_id] = await session.get(OrgUnit, unit_id)
        return self.units[unit_id]

    async def zone(self, session: AsyncSession, unit_id: uuid.UUID | None) -> str:
        if unit_id is None:
            return "UTC"
        if unit_id not in self.zones:
            self.zones[unit_id] = await org_service.site_timezone(session, unit_id)
        return self.zones[unit_id]


@dataclass(frozen=True, slots=True)
class Told:
    """What the timeline says of the event: its note, the unit it names, the deadline it set."""

    note: str | None = None
    unit_id: uuid.UUID | None = None
    due_at: datetime | None = None


async def told(session: AsyncSession, news: CaseNews) -> Told:
    """Return the timeline entry's note, unit and new deadline for `news`."""
    step = await session.scalar(
        select(CaseEvent)
        .where(
            CaseEvent.case_id == news.case_id,
            CaseEvent.action == news.action,
            CaseEvent.at <= news.at,
        )
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )
    unit_id = {
        "dispatched": news.assigned_unit_id,
        "assigned": news.assigned_unit_id,
        "escalated": news.supervisor_unit_id,
    }.get(news.what)
    if step is None:
        return Told(unit_id=unit_id)
    detail = step.detail or {}
    if news.what == "returned":
        unit_id = as_uuid((detail.get("from_unit") or {}).get("id"))
    due = (detail.get("deadline_set") or {}).get("due_at")
    note = (step.note or "").strip()
    if len(note) > NOTE_CHARS:
        note = note[: NOTE_CHARS - 1] + "…"
    return Told(
        note=note or None,
        unit_id=unit_id,
        due_at=datetime.fromisoformat(due) if isinstance(due, str) else None,
    )


def unit_name(unit: OrgUnit | None, locale: str) -> str:
    """Return a unit's name in `locale` (its Chinese name for Chinese, if it has one)."""
    if unit is None:
        return ""
    return unit.name_zh if locale.startswith("zh") and unit.name_zh else unit.name


# --- the consumer --------------------------------------------------------------------------


async def dispatch_case_events(
    session: AsyncSession, *, settings: NotifySettings | None = None, limit: int = BATCH
) -> int:
    """Tell the people concerned of the case events logged after the cursor; return how many
    entries were read."""
    settings = settings or get_notify_settings()
    cursor = await locked_cursor(session, CURSOR)
    entries = await eventlog.read_after(session, cursor.seq, patterns=PATTERNS, limit=limit)
    gateways = dispatcher.gateway_names(settings)
    urgent = frozenset(settings.urgent_severities)
    lookups = Lookups()
    stale = clock.now() - STALE_AFTER
    for entry in entries:
        news = news_of(entry.payload, at=entry.at)
        if news is not None and news.at < stale:
            log.info("case event %s is older than %s: not told", entry.seq, STALE_AFTER)
        elif news is not None:
            people = await recipients(session, news)
            said = await told(session, news) if people else Told()
            for account in people:
                await notify_staff(
                    session, account, news, said, key=dedupe_key(entry), gateways=gateways,
                    urgent=urgent, lookups=lookups,
                )  # fmt: skip
        cursor.seq = entry.seq
    if entries:
        cursor.updated_at = clock.now()
        await session.flush()
    return len(entries)


async def notify_staff(
    session: AsyncSession,
    account: StaffAccount,
    news: CaseNews,
    said: Told,
    *,
    key: str,
    gateways: Mapping[str, str],
    urgent: frozenset[str],
    lookups: Lookups,
) -> Notification | None:
    """Give one person the card of a case event and its deliveries (None if told before)."""
    existing = await session.scalar(
        select(Notification.id).where(
            Notification.account_id == account.id, Notification.dedupe_key == key
        )
    )
    if existing is not None:
        return None
    pref = await session.get(NotificationPreference, account.id)
    locale = i18n.normalise(account.locale) or "en"
    site_zone = await lookups.zone(session, news.unit_id)
    context = {
        "what": news.what,
        "ref": news.ref,
        "title": news.title,
        "unit": unit_name(await lookups.unit(session, said.unit_id), locale),
        "place": unit_name(await lookups.unit(session, news.unit_id), locale) or news.org_path,
        "at": localtime.format_when(news.at, timezone=site_zone, locale=locale),
        "note": said.note,
        "due": localtime.format_when(said.due_at, timezone=site_zone, locale=locale),
    }
    subject = messages.render("case_subject.txt", locale=locale, **context)
    body = messages.render("case_body.txt", locale=locale, **context)
    severity = channel_severity(news)
    wanted = (pref.channels.get(severity) if pref else None) or routing.DEFAULT_CHANNELS.get(
        severity, ["inapp"]
    )
    now = clock.now()
    # Quiet hours are the person's own, in their zone if they chose one.
    timezone = (pref.timezone if pref and pref.timezone else None) or site_zone
    quiet = severity not in urgent and routing.in_quiet_hours(pref, now, timezone)
    notification = Notification(
        account_id=account.id,
        dedupe_key=key,
        kind=kind_of(news),
        alarm_id=None,
        org_path=news.org_path,
        severity=severity,
        locale=locale,
        title=subject[:300],
        body=body[:4000],
        link=f"/cases/{news.case_id}",
        suppressed=[c for c in wanted if quiet and c not in routing.SILENT_CHANNELS],
    )
    return await routing.store_notification(
        session, notification, pref=pref, wanted=wanted, gateways=gateways, now=now
    )


async def run_once(
    gateways: Mapping[str, Channel] | None = None, *, settings: NotifySettings | None = None
) -> tuple[int, int]:
    """Read the new case events (units of work of `BATCH` entries), then send the deliveries
    that are due; return how many entries were read and deliveries tried."""
    settings = settings or get_notify_settings()
    gateways = gateways if gateways is not None else build_gateways(settings)
    read = 0
    while True:
        async with session_scope() as session:
            batch = await dispatch_case_events(session, settings=settings)
        read += batch
        if batch < BATCH:
            break
    return read, await dispatcher.send_due(gateways, settings=settings)


async def run_worker(stop: asyncio.Event) -> None:
    """Tell case events until `stop` is set: woken by case events, else every `poll_seconds`."""
    settings = get_notify_settings()
    gateways = build_gateways(settings)

    async def once() -> None:
        await run_once(gateways, settings=settings)

    await dispatcher.follow(
        stop, ("case.changed",), once, poll_seconds=settings.poll_seconds,
        what="case notifications",
    )  # fmt: skip
