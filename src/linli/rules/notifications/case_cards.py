"""The card a case event puts in a person's inbox: in their language, times in the site's zone,
the case's reference and title, what happened (with the step's note and the deadline it set)
and the link to the case; weighed by the case's priority for the channels they chose."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.cases import service as cases_service
from linli.cases.models import CaseEvent
from linli.core import i18n, localtime
from linli.org import service as org_service
from linli.org.models import OrgUnit
from linli.rules.notifications import messages, routing
from linli.rules.notifications.case_recipients import CaseNews, as_uuid
from linli.rules.notifications.models import Notification, NotificationPreference
from linli.security.models import StaffAccount

# A case's priority (1 urgent … 4 low) → the alarm severity whose channel preferences apply.
CHANNEL_SEVERITY = {1: "major", 2: "minor"}
# Missed deadlines weigh at least `minor` (in-app and e-mail by default).
LATE = frozenset({"escalated", "overdue"})
NOTE_CHARS = 300


def kind_of(news: CaseNews) -> str:
    """Return the notification kind of a case event (`case.dispatched`, `case.overdue`…)."""
    return f"case.{news.what}"


def channel_severity(news: CaseNews) -> str:
    """Return the severity whose channels tell of `news`: by the case's priority, and at least
    `minor` for a missed deadline."""
    severity = CHANNEL_SEVERITY.get(news.priority, "warning")
    if news.what in LATE and routing.rank(severity) > routing.rank("minor"):
        return "minor"
    return severity


def unit_name(unit: OrgUnit | None, locale: str) -> str:
    """Return a unit's name in `locale` (its Chinese name for Chinese, if it has one)."""
    if unit is None:
        return ""
    return unit.name_zh if locale.startswith("zh") and unit.name_zh else unit.name


@dataclass
class Lookups:
    """What a batch of events reads once: units, site zones, people's preferences and the
    recipients of each rule (`case_recipients.recipients`)."""

    units: dict[uuid.UUID, OrgUnit | None] = field(default_factory=dict)
    zones: dict[uuid.UUID, str] = field(default_factory=dict)
    prefs: dict[uuid.UUID, NotificationPreference | None] = field(default_factory=dict)
    people: dict[tuple[object, ...], list[StaffAccount]] = field(default_factory=dict)

    async def unit(self, session: AsyncSession, unit_id: uuid.UUID | None) -> OrgUnit | None:
        """Return a unit (None for none or a unit gone)."""
        if unit_id is None:
            return None
        if unit_id not in self.units:
            self.units[unit_id] = await session.get(OrgUnit, unit_id)
        return self.units[unit_id]

    async def zone(self, session: AsyncSession, unit_id: uuid.UUID | None) -> str:
        """Return the site's time zone at a unit."""
        if unit_id is None:
            return "UTC"
        if unit_id not in self.zones:
            self.zones[unit_id] = await org_service.site_timezone(session, unit_id)
        return self.zones[unit_id]

    async def load_prefs(self, session: AsyncSession, account_ids: Iterable[uuid.UUID]) -> None:
        """Read the preferences of the people not read yet, in one query."""
        wanted = [i for i in dict.fromkeys(account_ids) if i not in self.prefs]
        if not wanted:
            return
        self.prefs.update(dict.fromkeys(wanted))
        found = await session.scalars(
            select(NotificationPreference).where(NotificationPreference.account_id.in_(wanted))
        )
        self.prefs.update({p.account_id: p for p in found})


@dataclass(frozen=True, slots=True)
class Told:
    """What the timeline says of the event: its note, the unit it names, the deadline it set."""

    note: str | None = None
    unit_id: uuid.UUID | None = None
    due_at: datetime | None = None


async def timeline_steps(
    session: AsyncSession, news: Sequence[CaseNews]
) -> dict[tuple[uuid.UUID, str], list[CaseEvent]]:
    """Return the timeline entries of the events' cases and actions, in one query."""
    if not news:
        return {}
    rows = await session.scalars(
        select(CaseEvent)
        .where(
            CaseEvent.case_id.in_({n.case_id for n in news}),
            CaseEvent.action.in_({n.action for n in news}),
        )
        .order_by(CaseEvent.seq)
    )
    steps: dict[tuple[uuid.UUID, str], list[CaseEvent]] = {}
    for step in rows:
        steps.setdefault((step.case_id, step.action), []).append(step)
    return steps


def told_by(steps: dict[tuple[uuid.UUID, str], list[CaseEvent]], news: CaseNews) -> Told:
    """Return the note, the unit and the new deadline of the timeline entry behind `news`."""
    step = next(
        (s for s in reversed(steps.get((news.case_id, news.action), [])) if s.at <= news.at),
        None,
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


async def card(
    session: AsyncSession,
    account: StaffAccount,
    news: CaseNews,
    said: Told,
    *,
    key: str,
    urgent: frozenset[str],
    now: datetime,
    lookups: Lookups,
) -> routing.Pending:
    """Return one person's card of a case event, their preferences and the channels wanted."""
    pref = lookups.prefs.get(account.id)
    locale = i18n.normalise(account.locale) or "en"
    site_zone = await lookups.zone(session, news.unit_id)
    context = {
        "what": news.what,
        "ref": news.ref,
        "title": cases_service.title_in(
            cases_service.StoredWords(news.title, "", news.text_key, news.text_params), locale
        ),
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
    return notification, pref, wanted
